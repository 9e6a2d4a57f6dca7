"""``kprep train`` and ``kprep neox-config``: flags, launching, and GPT-NeoX YAML.

Every :class:`~trainer.config.TrainConfig` field is a flag (``--max-steps``, ``--hidden-size``,
``--compile/--no-compile``, ...). Precedence: the preset, then ``overrides`` (the config file's
``[train]`` section), then the flags given. One GPU or the CPU trains in this process; several
GPUs start ``torchrun --standalone --nproc_per_node=N -m trainer.train`` (no shell).
Torch is imported only when training or describing, so neox-config works without it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from trainer.config import PRESETS, TrainConfig
from trainer.data import read_manifest, shards_dir, tokenizer_info

HELP = {
    "preset": "tiny (CPU tests) or polyglot-ko-1.3b (FACTS §1); other fields override it",
    "vocab_size": "tokenizer ids before padding to a multiple of 128 (default: the manifest's)",
    "max_steps": "optimizer steps",
    "seq_len": "tokens a window predicts (a window holds seq_len + 1)",
    "micro_batch_size": "windows per GPU per forward pass",
    "grad_accum_steps": "micro-batches per optimizer step",
    "data_weights": "blend weights, one per --data dir, comma-separated (default equal)",
    "resume": "continue from the newest checkpoint in OUTPUT/checkpoints",
    "export": "save_pretrained the model and tokenizer into OUTPUT at the end",
    "device": "auto (cuda when present), cpu, cuda, cuda:1, ...",
    "dtype": "auto (bf16 autocast on GPU, fp32 on CPU), bf16 or fp32",
    "fsdp": "shard the model over GPUs (FSDP2) instead of replicating it (DDP)",
    "activation_checkpointing": "recompute activations in backward to save memory",
    "compile": "torch.compile the model",
}


def _config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per TrainConfig field, default None so that only given flags override."""
    group = parser.add_argument_group("training config (default: the preset's values)")
    for f in dataclasses.fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        text = HELP.get(f.name, f"TrainConfig.{f.name}")
        if f.name == "preset":
            group.add_argument(flag, choices=sorted(PRESETS), default=None, help=text)
        elif f.type == "bool":
            group.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=text)
        elif f.name == "data_weights":
            group.add_argument(
                flag, default=None, help=text, type=lambda s: [float(w) for w in s.split(",")]
            )
        else:
            kind = int if f.type.startswith("int") else float if f.type.startswith("float") else str
            group.add_argument(flag, type=kind, default=None, help=text)


def config_from_args(
    args: argparse.Namespace, overrides: dict[str, Any] | None = None
) -> TrainConfig:
    values = dict(overrides or {})
    for f in dataclasses.fields(TrainConfig):
        if getattr(args, f.name, None) is not None:
            values[f.name] = getattr(args, f.name)
    return TrainConfig.from_dict(values)


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", metavar="DIR[,DIR...]", help="kprep output dirs (or shards dirs), comma-separated"
    )
    parser.add_argument(
        "--output", metavar="DIR", help="run dir: checkpoints/, train_log.jsonl, the export"
    )
    parser.add_argument(
        "--tokenizer",
        default=None,
        help="tokenizer dir or tokenizer.json for the export "
        "(default: the manifest's, else DATA/tokenizer)",
    )
    parser.add_argument(
        "--describe",
        action="store_true",
        help="print the model config and exact parameter count, then exit",
    )
    parser.add_argument(
        "--nproc",
        type=int,
        default=None,
        help="processes (GPUs) to train on (default: every visible GPU, else 1)",
    )
    _config_flags(parser)


def run_train(args: argparse.Namespace, overrides: dict[str, Any] | None = None) -> int:
    try:
        cfg = config_from_args(args, overrides)
        data_dirs = [d for d in (args.data or "").split(",") if d]
        if args.describe:
            return _describe(cfg, data_dirs)
        if not data_dirs or not args.output:
            raise ValueError("--data and --output are required (or use --describe)")
        return _launch(cfg, data_dirs, args.output, args.tokenizer, args.nproc)
    except (ValueError, FileNotFoundError) as err:
        print(f"kprep train: error: {err}", file=sys.stderr)
        return 2


def _describe(cfg: TrainConfig, data_dirs: list[str]) -> int:
    from trainer.model import describe

    cfg = cfg.resolved()
    if cfg.vocab_size is None:
        if not data_dirs:
            raise ValueError(
                f"preset {cfg.preset} takes vocab_size from the shards: pass --data or --vocab-size"
            )
        cfg = dataclasses.replace(cfg, vocab_size=int(tokenizer_info(data_dirs)["vocab_size"]))
    info = describe(cfg)
    print(json.dumps(info["config"], indent=2, sort_keys=True))
    print(
        f"preset {info['preset']}: {info['parameters']:,} parameters "
        f"({info['non_embedding_parameters']:,} without the input embedding), "
        f"vocab {info['vocab_size']:,} padded to {info['padded_vocab_size']:,}"
    )
    return 0


def _launch(
    cfg: TrainConfig, data_dirs: list[str], output: str, tokenizer: str | None, nproc: int | None
) -> int:
    import torch

    if nproc is None:
        on_gpu = cfg.device in ("auto", "cuda") and torch.cuda.is_available()
        nproc = torch.cuda.device_count() if on_gpu else 1
    if nproc > 1 and "WORLD_SIZE" not in os.environ:
        cmd = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            f"--nproc_per_node={nproc}",
            "-m",
            "trainer.train",
            "--config",
            json.dumps(cfg.to_dict()),
            "--data",
            ",".join(data_dirs),
            "--output",
            output,
        ]
        if tokenizer:
            cmd += ["--tokenizer", tokenizer]
        root = str(Path(__file__).resolve().parent.parent)  # so the workers import trainer/
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p),
        }
        print("launching:", " ".join(cmd[:8]), "...", flush=True)
        return subprocess.run(cmd, env=env, check=False).returncode

    from trainer.train import train

    summary = train(cfg, data_dirs, output, tokenizer)
    figures = [f"{summary['final_step']} steps"]
    if summary["eval_loss"] is not None:
        figures.append(
            f"eval loss {summary['eval_loss']:.4f} (ppl {summary['eval_perplexity']:.2f})"
        )
    if summary["tokens_per_s"]:
        figures.append(f"{summary['tokens_per_s']:,.0f} tokens/s")
    print(f"kprep train: {', '.join(figures)} -> {output}")
    return 0


# ----------------------------------------------------------------------------- neox-config


def add_neox_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        required=True,
        metavar="DIR[,DIR...]",
        help="kprep output dirs (or shards dirs), comma-separated",
    )
    parser.add_argument("--output", default="-", help="YAML file to write (default: stdout)")
    parser.add_argument(
        "--tokenizer", default=None, help="tokenizer.json for vocab_file (default: the manifest's)"
    )
    parser.add_argument(
        "--save-dir", default="checkpoints", help="GPT-NeoX save/load dir written into the YAML"
    )
    _config_flags(parser)


def run_neox_config(args: argparse.Namespace) -> int:
    try:
        cfg = config_from_args(args)
        text = neox_yaml(cfg, [d for d in args.data.split(",") if d], args.tokenizer, args.save_dir)
    except (ValueError, FileNotFoundError) as err:
        print(f"kprep neox-config: error: {err}", file=sys.stderr)
        return 2
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text)
        print(f"kprep neox-config: wrote {args.output}")
    return 0


def _split_paths(
    data_dirs: list[str], weights: list[float], split: str
) -> tuple[list[str], list[float]]:
    """Each shard prefix of ``split`` with its share of its dir's weight, by tokens.

    GPT-NeoX blends prefixes; weighting a dir's shards by their tokens reads the dir as the one
    stream the bundled trainer reads.
    """
    paths, shard_weights = [], []
    for data_dir, weight in zip(data_dirs, weights, strict=True):
        root = shards_dir(data_dir).resolve()
        shards = [s for s in read_manifest(root)["shards"] if s["split"] == split]
        total = sum(s["tokens"] for s in shards)
        for s in shards:
            paths.append(str(root / s["name"]))
            shard_weights.append(round(weight * s["tokens"] / total, 8) if total else 0.0)
    return paths, shard_weights


def _vocab_file(data_dirs: list[str], tokenizer: str | None) -> str:
    root = shards_dir(data_dirs[0])
    recorded = tokenizer or tokenizer_info(data_dirs).get("path") or str(root.parent / "tokenizer")
    for path in (Path(recorded), root / recorded):
        path = path / "tokenizer.json" if path.is_dir() else path
        if path.is_file():
            return str(path.resolve())
    raise FileNotFoundError(f"{recorded}: no tokenizer.json (pass --tokenizer)")


def neox_yaml(
    cfg: TrainConfig,
    data_dirs: list[str],
    tokenizer: str | None = None,
    save_dir: str = "checkpoints",
) -> str:
    """A complete GPT-NeoX config for ``cfg`` on the shards of ``data_dirs``, as YAML text."""
    if not data_dirs:
        raise ValueError("--data is required")
    info = tokenizer_info(data_dirs)
    cfg = cfg.resolved()
    if cfg.vocab_size is not None and cfg.vocab_size != int(info["vocab_size"]):
        print(
            f"kprep neox-config: note: GPT-NeoX sizes the embedding from the tokenizer "
            f"({info['vocab_size']} ids), not from vocab_size {cfg.vocab_size}",
            file=sys.stderr,
        )
    weights = cfg.data_weights or [1.0] * len(data_dirs)
    if len(weights) != len(data_dirs):
        raise ValueError(f"{len(weights)} data weights for {len(data_dirs)} data dirs")
    neox: dict[str, Any] = {
        # parallelism
        "pipe_parallel_size": 1,
        "model_parallel_size": 1,
        # model: the same GPT-NeoX as the bundled trainer's (transformers' GPTNeoXForCausalLM)
        "num_layers": cfg.num_layers,
        "hidden_size": cfg.hidden_size,
        "num_attention_heads": cfg.num_heads,
        "intermediate_size": cfg.intermediate_size,
        "seq_length": cfg.seq_len,
        "max_position_embeddings": cfg.seq_len,
        "norm": "layernorm",
        "layernorm_epsilon": cfg.layer_norm_eps,
        "pos_emb": "rotary",
        "rotary_pct": cfg.rotary_pct,
        "rotary_emb_base": cfg.rotary_emb_base,
        "no_weight_tying": True,
        "gpt_j_residual": cfg.parallel_residual,
        "gpt_j_tied": False,
        "activation": "gelu",
        "output_layer_parallelism": "column",
        "make_vocab_size_divisible_by": 128,
        "attention_config": [[["global"], cfg.num_layers]],
        "init_method": "small_init",
        "output_layer_init_method": "wang_init",
        "hidden_dropout": 0.0,
        "attention_dropout": 0.0,
        "scaled_upper_triang_masked_softmax_fusion": False,
        "bias_gelu_fusion": False,
        # optimizer and schedule
        "optimizer": {
            "type": "Adam",
            "params": {"lr": cfg.lr, "betas": [cfg.beta1, cfg.beta2], "eps": cfg.eps},
        },
        "min_lr": cfg.min_lr,
        "weight_decay": cfg.weight_decay,
        "gradient_clipping": cfg.grad_clip,
        "lr_decay_style": "cosine",
        "train_iters": cfg.max_steps,
        "lr_decay_iters": cfg.lr_decay_steps,
        "warmup": round(cfg.warmup_steps / cfg.max_steps, 6),
        "zero_optimization": {
            "stage": 1,
            "allgather_partitions": True,
            "allgather_bucket_size": 500_000_000,
            "overlap_comm": True,
            "reduce_scatter": True,
            "reduce_bucket_size": 500_000_000,
            "contiguous_gradients": True,
        },
        # batch and precision
        "train_micro_batch_size_per_gpu": cfg.micro_batch_size,
        "gradient_accumulation_steps": cfg.grad_accum_steps,
        "precision": "bfloat16",
        "bf16": {"enabled": True},
        "checkpoint_activations": cfg.activation_checkpointing,
        "checkpoint_num_layers": 1,
        # data: separate train/valid/test prefixes, so no "split"
        "data_impl": "mmap",
        "tokenizer_type": "HFTokenizer",
        "vocab_file": _vocab_file(data_dirs, tokenizer),
        "seed": cfg.seed,
    }
    for split in ("train", "valid", "test"):
        paths, split_weights = _split_paths(data_dirs, weights, split)
        if paths:
            neox[f"{split}_data_paths"] = paths
            neox[f"{split}_data_weights"] = split_weights
    if "train_data_paths" not in neox:
        raise ValueError(f"no train shards in {', '.join(data_dirs)}")
    neox.update(
        {
            # checkpoints, evaluation, logging
            "save": save_dir,
            "load": save_dir,
            "checkpoint_factor": cfg.checkpoint_interval,
            "keep_last_n_checkpoints": cfg.keep_checkpoints,
            "eval_interval": cfg.eval_interval,
            "eval_iters": cfg.eval_iters if "valid_data_paths" in neox else 0,
            "log_interval": cfg.log_interval,
            "distributed_backend": "nccl",
        }
    )
    ids = int(info["vocab_size"])
    header = (
        f"# GPT-NeoX config from kprep neox-config, preset {cfg.preset}. Data: "
        f"{', '.join(data_dirs)}.\n# GPT-NeoX pads the tokenizer's {ids} ids to "
        f"{-(-ids // 128) * 128}. Global batch = micro batch x accumulation x GPUs.\n"
    )
    return header + yaml.safe_dump(neox, sort_keys=False, allow_unicode=True)
