"""Stage completion markers, so ``kprep run`` skips work that is already done.

Each stage writes ``DIR/.kprep/{stage}.json`` last, holding a fingerprint of the config that
produced it and of the stage before it. A rerun skips a stage whose marker matches; a changed
config changes that stage's fingerprint and so every later one, and they all run again. A stage
killed midway has no marker and runs again from the start (its outputs are cleared first).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from apache_beam.io.filesystems import FileSystems

from transforms.files import read_json, write_json
from transforms.layout import RunLayout


def fingerprint(*parts: Any) -> str:
    """A hash of JSON-serialisable parts (config sections, file lists, earlier fingerprints)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _marker(run_dir: str, stage: str) -> str:
    return RunLayout(run_dir).marker(stage)


def is_done(run_dir: str, stage: str, stage_fingerprint: str) -> bool:
    path = _marker(run_dir, stage)
    return FileSystems.exists(path) and read_json(path).get("fingerprint") == stage_fingerprint


def mark_done(run_dir: str, stage: str, stage_fingerprint: str) -> None:
    write_json(_marker(run_dir, stage), {"stage": stage, "fingerprint": stage_fingerprint})


def start(run_dir: str, stage: str, stage_fingerprint: str) -> str | None:
    """Forget the stage's completion before it runs again; returns the fingerprint the stage
    was last started with (a stage killed midway with the same one may resume its own work)."""
    done, started = _marker(run_dir, stage), _marker(run_dir, f"{stage}.started")
    previous = read_json(started).get("fingerprint") if FileSystems.exists(started) else None
    if FileSystems.exists(done):
        FileSystems.delete([done])
    write_json(started, {"stage": stage, "fingerprint": stage_fingerprint})
    return previous
