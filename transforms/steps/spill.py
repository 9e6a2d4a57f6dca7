"""Groupings that do not hold the corpus in the local runner's memory.

Beam's local FnApiRunner keeps every GroupByKey's input in its own process, as Python objects
(one dict entry per distinct key), and re-encodes it into one buffer before the next stage reads
it. A grouping that carries document text, or a few records per document, therefore grows with
the corpus: 8 GB for 1 GB of input. Distributed runners shuffle through disk and need no help.
On a local runner (``spill`` set) two tools move the bulk through local files instead:

- :class:`SpillValues` appends each large value (a document, a token array) to a spill file of
  the bundle that made it and sends only a small :class:`SpillRef` through the grouping; the
  consumer calls :func:`unspill`.
- :class:`SpillingGroupByKey` replaces a GroupByKey with many keys (LSH bands, line hashes,
  document nodes): records go to ``partitions`` files by a stable hash of their key, only
  (partition, file) pairs go through the runner, and each partition is grouped in memory on
  its own, so memory holds one partition (about 1/``partitions`` of the records) at a time.

A retried bundle writes new files, and the references of the failed attempt are discarded with
its outputs, so spilling keeps the runner's exactly-once semantics. Spill files live until the
run ends (the caller owns the directory): they are read after the producing stage has finished.
"""

from __future__ import annotations

import math
import os
import pickle
import typing
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindows

from transforms.steps.stage import METRICS_NAMESPACE, apply_then_flatten

OPEN_SPILL_FILES = 64  # read handles kept open per process
# Records a partition writer buffers before it appends them to the partition files: its memory
# stays the same however many partitions a large input has.
BUFFERED_RECORDS = 50_000
# Partitions are sized for about this many input bytes each (a partition of the busiest
# grouping, LSH bands, then holds ~20 records per 4 KB document: ~150k records, ~40 MB).
INPUT_BYTES_PER_PARTITION = 32 * 1024 * 1024
MIN_PARTITIONS = 4


@dataclass(frozen=True)
class Spill:
    """Where a local run spills, and into how many partitions its large groupings are cut."""

    directory: str
    partitions: int = MIN_PARTITIONS

    @classmethod
    def for_input(cls, directory: str, input_bytes: int) -> Spill:
        partitions = max(MIN_PARTITIONS, math.ceil(input_bytes / INPUT_BYTES_PER_PARTITION))
        return cls(directory, partitions)


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
    def __init__(self, spill: Spill):
        self._directory = spill.directory
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
    """(key, value) -> (key, SpillRef) when ``spill`` is set, else unchanged.

    ``spill.directory`` must be a local directory that every worker process can read (the
    local runners); leave ``spill`` ``None`` on a distributed runner.
    """

    def __init__(self, spill: Spill | None):
        super().__init__()
        self._spill = spill

    def expand(self, pairs):
        if self._spill is None:
            return pairs
        return pairs | beam.ParDo(_Spill(self._spill))


def partition_of(key: Any, partitions: int) -> int:
    """The partition of a grouping key: the same in every process (unlike ``hash()``)."""
    if isinstance(key, bytes):
        data = key
    elif isinstance(key, str):
        data = key.encode("utf-8")
    else:
        data = repr(key).encode("utf-8")
    return zlib.crc32(data) % partitions


def _metric(grouping: str, what: str) -> str:
    return f"shuffle.{grouping.lower().replace(' ', '_')}.{what}"


class _WritePartitions(beam.DoFn):
    """(key, value) -> appended to this bundle's file of the key's partition; at the end of the
    bundle, (partition, file) for every partition it wrote. Counts the records and bytes that
    the grouping moves (what a distributed runner would shuffle)."""

    def __init__(self, spill: Spill, grouping: str):
        self._spill = spill
        self._buffers: dict[int, list] = {}
        self._files: dict[int, str] = {}
        self._buffered = 0
        self._records = Metrics.counter(METRICS_NAMESPACE, _metric(grouping, "records"))
        self._bytes = Metrics.counter(METRICS_NAMESPACE, _metric(grouping, "bytes"))

    def start_bundle(self):
        self._buffers, self._files = {}, {}
        self._buffered = 0

    def _flush(self, partition: int) -> None:
        if partition not in self._files:
            name = f"p{partition:05d}-{uuid.uuid4().hex}.group"
            self._files[partition] = os.path.join(self._spill.directory, name)
        records = self._buffers.pop(partition)
        data = pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL)
        with open(self._files[partition], "ab") as handle:
            handle.write(data)
        self._records.inc(len(records))
        self._bytes.inc(len(data))

    def process(self, key_and_value: tuple[Any, Any]):
        partition = partition_of(key_and_value[0], self._spill.partitions)
        self._buffers.setdefault(partition, []).append(key_and_value)
        self._buffered += 1
        if self._buffered >= BUFFERED_RECORDS:
            for buffered in list(self._buffers):
                self._flush(buffered)
            self._buffered = 0

    def finish_bundle(self):
        for partition in list(self._buffers):
            self._flush(partition)
        for partition, path in sorted(self._files.items()):
            yield GlobalWindows.windowed_value((partition, path))


class _GroupPartition(beam.DoFn):
    """(partition, files) -> every (key, [values]) of the partition; records the largest group
    and the most records one partition held."""

    def __init__(self, grouping: str):
        self._largest = Metrics.distribution(METRICS_NAMESPACE, _metric(grouping, "largest_group"))
        self._partition = Metrics.distribution(METRICS_NAMESPACE, _metric(grouping, "partition"))

    def process(self, partition_and_paths: tuple[int, Iterable[str]]):
        grouped: dict[Any, list] = {}
        records = 0
        for path in sorted(partition_and_paths[1]):
            with open(path, "rb") as handle:
                while True:
                    try:
                        batch = pickle.load(handle)
                    except EOFError:
                        break
                    records += len(batch)
                    for key, value in batch:
                        grouped.setdefault(key, []).append(value)
        self._partition.update(records)
        self._largest.update(max(map(len, grouped.values()), default=0))
        yield from grouped.items()


class SpillingGroupByKey(beam.PTransform):
    """GroupByKey of one PCollection or of a tuple of them (a Flatten, then GroupByKey), through
    ``spill.partitions`` partition files on a local run.

    Without ``spill`` it is a plain (Flatten and) GroupByKey. With it, each group comes out as a
    list (a key's values are held together, as a consumer that reads them twice needs), memory
    holds one partition's records at a time instead of all of them, and each input writes its
    own partition files, so the runner never materialises a Flatten of the records.
    """

    def __init__(self, spill: Spill | None, grouping: str | None = None):
        super().__init__()
        self._spill = spill
        self._grouping = grouping

    def expand(self, pairs):
        if self._spill is None:
            if isinstance(pairs, tuple):
                pairs = pairs | "Gather" >> beam.Flatten()
            return pairs | "Group" >> beam.GroupByKey()
        grouping = self._grouping or self.label  # names its shuffle.* counters
        write = beam.ParDo(_WritePartitions(self._spill, grouping))
        return (
            apply_then_flatten(pairs, "Write partitions", write)
            | "Group partition files" >> beam.GroupByKey()
            | "Group each partition"
            >> beam.ParDo(_GroupPartition(grouping)).with_output_types(
                typing.Tuple[typing.Any, typing.List[typing.Any]]  # noqa: UP006 - Beam's hints
            )
        )


class SpillingCombinePerKey(beam.PTransform):
    """CombinePerKey, through :class:`SpillingGroupByKey` on a local run (a plain, lifted
    CombinePerKey without ``spill``)."""

    def __init__(self, combine_fn: beam.CombineFn, spill: Spill | None):
        super().__init__()
        self._combine_fn = combine_fn
        self._spill = spill

    def expand(self, pairs):
        if self._spill is None:
            return pairs | "Combine" >> beam.CombinePerKey(self._combine_fn)
        return (
            pairs
            | "Group" >> SpillingGroupByKey(self._spill, self.label)
            | "Combine" >> beam.CombineValues(self._combine_fn)
        )
