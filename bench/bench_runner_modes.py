"""`kprep prepare` on the local runner: in_memory (one process) against multi_processing.

Runs alternate between the modes so machine noise hits both alike; prints the median wall time
of each and their ratio. The corpus comes from bench/make_corpus.py.

    python bench/make_corpus.py --size 20MB --out /tmp/corpus-20mb
    python bench/bench_runner_modes.py /tmp/corpus-20mb [--repeats 3] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KPREP = str(Path(sys.executable).with_name("kprep"))


def prepare_seconds(corpus: Path, out: Path, mode_args: list[str]) -> float:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [
            KPREP,
            "prepare",
            "--input",
            str(corpus / "part-*.jsonl"),
            "--output",
            str(out),
            "--log-level",
            "WARNING",
            *mode_args,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path, help="a directory written by bench/make_corpus.py")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    modes = {
        "in_memory": ["--direct_running_mode=in_memory"],
        f"multi_processing x{args.workers}": [
            "--direct_running_mode=multi_processing",
            f"--direct_num_workers={args.workers}",
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in modes}
    with tempfile.TemporaryDirectory(prefix="kprep-modes-") as tmp:
        for _ in range(args.repeats):
            for name, mode_args in modes.items():
                times[name].append(prepare_seconds(args.corpus, Path(tmp) / "out", mode_args))
    size = sum(p.stat().st_size for p in args.corpus.glob("part-*.jsonl")) / 1e6
    print(f"kprep prepare, {size:.0f} MB, {os.cpu_count()} cores, median of {args.repeats}:")
    for name, values in times.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"  {name:<22} {statistics.median(values):7.1f} s   ({runs})")
    first, second = (statistics.median(v) for v in times.values())
    print(f"  speed-up of multi_processing: {first / second:.2f}x")


if __name__ == "__main__":
    main()
