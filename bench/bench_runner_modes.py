"""kprep prepare + tokenize on the local runner: in_memory (one process) against multi_processing.

    .venv/bin/python bench/make_corpus.py --size 1GB --out /tmp/corpus-1gb
    .venv/bin/python bench/bench_runner_modes.py /tmp/corpus-1gb --repeats 3 [--workers 2]

Runs alternate between the modes so machine noise hits both alike. Each run must pass kprep's
record accounting (a failed check fails the run, and is reported); the outputs of every run
(clean/, rejected/, the .bin/.idx shards) are hashed and must be byte-identical across runs and
modes. Prints per run and the medians: wall, CPU and peak memory of the process tree, and the
speed-up of multi_processing. The released Polyglot-Ko tokenizer is used (no training).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from compare_datatrove import kprep_version, machine, measure, released_tokenizer

KPREP = str(Path(sys.executable).with_name("kprep"))
OUTPUTS = ("clean/*.parquet", "rejected/*.parquet", "shards/*.bin", "shards/*.idx")


def outputs_digest(out: Path) -> str:
    """One sha256 over every output file's name and bytes, in name order."""
    digest = hashlib.sha256()
    for pattern in OUTPUTS:
        for path in sorted(out.glob(pattern)):
            digest.update(str(path.relative_to(out)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def run_mode(corpus: Path, out: Path, tokenizer: str, mode_args: list[str]) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    quiet = ["--log-level", "WARNING", *mode_args]
    prepare = [KPREP, "prepare", "--input", str(corpus / "part-*.jsonl"), "--output", str(out)]
    tokenize = [KPREP, "tokenize", "--input", str(out), "--tokenizer", tokenizer]
    tokenize += ["--output", str(out / "shards")]
    usage = measure([prepare + quiet, tokenize + quiet], out.parent / f"{out.name}.log")
    stages = json.loads((out / "stats.json").read_text())["stages"]
    return {
        **usage,
        "records_in": stages["prepare"]["records_in"],
        "clean": stages["prepare"]["clean"],
        "tokens": stages["tokenize"]["tokens"],
        "digest": outputs_digest(out),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a directory written by bench/make_corpus.py")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--work", type=Path, default=None, help="run directories (default: temp)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here too")
    args = parser.parse_args(argv)
    modes = {
        "in_memory": ["--direct_running_mode=in_memory"],
        f"multi_processing x{args.workers}": [
            "--direct_running_mode=multi_processing",
            f"--direct_num_workers={args.workers}",
        ],
    }
    work = args.work or Path(tempfile.mkdtemp(prefix="kprep-modes-"))
    work.mkdir(parents=True, exist_ok=True)
    tokenizer = released_tokenizer(work)
    size = sum(p.stat().st_size for p in args.corpus.glob("part-*.jsonl")) / 1e6
    print(f"machine: {machine()}; kprep {kprep_version()}; {size:.0f} MB", flush=True)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in modes}
    failures = []
    for repeat in range(args.repeats):
        for name, mode_args in modes.items():
            try:
                result = run_mode(args.corpus, work / "out", tokenizer, mode_args)
            except RuntimeError as err:  # accounting failed, or the run died
                failures.append(f"{name} run {repeat + 1}: {err}")
                print(f"  {name} run {repeat + 1}: FAILED: {err}", flush=True)
                continue
            runs[name].append(result)
            print(
                f"  {name} run {repeat + 1}: {result['wall_s']:.1f} s wall, "
                f"{result['cpu_s']:.1f} CPU s, {result['peak_mb']:.0f} MB peak, "
                f"{result['records_in']} records, outputs {result['digest'][:12]}",
                flush=True,
            )
    digests = {r["digest"] for results in runs.values() for r in results}
    print(f"\nmedian of {args.repeats}     wall s   CPU s  peak MB  MB/CPU s")
    for name, results in runs.items():
        if not results:
            continue
        wall, cpu, peak = (
            statistics.median(r[key] for r in results) for key in ("wall_s", "cpu_s", "peak_mb")
        )
        print(f"  {name:<20}{wall:8.1f}{cpu:8.1f}{peak:9.0f}{size / cpu:10.2f}")
    if all(runs.values()):
        first, second = (statistics.median(r["wall_s"] for r in rs) for rs in runs.values())
        print(f"  wall-time speed-up of multi_processing: {first / second:.2f}x")
    identical = len(digests) == 1 and not failures
    print(f"accounting passed in every run: {not failures}; outputs identical: {identical}")
    for failure in failures:
        print(f"  {failure}")
    if args.json:
        report = {"machine": machine(), "kprep": kprep_version(), "mb": size, "runs": runs}
        args.json.write_text(json.dumps(dict(report, failures=failures), indent=2) + "\n")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
