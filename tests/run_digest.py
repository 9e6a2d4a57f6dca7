"""Digests of what a sample run wrote, to prove that a change of code left every output as it was.

``python -m tests.run_digest RUN_DIR`` prints them; ``--update`` records them in
``tests/data/sample_run_digest.json``, which ``tests/test_end_to_end.py`` compares against. Update
only when an output is meant to change, and say so in the commit.

Parquet files are compared by schema and rows (the writer's version string in the footer is not
kprep's output); every other file by its bytes, with the run directory and the checkout's path
replaced so the digest does not depend on where they lie. JSON files lose their timings (keys
ending in ``_s``); ``stats.json`` also loses the training stage, the shuffles' byte counts
(spill records hold file paths, so they vary with the run directory's name) and their largest
partition (groupings keyed by input path, such as the id renames, hash those paths into
partitions, so how the records fall varies with where the checkout lies). The trained model is
left out: training outputs depend on torch's kernels, not on the data pipeline.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
RECORDED = Path(__file__).resolve().parent / "data" / "sample_run_digest.json"
COMPARED = (
    "config.json",
    "stats.json",
    "clean",
    "rejected",
    "tokenizer",
    "tokenizer_sample",
    "shards",
)
PATH_DEPENDENT = (".bytes", ".partition")  # shuffle counters that vary with the paths


def _compared(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _compared(v)
            for k, v in value.items()
            if not k.endswith("_s")
            and not (k.startswith("shuffle.") and k.endswith(PATH_DEPENDENT))
        }
    if isinstance(value, list):
        return [_compared(v) for v in value]
    return value


def _file_bytes(path: Path, run_dir: Path) -> bytes:
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        rows = json.dumps(table.to_pylist(), ensure_ascii=False, sort_keys=True, default=str)
        data = (table.schema.to_string(show_schema_metadata=False) + "\n" + rows).encode()
    else:
        data = path.read_bytes()
    if path.suffix == ".json":
        values = json.loads(data)
        if path.name == "stats.json":
            values["stages"].pop("train", None)
        data = json.dumps(_compared(values), sort_keys=True, ensure_ascii=False).encode()
    for root, name in ((run_dir.resolve(), b"RUN"), (REPO, b"REPO")):
        data = data.replace(str(root).encode(), name)
    return data


def run_digest(run_dir: Path) -> dict[str, str]:
    """sha256 of each compared output file, by its path relative to the run directory."""
    run_dir = Path(run_dir)
    files = []
    for name in COMPARED:
        path = run_dir / name
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return {
        str(p.relative_to(run_dir)): hashlib.sha256(_file_bytes(p, run_dir)).hexdigest()
        for p in files
    }


def main(argv: list[str]) -> int:
    run_dir = Path(argv[0])
    digest = run_digest(run_dir)
    if "--update" in argv:
        RECORDED.write_text(json.dumps(digest, indent=2, sort_keys=True) + "\n")
        print(f"recorded {len(digest)} digests in {RECORDED}")
    else:
        print(json.dumps(digest, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
