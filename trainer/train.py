"""Train a GPT-NeoX model on kprep shards: one loop, checkpoints and evaluation as plain functions.

One process (CPU or one GPU):   ``kprep train --data out --output run``
Several GPUs, launched for you: ``torchrun --standalone --nproc_per_node=N -m trainer.train
--config run/train_config.json --data out --output run`` (``--config`` also takes a JSON string).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.distributed.checkpoint.state_dict import (
    StateDictOptions,
    get_model_state_dict,
    get_state_dict,
    set_state_dict,
)
from torch.nn.parallel import DistributedDataParallel as DDP

from trainer.config import RESUME_FIXED, TrainConfig
from trainer.data import Blend, build_blend, tokenizer_info
from trainer.model import (
    build_model,
    count_parameters,
    enable_activation_checkpointing,
    write_legacy_rope_keys,
)
from transforms.layout import find_tokenizer, tokenizer_json

# Dense bf16 peak of one GPU in TFLOP/s, for MFU; the first name found in the device name wins.
PEAK_TFLOPS = {"H100 PCIe": 756.0, "H100": 989.0, "H200": 989.0, "GH200": 989.0, "A100": 312.0}
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "chat_template.jinja",
)
FULL = StateDictOptions(full_state_dict=True, cpu_offload=True)


# ----------------------------------------------------------------------------- setup


def setup_distributed(cfg: TrainConfig) -> tuple[int, int, torch.device]:
    """(rank, world size, device); joins the process group when started by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    name = cfg.device if cfg.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda":
        if device.index is None:
            device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        torch.backends.cuda.matmul.allow_tf32 = True  # the fp32 matmuls autocast leaves alone
        torch.backends.cudnn.allow_tf32 = True
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return rank, world, device


def use_bf16(cfg: TrainConfig, device: torch.device) -> bool:
    if cfg.dtype == "auto":
        return device.type == "cuda" and torch.cuda.is_bf16_supported()
    return cfg.dtype == "bf16"


def resolve_config(cfg: TrainConfig, data_dirs: list[str]) -> TrainConfig:
    """``cfg`` with the vocabulary size read from the manifests when the preset leaves it open."""
    data_vocab = int(tokenizer_info(data_dirs)["vocab_size"])
    if cfg.vocab_size is None:
        return TrainConfig.from_dict({**cfg.to_dict(), "vocab_size": data_vocab})
    if cfg.vocab_size < data_vocab:
        raise ValueError(
            f"vocab_size {cfg.vocab_size} is smaller than the shards' tokenizer "
            f"({data_vocab} ids): set vocab_size to {data_vocab} or more"
        )
    return cfg


# ----------------------------------------------------------------------------- optimisation


def get_lr(step: int, cfg: TrainConfig) -> float:
    """Linear warmup to lr, cosine decay to min_lr at lr_decay_steps, then min_lr."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / (cfg.warmup_steps + 1)
    if step >= cfg.lr_decay_steps:
        return cfg.min_lr
    ratio = (step - cfg.warmup_steps) / max(cfg.lr_decay_steps - cfg.warmup_steps, 1)
    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (cfg.lr - cfg.min_lr)


def make_optimizer(
    model: torch.nn.Module, cfg: TrainConfig, device: torch.device
) -> torch.optim.AdamW:
    # Matrices and embeddings decay; biases and LayerNorm parameters (1-D) do not.
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(
        groups, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps, fused=device.type == "cuda"
    )


def batch_loss(
    model: torch.nn.Module, windows: np.ndarray, device: torch.device, ctx: Any
) -> torch.Tensor:
    """Mean next-token cross-entropy of a batch of seq_len + 1 token windows."""
    tokens = torch.from_numpy(windows)
    if device.type == "cuda":
        tokens = tokens.pin_memory().to(device, non_blocking=True)
    x, y = tokens[:, :-1], tokens[:, 1:]
    with ctx:
        logits = model(input_ids=x, use_cache=False).logits
    return F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1))


@torch.no_grad()
def evaluate(
    model: torch.nn.Module, batches: list[np.ndarray], device: torch.device, ctx: Any, world: int
) -> float:
    """Mean loss over the fixed valid batches, averaged over all ranks."""
    model.eval()
    total = torch.zeros((), device=device)
    for windows in batches:
        total += batch_loss(model, windows, device, ctx)
    model.train()
    if world > 1:
        dist.all_reduce(total)
    return total.item() / (len(batches) * world)


# ----------------------------------------------------------------------------- checkpoints


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    paths = sorted(Path(output_dir, "checkpoints").glob("step_*.pt"))
    return paths[-1] if paths else None


def rng_state(device: torch.device) -> dict[str, Any]:
    _, keys, pos, has_gauss, gauss = np.random.get_state()  # numpy arrays do not load safely
    state = {
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        "numpy": [torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(gauss)],
    }
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def set_rng_state(state: dict[str, Any], device: torch.device) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state(("MT19937", keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    if "cuda" in state and device.type == "cuda":
        torch.cuda.set_rng_state(state["cuda"], device)


def save_checkpoint(
    output_dir: str | Path,
    step: int,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    data: Blend,
    cfg: TrainConfig,
    rank: int,
    world: int,
    device: torch.device,
) -> Path:
    """Everything a run needs to go on bitwise as if never stopped, in one torch.save file.

    Only tensors, numbers, strings, lists and dicts: it loads with ``weights_only=True``. The LR
    schedule is a function of ``step``; the data position is the blend's window counts.
    """
    model_state, optim_state = get_state_dict(model, optimizer, options=FULL)
    rngs = [None] * world
    if world > 1:
        dist.all_gather_object(rngs, rng_state(device))
    else:
        rngs = [rng_state(device)]
    path = Path(output_dir, "checkpoints", f"step_{step:08d}.pt")
    if rank == 0:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save(
            {
                "step": step,
                "model": model_state,
                "optimizer": optim_state,
                "data": data.state_dict(),
                "rng": rngs,
                "config": cfg.to_dict(),
            },
            tmp,
        )
        os.replace(tmp, path)  # a run killed mid-write never leaves a half checkpoint behind
        for old in sorted(path.parent.glob("step_*.pt"))[: -cfg.keep_checkpoints]:
            old.unlink()
    if world > 1:
        dist.barrier()
    return path


def load_checkpoint(
    path: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    data: Blend,
    cfg: TrainConfig,
    rank: int,
    device: torch.device,
) -> int:
    """Restore a checkpoint in place; returns the number of steps it had completed."""
    state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    changed = [k for k in RESUME_FIXED if state["config"][k] != getattr(cfg, k)]
    if changed:
        raise ValueError(
            f"{path} was written with other {changed}: "
            + ", ".join(f"{k}={state['config'][k]!r}" for k in changed)
        )
    set_state_dict(
        model,
        optimizer,
        model_state_dict=state["model"],
        optim_state_dict=state["optimizer"],
        options=StateDictOptions(full_state_dict=True),
    )
    data.load_state_dict(state["data"])
    rngs = state["rng"]
    set_rng_state(rngs[rank] if rank < len(rngs) else rngs[0], device)
    return int(state["step"])


# ----------------------------------------------------------------------------- export


def export(
    output_dir: str | Path,
    model: torch.nn.Module,
    cfg: TrainConfig,
    tokenizer_src: Path | None,
    rank: int,
    **config_kwargs: Any,
) -> None:
    """``save_pretrained`` the model (model.safetensors, config.json) and the tokenizer files."""
    if cfg.fsdp:  # gather the shards into an ordinary CPU model first
        state = get_model_state_dict(model, options=FULL)
        if rank == 0:
            model = build_model(cfg, "cpu", **config_kwargs)
            model.load_state_dict(state)
    if rank != 0:
        return
    out = Path(output_dir)
    model.save_pretrained(out)
    write_legacy_rope_keys(out / "config.json", cfg)
    if tokenizer_src is None:
        return
    if tokenizer_src.is_dir() and (tokenizer_src / "tokenizer_config.json").is_file():
        for name in TOKENIZER_FILES:
            if (tokenizer_src / name).is_file():
                shutil.copy2(tokenizer_src / name, out / name)
        return
    # A bare tokenizer.json: wrap it so AutoTokenizer knows its special tokens.
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    file = Path(tokenizer_json(str(tokenizer_src)))
    tokens = {i: t for t, i in Tokenizer.from_file(str(file)).get_vocab(True).items()}
    PreTrainedTokenizerFast(
        tokenizer_file=str(file),
        eos_token=tokens[config_kwargs["eos_token_id"]],
        pad_token=tokens.get(config_kwargs["pad_token_id"]),
    ).save_pretrained(out)


# ----------------------------------------------------------------------------- training


def train(
    cfg: TrainConfig, data_dirs: list[str], output_dir: str, tokenizer_dir: str | None = None
) -> dict[str, Any]:
    """Train ``cfg`` on the train splits of ``data_dirs``; returns a summary of the run."""
    rank, world, device = setup_distributed(cfg)
    master = rank == 0
    data_dirs = [str(d) for d in data_dirs]
    cfg = resolve_config(cfg.resolved(), data_dirs)
    out = Path(output_dir)
    log_path = out / "train_log.jsonl"
    if not cfg.resume and latest_checkpoint(out) is not None:
        raise ValueError(
            f"{out} already holds checkpoints: resume (--resume) or use a new "
            "output dir, so that two runs' checkpoints never mix"
        )
    if master:
        out.mkdir(parents=True, exist_ok=True)
        (out / "train_config.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n")

    def log(record: dict[str, Any], line: str) -> None:
        if master:
            print(line, flush=True)
            with log_path.open("a") as f:
                f.write(json.dumps(record) + "\n")

    info = tokenizer_info(data_dirs)
    found = find_tokenizer(data_dirs[0], tokenizer_dir) if cfg.export else None
    tokenizer_src = Path(found) if found else None
    if cfg.export and tokenizer_src is None and master:
        print("warning: no tokenizer found (pass tokenizer_dir); the export will lack it")
    # kprep tokenizers put <pad> at id 0 and end every document with eod_id (2)
    model_ids = {
        "eos_token_id": int(info.get("eod_id", 2)),
        "pad_token_id": int(info.get("pad_id", 0)),
    }

    # data: every rank draws the same global batch of windows and keeps its own slice
    per_rank = cfg.micro_batch_size * cfg.grad_accum_steps
    train_data = build_blend(data_dirs, "train", cfg.seq_len, cfg.seed, cfg.data_weights)
    valid_data = build_blend(data_dirs, "valid", cfg.seq_len, cfg.seed, cfg.data_weights)
    eval_batches = []  # the same valid windows at every evaluation, so losses compare
    if valid_data is not None and cfg.eval_iters > 0:
        n = cfg.eval_iters * cfg.micro_batch_size
        mine = valid_data.next_indices(n * world)[rank * n : (rank + 1) * n]
        eval_batches = [
            valid_data.read(mine[i : i + cfg.micro_batch_size])
            for i in range(0, n, cfg.micro_batch_size)
        ]

    # model: same seed on every rank, so every rank starts from the same weights
    torch.manual_seed(cfg.seed)
    model = build_model(cfg, device, **model_ids)
    n_params = count_parameters(model)
    flops_per_token = (
        6 * count_parameters(model, embeddings=False)
        + 12 * cfg.num_layers * cfg.hidden_size * cfg.seq_len
    )
    if cfg.activation_checkpointing:
        enable_activation_checkpointing(model)
    if cfg.fsdp:
        from torch.distributed.fsdp import fully_shard

        for layer in model.gpt_neox.layers:
            fully_shard(layer)
        fully_shard(model)
    optimizer = make_optimizer(model, cfg, device)

    start_step = 0
    checkpoint = latest_checkpoint(out) if cfg.resume else None
    if checkpoint is not None:
        start_step = load_checkpoint(checkpoint, model, optimizer, train_data, cfg, rank, device)
    raw_model = model  # checkpoints and export read the plain module
    if cfg.compile:
        model = torch.compile(model)
    if world > 1 and not cfg.fsdp:
        model = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
    ctx = (
        torch.autocast(device.type, dtype=torch.bfloat16)
        if use_bf16(cfg, device)
        else nullcontext()
    )

    peak = cfg.peak_tflops
    if peak is None and device.type == "cuda":
        gpu = torch.cuda.get_device_name(device)
        peak = next((v for k, v in PEAK_TFLOPS.items() if k in gpu), None)
    tokens_per_step = per_rank * world * cfg.seq_len
    log(
        {
            "event": "start",
            "step": start_step,
            "resumed_from": str(checkpoint or ""),
            "parameters": n_params,
            "world_size": world,
            "device": str(device),
            "tokens_per_step": tokens_per_step,
            "config": cfg.to_dict(),
        },
        f"{n_params:,} parameters | {world} x {device} | {tokens_per_step:,} tokens/step"
        + (f" | resumed from {checkpoint}" if checkpoint else ""),
    )

    losses: dict[int, float] = {}
    pending: list[torch.Tensor] = []  # step losses not yet copied to the host (no sync per step)

    def flush_losses(first_step: int) -> None:
        if not pending:
            return
        values = torch.stack(pending)
        if world > 1:
            dist.all_reduce(values)
            values /= world
        for i, value in enumerate(values.tolist()):
            losses[first_step + i] = value
        pending.clear()

    timed_tokens, timed_seconds, window_tokens = 0, 0.0, 0
    window_start = time.perf_counter()
    eval_loss = None
    step = start_step
    model.train()
    while step < cfg.max_steps:
        lr = get_lr(step, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        pairs = train_data.next_indices(per_rank * world)[rank * per_rank : (rank + 1) * per_rank]
        loss_sum = torch.zeros((), device=device)
        for micro in range(cfg.grad_accum_steps):
            if isinstance(model, DDP):  # all-reduce gradients on the last micro-batch only
                model.require_backward_grad_sync = micro == cfg.grad_accum_steps - 1
            b = cfg.micro_batch_size
            windows = train_data.read(pairs[micro * b : (micro + 1) * b])
            loss = batch_loss(model, windows, device, ctx) / cfg.grad_accum_steps
            loss.backward()
            loss_sum += loss.detach()
        grad_norm = (
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            if cfg.grad_clip > 0
            else None
        )
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        pending.append(loss_sum)
        step += 1
        window_tokens += tokens_per_step

        last = step == cfg.max_steps
        logging_now = step % cfg.log_interval == 0 or last
        evaluating = bool(eval_batches) and (
            last or (cfg.eval_interval > 0 and step % cfg.eval_interval == 0)
        )
        saving = cfg.checkpoint_interval > 0 and (step % cfg.checkpoint_interval == 0 or last)
        first = step == start_step + 1 and not last  # warm-up step (compile, allocator): untimed
        if logging_now or evaluating or saving or first:
            flush_losses(step - len(pending) + 1)  # waits for the device
            seconds = time.perf_counter() - window_start
            rate = window_tokens / seconds if not first else None
            if not first:
                timed_tokens += window_tokens
                timed_seconds += seconds
            if logging_now:
                mfu = rate * flops_per_token / (peak * 1e12 * world) if peak and rate else None
                log(
                    {
                        "step": step,
                        "loss": losses[step],
                        "lr": lr,
                        "grad_norm": None if grad_norm is None else grad_norm.item(),
                        "tokens_per_s": rate,
                        "mfu": mfu,
                    },
                    f"step {step} | loss {losses[step]:.4f} | lr {lr:.2e}"
                    + (f" | {rate:,.0f} tok/s" if rate else "")
                    + (f" | mfu {mfu:.1%}" if mfu else ""),
                )
            if evaluating:
                eval_loss = evaluate(model, eval_batches, device, ctx, world)
                log(
                    {"step": step, "eval_loss": eval_loss, "eval_ppl": math.exp(eval_loss)},
                    f"step {step} | eval loss {eval_loss:.4f} | ppl {math.exp(eval_loss):.2f}",
                )
            if saving:
                save_checkpoint(
                    out, step, raw_model, optimizer, train_data, cfg, rank, world, device
                )
            window_tokens, window_start = 0, time.perf_counter()

    flush_losses(step - len(pending) + 1)
    if cfg.export:
        export(out, raw_model, cfg, tokenizer_src, rank, **model_ids)
    tokens_per_s = timed_tokens / timed_seconds if timed_seconds else None
    summary = {
        "parameters": n_params,
        "start_step": start_step,
        "final_step": step,
        "losses": losses,
        "eval_loss": eval_loss,
        "eval_perplexity": math.exp(eval_loss) if eval_loss is not None else None,
        "tokens_per_s": tokens_per_s,
        "mfu": (
            tokens_per_s * flops_per_token / (peak * 1e12 * world)
            if peak and tokens_per_s
            else None
        ),
        "tokens_trained": (step - start_step) * tokens_per_step,
        "checkpoint": str(latest_checkpoint(out) or ""),
        "exported": bool(cfg.export),
        "output_dir": str(out),
    }
    if master:
        (out / "train_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if world > 1:
        dist.destroy_process_group()
        if "TORCHELASTIC_RUN_ID" in os.environ:
            # Freeing DDP's gloo reducer can deadlock: the main thread, holding the GIL, joins
            # gloo's thread while that thread waits for the GIL to free a tensor (seen in the CPU
            # DDP test). Everything is written by now, so a torchrun worker leaves here.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="TrainConfig as a JSON file or string")
    parser.add_argument("--data", required=True, help="data dirs, comma-separated")
    parser.add_argument("--output", required=True)
    parser.add_argument("--tokenizer", default=None)
    args = parser.parse_args(argv)
    text = args.config if args.config.lstrip().startswith("{") else Path(args.config).read_text()
    cfg = TrainConfig.from_dict(json.loads(text))
    train(cfg, args.data.split(","), args.output, args.tokenizer)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
