"""Beam sources and sinks for documents: read input files, write sorted Parquet shards.

Output files are deterministic: rows go to ``part-NNNNN-of-MMMMM.parquet`` by a stable hash
of their id, each file is sorted by id and written atomically (transforms/files.py).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import apache_beam as beam
import pyarrow as pa
from apache_beam.metrics import Metrics

from transforms.files import parquet_bytes, write_file_atomically
from transforms.read import InputConfig, read_records, row_id, with_position_id
from transforms.records import Rejection, stable_hash
from transforms.steps.spill import Spill, SpillingGroupByKey, SpillValues, unspill
from transforms.steps.stage import (
    METRICS_NAMESPACE,
    Progress,
    RejectingDoFn,
    apply_then_flatten,
    keep_or_reject,
)


class SpreadFiles(beam.PTransform):
    """File paths -> the same paths spread over the workers.

    Compressed files are not splittable, so parallelism comes from handing whole files to
    different workers; without the Reshuffle a runner may fuse every file into one bundle.
    """

    def __init__(self, paths: list[str]):
        super().__init__()
        self._paths = paths

    def expand(self, pbegin):
        return pbegin | "Files" >> beam.Create(self._paths) | "Spread" >> beam.Reshuffle()


def _ids_of(path: str, options: InputConfig) -> Iterator[tuple[str, tuple[str, int]]]:
    """(id, (path, ordinal)) of every record of a file: the first read, for ids only."""
    for ordinal, (_, row) in enumerate(read_records(path, options)):
        yield row_id(row), (path, ordinal)


class _SharedIds(beam.DoFn):
    """(id, its records) -> (path, ordinal) of each record of an id that several records carry."""

    def __init__(self):
        self._ids = Metrics.counter(METRICS_NAMESPACE, "read.ids_shared")
        self._records = Metrics.counter(METRICS_NAMESPACE, "read.ids_renamed")

    def process(self, id_and_records: tuple[str, Iterable[tuple[str, int]]]):
        _, records = id_and_records
        if len(list(itertools.islice(records, 2))) < 2:
            return  # the common case: an id of one record
        self._ids.inc()
        for record in records:  # a second pass over the group (Beam's are re-iterable)
            self._records.inc()
            yield record


class _ReadFile(RejectingDoFn):
    """(path, ordinals of its records to rename) -> documents and rejections."""

    def __init__(self, options: InputConfig):
        super().__init__("read")
        self._options = options
        self._progress: Progress | None = None

    def setup(self):
        self._progress = Progress("read")

    def process(self, path_and_marks: tuple[str, Iterable[int | None]]):
        path, marks = path_and_marks
        renamed = {mark for mark in marks if mark is not None}
        self.count("read.files")
        for ordinal, (position, record) in enumerate(read_records(path, self._options)):
            if ordinal in renamed:
                record = with_position_id(record, position)
            text = record.text if isinstance(record, Rejection) else record["text"]
            size = len(text.encode("utf-8"))
            self.count("read.records")
            self.count("read.bytes", size)
            self._progress.add(1, size)
            yield self.route(record)


class ReadDocuments(beam.PTransform):
    """Files -> (documents, rejected rows of stage ``read``), every id unique.

    Records that share an id (ids numbered per file, re-crawled URLs) each get the id of their
    position (``path:line``), keeping their own as ``metadata.original_id``; the others keep
    theirs. Which ids are shared is found by a first read that shuffles only (id, position),
    never text; each file is then read again with the positions to rename.
    """

    def __init__(self, paths: list[str], options: InputConfig, spill: Spill | None = None):
        super().__init__()
        self._paths = paths
        self._options = options
        self._spill = spill

    def expand(self, pbegin):
        paths = pbegin | "Files" >> SpreadFiles(self._paths)
        renamed = (
            paths
            | "Read ids" >> beam.FlatMap(_ids_of, self._options)
            | "Group by id" >> SpillingGroupByKey(self._spill, "group_by_id")
            | "Shared ids" >> beam.ParDo(_SharedIds())
        )
        files = paths | "Key by path" >> beam.Map(lambda path: (path, None))
        marked = (files, renamed) | "Renames by file" >> SpillingGroupByKey(
            self._spill, "renames_by_file"
        )
        return keep_or_reject(marked, "Parse", _ReadFile(self._options))


class WriteSortedParquet(beam.PTransform):
    """Rows (a PCollection or a tuple of them) -> ``directory/{prefix}-NNNNN-of-MMMMM.parquet``,
    each sorted by id; emits paths.

    With ``spill`` (local runners) rows reach their shard through spill files, so memory
    holds one shard at a time rather than every row.
    """

    def __init__(
        self,
        directory: str,
        schema: pa.Schema,
        num_shards: int,
        prefix: str = "part",
        spill: Spill | None = None,
    ):
        super().__init__()
        self._directory = directory.rstrip("/")
        self._schema = schema
        self._num_shards = num_shards
        self._prefix = prefix
        self._spill = spill

    def _write(self, shard_and_rows: tuple[int, Any]) -> str:
        shard, rows = shard_and_rows
        ordered = sorted(map(unspill, rows), key=lambda row: row["id"])
        path = f"{self._directory}/{self._prefix}-{shard:05d}-of-{self._num_shards:05d}.parquet"
        write_file_atomically(path, parquet_bytes(ordered, self._schema))
        return path

    def expand(self, rows):
        num_shards = self._num_shards
        spill = beam.Map(lambda row: (stable_hash(row["id"]) % num_shards, row)) | SpillValues(
            self._spill
        )
        return (
            apply_then_flatten(rows, "Key by shard and spill", spill)
            | "Group shard" >> beam.GroupByKey()
            | "Write shard" >> beam.Map(self._write)
        )


def _sum_pairs(pairs) -> tuple[int, int]:
    records = size = 0
    for count, nbytes in pairs:
        records += count
        size += nbytes
    return records, size


class WriteTotals(beam.PTransform):
    """Elements (of a PCollection or a tuple of them) -> ``path``, a JSON object
    ``{"records": n, "bytes": sum of size(element)}``.

    Counted from the data rather than with counters: a runner that retries a bundle may count
    its counters twice, while its outputs are committed once.
    """

    def __init__(self, path: str, size: Callable[[Any], int] | None = None):
        super().__init__()
        self._path = path
        self._size = size

    def _write(self, totals: tuple[int, int]) -> None:
        records, nbytes = totals
        text = json.dumps({"records": records, "bytes": nbytes}) + "\n"
        write_file_atomically(self._path, text.encode())

    def expand(self, elements):
        size = self._size
        measure = beam.Map(lambda element: (1, size(element) if size else 0))
        return (
            apply_then_flatten(elements, "Measure", measure)
            | "Sum" >> beam.CombineGlobally(_sum_pairs)
            | "Write" >> beam.Map(self._write)
        )
