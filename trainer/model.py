"""The GPT-NeoX model of a :class:`TrainConfig`, built with transformers' ``GPTNeoXForCausalLM``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from transformers import GPTNeoXConfig, GPTNeoXForCausalLM

from trainer.config import TrainConfig


def hf_config(
    cfg: TrainConfig, eos_token_id: int = 2, pad_token_id: int | None = None
) -> GPTNeoXConfig:
    cfg = cfg.resolved()
    return GPTNeoXConfig(
        vocab_size=cfg.padded_vocab_size,
        hidden_size=cfg.hidden_size,
        num_hidden_layers=cfg.num_layers,
        num_attention_heads=cfg.num_heads,
        intermediate_size=cfg.intermediate_size,
        hidden_act="gelu",
        max_position_embeddings=cfg.seq_len,
        rotary_pct=cfg.rotary_pct,
        rotary_emb_base=cfg.rotary_emb_base,
        use_parallel_residual=cfg.parallel_residual,
        tie_word_embeddings=False,
        layer_norm_eps=cfg.layer_norm_eps,
        initializer_range=cfg.init_std,
        hidden_dropout=0.0,
        attention_dropout=0.0,
        bos_token_id=0,
        eos_token_id=eos_token_id,
        pad_token_id=pad_token_id,
        use_cache=True,
        attn_implementation="sdpa",
    )


def build_model(
    cfg: TrainConfig, device: torch.device | str = "cpu", **config_kwargs: Any
) -> GPTNeoXForCausalLM:
    """A freshly initialised model, allocated straight on ``device`` (meta: shapes only)."""
    with torch.device(device):
        return GPTNeoXForCausalLM(hf_config(cfg, **config_kwargs))


def enable_activation_checkpointing(model: GPTNeoXForCausalLM) -> None:
    """Recompute each layer's activations in the backward pass instead of keeping them."""
    kwargs = {"use_reentrant": False}
    if hasattr(model, "activation_checkpointing_enable"):  # transformers v5
        model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)


def count_parameters(model: torch.nn.Module, embeddings: bool = True) -> int:
    """Parameters of ``model``; without the input embedding when ``embeddings`` is False."""
    total = sum(p.numel() for p in model.parameters())
    if not embeddings:
        total -= model.get_input_embeddings().weight.numel()
    return total


def describe(preset_or_config: str | TrainConfig) -> dict[str, Any]:
    """The model config and exact parameter count, built on the meta device (no weights)."""
    cfg = (
        TrainConfig(preset=preset_or_config)
        if isinstance(preset_or_config, str)
        else preset_or_config
    ).resolved()
    model = build_model(cfg, device="meta")
    config = model.config.to_dict()
    config.update(rotary_pct=cfg.rotary_pct, rotary_emb_base=cfg.rotary_emb_base)
    return {
        "preset": cfg.preset,
        "parameters": count_parameters(model),
        "non_embedding_parameters": count_parameters(model, embeddings=False),
        "vocab_size": cfg.vocab_size,
        "padded_vocab_size": cfg.padded_vocab_size,
        "config": config,
    }


def write_legacy_rope_keys(config_json: str | Path, cfg: TrainConfig) -> None:
    """Write ``rotary_pct`` and ``rotary_emb_base`` into a saved config.json.

    transformers v5 keeps them under ``rope_parameters``; readers that look for the v4 keys fall
    back to rotary_pct 0.25 when the key is missing (FACTS §1), which silently breaks the model.
    """
    path = Path(config_json)
    config = json.loads(path.read_text())
    config["rotary_pct"] = cfg.rotary_pct
    config["rotary_emb_base"] = cfg.rotary_emb_base
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
