"""CPU throughput of the bundled trainer, tiny preset: median tokens/s of a few runs.

    python -m bench.bench_trainer_cpu [--runs 5] [--steps 200] [--threads 1]

Trains on synthetic shards (random token ids), no evaluation, checkpoints or export, so the
figure is the training loop alone. One untimed warm-up run comes first, and the first step of
each run is not timed either.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
from pathlib import Path

import numpy as np

from transforms.megatron import encode_shard


def synthetic_shards(root: Path, vocab_size: int, tokens: int, seed: int = 0) -> Path:
    """A kprep shards dir with one train shard of random documents of 50-2000 tokens."""
    rng = np.random.default_rng(seed)
    docs, total = [], 0
    while total < tokens:
        doc = rng.integers(4, vocab_size, size=int(rng.integers(50, 2000))).tolist() + [2]
        docs.append(doc)
        total += len(doc)
    shards = root / "shards"
    shards.mkdir(parents=True, exist_ok=True)
    data, index = encode_shard(docs, np.uint16)
    (shards / "train_00000.bin").write_bytes(data)
    (shards / "train_00000.idx").write_bytes(index)
    manifest = {
        "format": "megatron-mmap",
        "dtype": "uint16",
        "seed": seed,
        "tokenizer": {"path": "", "sha256": "synthetic", "vocab_size": vocab_size, "eod_id": 2},
        "shards": [
            {
                "name": "train_00000",
                "split": "train",
                "documents": len(docs),
                "tokens": total,
                "bin_bytes": len(data),
            }
        ],
        "splits": {"train": {"shards": 1, "documents": len(docs), "tokens": total}},
    }
    (shards / "manifest.json").write_text(json.dumps(manifest))
    return root


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--vocab-size", type=int, default=512)
    # One thread by default: the tiny model gains little from more, and on a shared machine
    # spinning OpenMP threads make the figure swing tenfold from run to run.
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)

    from trainer.config import TrainConfig
    from trainer.train import train

    rates = []
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig(
            preset="tiny",
            device="cpu",
            max_steps=args.steps,
            eval_iters=0,
            checkpoint_interval=0,
            export=False,
            log_interval=args.steps,
        )
        resolved = cfg.resolved()
        tokens = (
            args.steps
            * resolved.micro_batch_size
            * resolved.grad_accum_steps
            * (resolved.seq_len + 1)
            * 2
        )
        data = synthetic_shards(Path(tmp) / "data", args.vocab_size, tokens)
        for run in range(args.runs + 1):  # run 0 warms up (first-call kernel setup): untimed
            summary = train(cfg, [str(data)], str(Path(tmp) / f"run{run}"))
            rates.append(summary["tokens_per_s"])
        rates = rates[1:]
        params = summary["parameters"]
    print(
        f"\ntiny preset: {params:,} parameters, seq_len {resolved.seq_len}, "
        f"micro batch {resolved.micro_batch_size}, {args.steps} steps x {args.runs} runs"
    )
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads)"
    )
    print("tokens/s per run: " + ", ".join(f"{r:,.0f}" for r in rates))
    print(f"median: {statistics.median(rates):,.0f} tokens/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
