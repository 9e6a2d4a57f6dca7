"""Reading back what a run wrote: row counts, rejection reasons, stats.json."""

from __future__ import annotations

from collections import Counter
from typing import Any

from apache_beam.io.filesystems import FileSystems

from transforms.files import join, read_columns, read_json, write_json
from transforms.read import TRUNCATED_FILE, UNREADABLE_FILE

STATS_FILE = "stats.json"
CONFIG_FILE = "config.json"


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


def load_stats(run_dir: str) -> dict[str, Any]:
    path = join(run_dir, STATS_FILE)
    return read_json(path) if FileSystems.exists(path) else {"stages": {}}


def record_stage_stats(run_dir: str, stage: str, values: dict[str, Any]) -> dict[str, Any]:
    """Put one stage's figures into ``run_dir/stats.json``, keeping the other stages'."""
    stats = load_stats(run_dir)
    stats["stages"][stage] = values
    write_json(join(run_dir, STATS_FILE), stats)
    return stats
