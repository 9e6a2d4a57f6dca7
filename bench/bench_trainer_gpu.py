"""Tokens/s and MFU of the polyglot-ko-1.3b preset on one GPU: seq 2048, bf16, synthetic tokens.

    python -m bench.bench_trainer_gpu [--steps 30] [--micro-batch-size 4] [--grad-accum-steps 2]
                                      [--compile] [--activation-checkpointing]

Runs the real training loop (trainer.train.train) for a few dozen steps on random token ids,
without evaluation, checkpoints or export; the first step (warm-up, compilation) is not timed.
MFU counts 6N + 12 L h s FLOPs per token against the GPU's dense bf16 peak (trainer.train's
table, or --peak-tflops). Exits with status 2 and a message when no CUDA GPU is present.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="polyglot-ko-1.3b")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--seq-len", type=int, default=2048)
    parser.add_argument("--micro-batch-size", type=int, default=4)
    parser.add_argument("--grad-accum-steps", type=int, default=2)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--activation-checkpointing", action="store_true")
    parser.add_argument("--peak-tflops", type=float, default=None)
    args = parser.parse_args()

    import torch

    if not torch.cuda.is_available():
        print(
            f"bench_trainer_gpu: no CUDA GPU here (torch {torch.__version__}, "
            f"CUDA build {torch.version.cuda}); run it on a machine with one.",
            file=sys.stderr,
        )
        return 2

    from bench.bench_trainer_cpu import synthetic_shards
    from trainer.config import TrainConfig
    from trainer.train import train

    cfg = TrainConfig(
        preset=args.preset,
        device="cuda",
        dtype="bf16",
        seq_len=args.seq_len,
        micro_batch_size=args.micro_batch_size,
        grad_accum_steps=args.grad_accum_steps,
        max_steps=args.steps,
        warmup_steps=5,
        eval_iters=0,
        checkpoint_interval=0,
        export=False,
        log_interval=5,
        compile=args.compile,
        peak_tflops=args.peak_tflops,
        activation_checkpointing=args.activation_checkpointing,
    )
    resolved = cfg.resolved()
    tokens = args.steps * args.micro_batch_size * args.grad_accum_steps * (args.seq_len + 1) * 2
    with tempfile.TemporaryDirectory() as tmp:
        data = synthetic_shards(Path(tmp) / "data", resolved.vocab_size or 30003, tokens)
        summary = train(cfg, [str(data)], str(Path(tmp) / "run"))
    gpu = torch.cuda.get_device_name()
    peak_mem = torch.cuda.max_memory_allocated() / 2**30
    mfu = f"{summary['mfu']:.1%}" if summary["mfu"] else "n/a (unknown GPU: pass --peak-tflops)"
    print(
        f"\n{args.preset}: {summary['parameters']:,} parameters on 1 x {gpu}, bf16, "
        f"seq {args.seq_len}, micro batch {args.micro_batch_size} x accum "
        f"{args.grad_accum_steps}, compile {args.compile}, activation checkpointing "
        f"{args.activation_checkpointing}, torch {torch.__version__}"
    )
    print(
        f"tokens/s: {summary['tokens_per_s']:,.0f}  MFU: {mfu}  peak memory: {peak_mem:.1f} GiB"
        f"  final loss: {summary['losses'][summary['final_step']]:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
