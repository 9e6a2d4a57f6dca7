"""kprep prepare+tokenize at growing corpus sizes: wall, CPU, peak memory and their growth.

    .venv/bin/python bench/scale.py --sizes 10MB,100MB --runs 3
    .venv/bin/python bench/scale.py --sizes 10MB,100MB,1GB --runs 3 --work /data/scale

For each size, bench/make_corpus.py writes a corpus (kept in ``--work`` and reused when its
size and seed match), then ``kprep prepare`` and ``kprep tokenize`` (the released Polyglot-Ko
tokenizer, so no tokenizer training) run as subprocesses, measured from outside as in
bench/compare_datatrove.py. Prints the medians per size and, between consecutive sizes, the
ratios of input bytes, wall time, CPU time and peak memory: time should grow like the bytes,
memory should stay flat. "peak MB" sums the process tree; "largest" is its biggest process
(the Beam runner, which holds the data between stages when it runs locally).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

from compare_datatrove import attempt, kprep_version, machine, released_tokenizer, run_kprep
from make_corpus import make_corpus, parse_size


def corpus_for(size: int, work: Path, seed: int) -> Path:
    directory = work / f"corpus-{size}"
    summary = directory / "corpus.json"
    if summary.exists():
        known = json.loads(summary.read_text())
        if known["requested_bytes"] == size and known["seed"] == seed:
            return directory
    make_corpus(size, directory, seed)
    return directory


def scale(
    sizes: list[int], runs: int, work: Path, workers: int, seed: int, failures: list[str]
) -> list[dict[str, Any]]:
    tokenizer = released_tokenizer(work)
    rows = []
    for size in sizes:
        corpus = corpus_for(size, work, seed)
        measured = []
        for run in range(runs):
            run_once = partial(run_kprep, corpus, work / "kprep", tokenizer, workers)
            measured.append(attempt("kprep", run_once, failures))
            print(
                f"  {size / 1e6:.0f} MB run {run + 1}: {measured[-1]['wall_s']:.1f} s", flush=True
            )
        row = {
            "bytes": json.loads((corpus / "corpus.json").read_text())["bytes"],
            "documents": measured[0]["documents_in"],
            "tokens": measured[0]["tokens"],
            "runs": measured,
        }
        for key in ("wall_s", "cpu_s", "peak_mb", "largest_process_mb"):
            row[key] = round(statistics.median(m[key] for m in measured), 2)
        for stage in ("prepare", "tokenize"):
            row[f"{stage}_wall_s"] = statistics.median(m["stage_wall_s"][stage] for m in measured)
        row["mb_per_cpu_s"] = round(row["bytes"] / 1e6 / row["cpu_s"], 3)
        rows.append(row)
    return rows


def print_rows(rows: list[dict[str, Any]]) -> None:
    print(
        f"\n{'input MB':>9}{'docs':>9}{'wall s':>9}{'prepare':>9}{'tokenize':>9}{'CPU s':>9}"
        f"{'peak MB':>9}{'largest':>9}{'MB/CPU s':>10}"
    )
    for row in rows:
        print(
            f"{row['bytes'] / 1e6:>9.0f}{row['documents']:>9}{row['wall_s']:>9.1f}"
            f"{row['prepare_wall_s']:>9.1f}{row['tokenize_wall_s']:>9.1f}{row['cpu_s']:>9.1f}"
            f"{row['peak_mb']:>9.0f}{row['largest_process_mb']:>9.0f}{row['mb_per_cpu_s']:>10.2f}"
        )
    if len(rows) > 1:
        print(f"\n{'step':>14}{'bytes x':>9}{'wall x':>9}{'CPU x':>9}{'memory x':>10}")
        for small, large in zip(rows, rows[1:], strict=False):
            step = f"{small['bytes'] / 1e6:.0f}->{large['bytes'] / 1e6:.0f} MB"
            print(
                f"{step:>14}{large['bytes'] / small['bytes']:>9.1f}"
                f"{large['wall_s'] / small['wall_s']:>9.1f}{large['cpu_s'] / small['cpu_s']:>9.1f}"
                f"{large['peak_mb'] / small['peak_mb']:>10.2f}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10MB,100MB", help="comma-separated, e.g. 10MB,1GB")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="1: in_memory (one process); more: multi_processing with that many workers "
        "(kprep's local default is multi_processing on every core)",
    )
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--work", type=Path, default=None, help="corpora and runs (default: temp)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here too")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="kprep-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    print(f"machine: {machine()}; {args.workers} Beam worker processes")
    print(f"kprep: commit {kprep_version()}")
    failures: list[str] = []
    rows = scale(sizes, args.runs, work, args.workers, args.seed, failures)
    print_rows(rows)
    for failure in failures:
        print(f"failed and run again: {failure}")
    if args.json:
        report = {
            "machine": machine(),
            "kprep": kprep_version(),
            "workers": args.workers,
            "rows": rows,
            "failures": failures,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
