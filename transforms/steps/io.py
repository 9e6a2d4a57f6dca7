"""Beam sources and sinks for documents: read input files, write sorted Parquet shards.

Output files are deterministic: rows go to ``part-NNNNN-of-MMMMM.parquet`` by a stable hash
of their id, each file is sorted by id and written atomically (transforms/files.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import apache_beam as beam
import pyarrow as pa

from transforms.files import parquet_bytes, write_file_atomically
from transforms.read import InputConfig, read_file
from transforms.records import Rejection, stable_hash
from transforms.steps.spill import Spill, SpillValues, unspill
from transforms.steps.stage import Progress, RejectingDoFn, apply_then_flatten, keep_or_reject


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


class _ReadFile(RejectingDoFn):
    def __init__(self, options: InputConfig):
        super().__init__("read")
        self._options = options
        self._progress: Progress | None = None

    def setup(self):
        self._progress = Progress("read")

    def process(self, path: str):
        self.count("read.files")
        for record in read_file(path, self._options):
            text = record.text if isinstance(record, Rejection) else record["text"]
            size = len(text.encode("utf-8"))
            self.count("read.records")
            self.count("read.bytes", size)
            self._progress.add(1, size)
            yield self.route(record)


class ReadDocuments(beam.PTransform):
    """Files -> (documents, rejected rows of stage ``read``)."""

    def __init__(self, paths: list[str], options: InputConfig):
        super().__init__()
        self._paths = paths
        self._options = options

    def expand(self, pbegin):
        paths = pbegin | "Files" >> SpreadFiles(self._paths)
        return keep_or_reject(paths, "Parse", _ReadFile(self._options))


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
