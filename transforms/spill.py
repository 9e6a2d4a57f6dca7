"""Large values through a grouping without holding them in the local runner's memory.

Beam's local FnApiRunner keeps every GroupByKey's input in its own process, as Python objects,
and re-encodes it into one buffer before the next stage reads it; a grouping that carries
document text therefore holds the corpus in memory (8 GB for 1 GB of input). Distributed
runners shuffle through disk and need no help. On a local runner, :class:`SpillValues` appends
each value to a spill file of the bundle that made it and sends only a small :class:`SpillRef`
through the grouping; the consumer calls :func:`unspill`.

A retried bundle writes a new file, and the refs of the failed attempt are discarded with its
outputs, so spilling keeps the runner's exactly-once semantics. Spill files live until the run
ends (the caller owns the directory): a grouping's values are read after the producing stage
has finished and closed its file.
"""

from __future__ import annotations

import os
import pickle
import uuid
from collections import OrderedDict
from typing import Any, NamedTuple

import apache_beam as beam

OPEN_SPILL_FILES = 64  # read handles kept open per process


class SpillRef(NamedTuple):
    """Where one spilled value lies: file path, byte offset, length."""

    path: str
    offset: int
    length: int


class _SpillWriter:
    """Appends pickled values to one new file; returns where each went."""

    def __init__(self, directory: str):
        self._path = os.path.join(directory, f"{uuid.uuid4().hex}.spill")
        self._handle = open(self._path, "wb")  # noqa: SIM115 - closed in close()
        self._offset = 0

    def put(self, value: Any) -> SpillRef:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self._handle.write(data)
        ref = SpillRef(self._path, self._offset, len(data))
        self._offset += len(data)
        return ref

    def close(self) -> None:
        self._handle.close()


_open_files: OrderedDict[str, int] = OrderedDict()


def _descriptor(path: str) -> int:
    fd = _open_files.pop(path, None)
    if fd is None:
        fd = os.open(path, os.O_RDONLY)
        if len(_open_files) >= OPEN_SPILL_FILES:
            os.close(_open_files.popitem(last=False)[1])
    _open_files[path] = fd  # most recently used last
    return fd


def unspill(value: Any) -> Any:
    """The value a :class:`SpillRef` points at; any other value unchanged."""
    if not isinstance(value, SpillRef):
        return value
    data = os.pread(_descriptor(value.path), value.length, value.offset)
    if len(data) != value.length:
        raise RuntimeError(
            f"spill file {value.path} is shorter than expected (read {len(data)} of "
            f"{value.length} bytes at {value.offset}): was the spill directory removed or "
            "its disk full during the run?"
        )
    return pickle.loads(data)


class _Spill(beam.DoFn):
    def __init__(self, directory: str):
        self._directory = directory
        self._writer: _SpillWriter | None = None

    def process(self, key_and_value: tuple[Any, Any]):
        if self._writer is None:
            self._writer = _SpillWriter(self._directory)
        key, value = key_and_value
        yield key, self._writer.put(value)

    def finish_bundle(self):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class SpillValues(beam.PTransform):
    """(key, value) -> (key, SpillRef) when ``directory`` is set, else unchanged.

    ``directory`` must be a local directory that every worker process can read (the local
    runners); leave it ``None`` on a distributed runner.
    """

    def __init__(self, directory: str | None):
        super().__init__()
        self._directory = directory

    def expand(self, pairs):
        if self._directory is None:
            return pairs
        return pairs | beam.ParDo(_Spill(self._directory))
