"""`kprep prepare` at two git revisions on the same corpus, runs alternating: wall, CPU, memory.

    .venv/bin/python bench/side_by_side.py --before HEAD~1 --after WORKTREE --corpus DIR --runs 3

Each revision is exported (``git archive``) to a directory of its own and run from there as a
subprocess (``python -P -c "from pipeline.cli import entry; entry()" prepare ...``; ``-P`` keeps
the current directory's code out) with the same interpreter, so only the code differs;
``WORKTREE`` means the checkout as it is, uncommitted changes included. Runs alternate (before,
after, before, ...) so that load on a noisy machine falls on both. ``--before-args`` /
``--after-args`` add kprep flags to one side only, to compare an option on and off with the same
code:

    .venv/bin/python bench/side_by_side.py --before WORKTREE --corpus DIR \
        --after-args="--decontaminate /tmp/bench-items/a.jsonl,/tmp/bench-items/b.jsonl"

Prints the median of each figure and the after/before ratios, and whether the two wrote the same
number of clean and rejected rows.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from compare_datatrove import attempt, machine, measure

ROOT = Path(__file__).resolve().parent.parent
WORKTREE = "WORKTREE"


def export(revision: str, into: Path) -> Path:
    """The code of ``revision`` (or of the working tree) in ``into``."""
    if revision == WORKTREE:
        files = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        for name in files:
            if (ROOT / name).is_file():
                (into / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, into / name)
        return into
    archive = into.with_suffix(".tar")
    subprocess.run(["git", "archive", "-o", str(archive), revision], cwd=ROOT, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def run_prepare(code: Path, corpus: Path, out: Path, beam_args: list[str]) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    # -P: no current directory on sys.path, which `python -c` would put before PYTHONPATH, so
    # that run from a checkout both sides would import the checkout's code
    command = [sys.executable, "-P", "-c", "from pipeline.cli import entry; entry()", "prepare"]
    command += ["--input", str(corpus / "part-*.jsonl"), "--output", str(out), *beam_args]
    command += ["--log-level=WARNING"]
    usage = measure([["env", f"PYTHONPATH={code}", *command]], out.parent / f"{out.name}.log")
    prepare = json.loads((out / "stats.json").read_text())["stages"]["prepare"]
    return {**usage, "clean": prepare["clean"], "rejected": prepare["rejected"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="git revision")
    parser.add_argument("--after", default=WORKTREE, help=f"git revision or {WORKTREE}")
    parser.add_argument("--corpus", type=Path, required=True, help="dir of part-*.jsonl")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--beam", default="--direct_running_mode=in_memory", help="Beam flags, space-separated"
    )
    parser.add_argument("--before-args", default="", help="kprep flags for before only")
    parser.add_argument("--after-args", default="", help="kprep flags for after only")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}\ncorpus: {args.corpus}\nbeam: {args.beam}", flush=True)
    for side in ("before", "after"):
        if getattr(args, f"{side}_args"):
            print(f"{side} only: {getattr(args, f'{side}_args')}", flush=True)
    results: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kprep-sbs-") as tmp:
        work = Path(tmp)
        code = {}
        for side in results:
            (work / side).mkdir()
            code[side] = export(getattr(args, side), work / side)
        for run in range(args.runs):
            for side in results:
                result = attempt(
                    f"{side} run {run + 1}",
                    lambda side=side: run_prepare(
                        code[side],
                        args.corpus,
                        work / f"out-{side}",
                        args.beam.split() + getattr(args, f"{side}_args").split(),
                    ),
                    failures,
                )
                results[side].append(result)
                print(
                    f"  {side:<6} run {run + 1}: {result['wall_s']:.1f} s wall, "
                    f"{result['cpu_s']:.1f} CPU s, {result['peak_mb']:,.0f} MB peak",
                    flush=True,
                )
    medians = {
        side: {k: statistics.median(r[k] for r in runs) for k in ("wall_s", "cpu_s", "peak_mb")}
        for side, runs in results.items()
    }
    print(f"\n{'':<8}{'wall s':>10}{'CPU s':>10}{'peak MB':>10}   (medians of {args.runs})")
    for side, figures in medians.items():
        print(
            f"{side:<8}{figures['wall_s']:>10.1f}{figures['cpu_s']:>10.1f}"
            f"{figures['peak_mb']:>10,.0f}   {getattr(args, side)} {getattr(args, f'{side}_args')}"
        )
    ratios = {k: medians["after"][k] / medians["before"][k] for k in medians["after"]}
    print(
        f"after/before: wall {ratios['wall_s']:.3f}, CPU {ratios['cpu_s']:.3f}, "
        f"peak {ratios['peak_mb']:.3f}"
    )
    rows = {side: {(r["clean"], r["rejected"]) for r in runs} for side, runs in results.items()}
    print(f"clean/rejected rows: before {sorted(rows['before'])}, after {sorted(rows['after'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
