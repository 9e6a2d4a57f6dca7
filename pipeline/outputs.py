"""Reading back what a run wrote: row counts, rejection reasons, stats.json."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from transforms.read import TRUNCATED_FILE, UNREADABLE_FILE

STATS_FILE = "stats.json"
CONFIG_FILE = "config.json"


def join(base: str, *parts: str) -> str:
    return FileSystems.join(base, *parts) if parts else base


def list_parquet(directory: str, prefix: str = "") -> list[str]:
    """The complete Parquet files of an output directory (temporary files excluded), sorted."""
    pattern = join(directory, f"{prefix}*.parquet")
    try:
        metadata = FileSystems.match([pattern])[0].metadata_list
    except Exception:  # noqa: BLE001 - a missing directory simply holds no files
        return []
    return sorted(m.path for m in metadata if not m.path.rsplit("/", 1)[-1].startswith("."))


def clear_parquet(directory: str, prefix: str = "") -> None:
    """Remove earlier output files so a rerun never mixes old and new shards."""
    files = list_parquet(directory, prefix)
    if files:
        FileSystems.delete(files)


def count_rows(directory: str, prefix: str = "") -> int:
    total = 0
    for path in list_parquet(directory, prefix):
        with FileSystems.open(path) as handle:
            total += pq.ParquetFile(handle).metadata.num_rows
    return total


def read_columns(directory: str, columns: list[str]) -> dict[str, list[Any]]:
    """Selected columns of every Parquet file in ``directory``, concatenated."""
    out: dict[str, list[Any]] = {c: [] for c in columns}
    for path in list_parquet(directory):
        with FileSystems.open(path) as handle:
            table = pq.read_table(handle, columns=columns)
        for column in columns:
            out[column].extend(table.column(column).to_pylist())
    return out


FILE_LEVEL_REASONS = (UNREADABLE_FILE, TRUNCATED_FILE)


def summarise_rejected(directory: str) -> tuple[dict[str, dict[str, int]], list[str]]:
    """({stage: {reason: rows}}, the details of files that could not be read to the end)."""
    cols = read_columns(directory, ["stage", "reason", "detail"])
    counts: dict[str, Counter] = {}
    file_errors = []
    for stage, reason, detail in zip(cols["stage"], cols["reason"], cols["detail"], strict=True):
        counts.setdefault(stage, Counter())[reason] += 1
        if reason in FILE_LEVEL_REASONS:
            file_errors.append(detail)
    by_stage = {stage: dict(sorted(c.items())) for stage, c in sorted(counts.items())}
    return by_stage, sorted(file_errors)


def write_text(path: str, text: str) -> None:
    """Write a small text file locally or on any Beam filesystem (gs://, s3://)."""
    if FileSystems.get_scheme(path) is None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    with FileSystems.create(path) as handle:
        handle.write(text.encode("utf-8"))


def read_json(path: str) -> Any:
    with FileSystems.open(path) as handle:
        return json.loads(handle.read().decode("utf-8"))


def write_json(path: str, value: Any) -> None:
    write_text(path, json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def load_stats(run_dir: str) -> dict[str, Any]:
    path = join(run_dir, STATS_FILE)
    return read_json(path) if FileSystems.exists(path) else {"stages": {}}


def record_stage_stats(run_dir: str, stage: str, values: dict[str, Any]) -> dict[str, Any]:
    """Put one stage's figures into ``run_dir/stats.json``, keeping the other stages'."""
    stats = load_stats(run_dir)
    stats["stages"][stage] = values
    write_json(join(run_dir, STATS_FILE), stats)
    return stats
