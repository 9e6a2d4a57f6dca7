"""Skew corpora through kprep prepare + tokenize under a memory limit, each outcome checked.

    .venv/bin/python bench/skew.py --work /data/skew --json /data/skew.json
    .venv/bin/python bench/skew.py --scale 0.01 --which hot_duplicate,near_chain --work /tmp/skew

For each corpus of bench/make_skew_corpora.py (made in ``--work``, and reused when its scale and
seed match), ``kprep prepare`` and ``kprep tokenize`` (the released Polyglot-Ko tokenizer, as in
bench/scale.py) run as subprocesses, measured from outside as in bench/compare_datatrove.py:
wall s, CPU s, and the peak of the summed resident memory of the whole process tree. A watchdog
samples that sum every 0.5 s; a tree over ``--memory-limit-gb`` (default 6) is killed at once
and the corpus reported FAILED, so a step that holds a hot key, a hot bucket or a whole file
in memory fails here instead of on a cluster. Corpora with a reference input (one big file,
many tiny files, one source) run ``kprep prepare`` on the reference too, under the same limit,
and compare the outputs. Prints one row per corpus and every check (expected against found);
exits 1 if any corpus failed.

kprep runs from this checkout (``python -c "from pipeline.cli import entry; entry()"`` with the
repository root on PYTHONPATH), whatever the ``kprep`` script of the environment points at.
Beam flags after ``--`` go to both commands (default: the in-process ``in_memory`` runner).
Locally that runner holds every stage's data in its one process (about 8 GB per GB of input
measured in docs/benchmarks.md), so at full size the limit also measures that, not only skew.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from compare_datatrove import (
    MemoryLimitExceeded,
    kprep_version,
    machine,
    measure,
    released_tokenizer,
)
from make_skew_corpora import CORPORA, check_run, ensure_corpus

ROOT = Path(__file__).resolve().parents[1]
KPREP = [sys.executable, "-c", "from pipeline.cli import entry; entry()"]
WATCH_EVERY_S = 0.5
DEFAULT_BEAM = ["--direct_running_mode=in_memory"]
LOG_TAIL_LINES = 15


def _log_tail(path: Path) -> str:
    if not path.exists():
        return ""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])


def run_measured(commands: list[list[str]], out: Path, limit_mb: float) -> dict[str, Any]:
    """``commands`` under the watchdog: their usage and "ok", or "FAILED" and why."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    log = out.parent / f"{out.name}.log"
    log.unlink(missing_ok=True)
    try:
        usage = measure(commands, log, WATCH_EVERY_S, limit_mb)
    except MemoryLimitExceeded as err:
        step = next((a for a in err.command if a in ("prepare", "tokenize")), err.command[0])
        failure = (
            f"kprep {step}: the process tree reached {err.rss_mb:,.0f} MB, over the "
            f"{err.limit_mb:,.1f} MB limit, and was killed"
        )
        return {"status": "FAILED", "failure": failure, **err.usage}
    except RuntimeError as err:  # a command exited with an error
        return {"status": "FAILED", "failure": f"{err}\n{_log_tail(log)}"}
    return {"status": "ok", **usage}


def run_corpus(
    name: str,
    work: Path,
    scale: float,
    seed: int,
    tokenizer: str,
    limit_mb: float,
    beam: list[str],
) -> dict[str, Any]:
    """Make (or reuse) the corpus, run it and its reference, check the outcome."""
    corpus_dir = work / "corpora" / name
    started = time.monotonic()
    summary = ensure_corpus(name, corpus_dir, scale, seed)
    row: dict[str, Any] = {
        "corpus": name,
        "documents": summary["documents"],
        "input_bytes": summary["bytes"],
        "corpus_s": round(time.monotonic() - started, 1),
        "notes": summary.get("notes", {}),
    }
    out = work / "runs" / name
    flags = [*summary["prepare_args"], "--log-level=WARNING", *beam]
    prepare = [*KPREP, "prepare", "--input", str(corpus_dir / summary["input"])]
    prepare += ["--output", str(out), *flags]
    tokenize = [*KPREP, "tokenize", "--input", str(out), "--tokenizer", tokenizer]
    tokenize += ["--output", str(out / "shards"), "--log-level=WARNING", *beam]
    row.update(run_measured([prepare, tokenize], out, limit_mb))
    if row["status"] != "ok":
        return row
    stages = json.loads((out / "stats.json").read_text())["stages"]
    row["stage_wall_s"] = {stage: stages[stage]["wall_s"] for stage in ("prepare", "tokenize")}
    reference = None
    if summary.get("reference"):
        reference = work / "runs" / f"{name}-reference"
        command = [*KPREP, "prepare", "--input", str(corpus_dir / summary["reference"])]
        row["reference"] = run_measured(
            [command + ["--output", str(reference), *flags]], reference, limit_mb
        )
        if row["reference"]["status"] != "ok":
            row.update(status="FAILED", failure=f"reference run: {row['reference']['failure']}")
            return row
    checks = check_run(out, summary, reference)
    row["checks"] = [
        {"name": c.name, "ok": c.ok, "expected": c.expected, "found": c.found, "text": str(c)}
        for c in checks
    ]
    row["status"] = "pass" if all(c.ok for c in checks) else "FAILED"
    return row


def print_row(row: dict[str, Any]) -> None:
    figures = (
        f"{row['corpus']:<16}{row['documents']:>10}{row['input_bytes'] / 1e6:>10.1f}"
        f"{row.get('wall_s', 0):>9.1f}{row.get('cpu_s', 0):>9.1f}{row.get('peak_mb', 0):>9.0f}"
    )
    reference = row.get("reference")
    if reference and reference.get("status") == "ok":
        figures += f"{reference['wall_s']:>9.1f}{reference['peak_mb']:>9.0f}"
    else:
        figures += f"{'-':>9}{'-':>9}"
    print(f"{figures}  {row['status']}", flush=True)
    if "failure" in row:
        print("    " + row["failure"].replace("\n", "\n    "))
    for check in row.get("checks", []):
        print(f"    {check['text']}")


HEADER = (
    f"{'corpus':<16}{'docs':>10}{'input MB':>10}{'wall s':>9}{'CPU s':>9}{'peak MB':>9}"
    f"{'ref s':>9}{'ref MB':>9}  outcome"
)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    beam = argv[argv.index("--") + 1 :] if "--" in argv else DEFAULT_BEAM
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], usage="%(prog)s [options] [-- BEAM FLAGS]"
    )
    parser.add_argument(
        "--which", default="all", help=f"all, or comma-separated of: {', '.join(CORPORA)}"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the full sizes")
    parser.add_argument("--memory-limit-gb", type=float, default=6.0)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--work", type=Path, default=None, help="corpora and runs (default: temp)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here too")
    args = parser.parse_args(argv)
    names = list(CORPORA) if args.which == "all" else args.which.split(",")
    unknown = [n for n in names if n not in CORPORA]
    if unknown:
        parser.error(f"unknown corpus {', '.join(unknown)}; choose from {', '.join(CORPORA)}")
    work = args.work or Path(tempfile.mkdtemp(prefix="kprep-skew-"))
    work.mkdir(parents=True, exist_ok=True)
    # The subprocesses import kprep from this checkout (and Beam workers inherit it).
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    tokenizer = released_tokenizer(work)
    limit_mb = args.memory_limit_gb * 1024
    print(f"machine: {machine()}")
    print(f"kprep: commit {kprep_version()}; Beam flags: {' '.join(beam)}")
    print(f"scale {args.scale}, seed {args.seed}, memory limit {args.memory_limit_gb} GB; {work}")
    print(f"\n{HEADER}", flush=True)
    rows = []
    for name in names:
        row = run_corpus(name, work, args.scale, args.seed, tokenizer, limit_mb, beam)
        print_row(row)
        rows.append(row)
    failed = [row["corpus"] for row in rows if row["status"] != "pass"]
    print(
        f"\n{len(rows) - len(failed)} of {len(rows)} corpora passed"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    if args.json:
        report = {
            "machine": machine(),
            "kprep": kprep_version(),
            "scale": args.scale,
            "seed": args.seed,
            "memory_limit_gb": args.memory_limit_gb,
            "beam_args": beam,
            "rows": rows,
        }
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
