"""Beam sources and sinks for documents: read input files, write sorted Parquet shards.

Output files are deterministic: rows go to ``part-NNNNN-of-MMMMM.parquet`` by a stable hash
of their id, each file is sorted by id, written under a temporary name and renamed when
complete, so a retried bundle never leaves a partial or duplicate file.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms.read import ReadOptions, read_file
from transforms.records import stable_hash
from transforms.spill import Spill, SpillValues, unspill
from transforms.stage import METRICS_NAMESPACE, REJECTED, Progress, apply_then_flatten


class InputError(ValueError):
    """Input patterns that match nothing usable; the message says which and what to do."""


def expand_patterns(patterns: list[str]) -> list[tuple[str, int]]:
    """(path, size) of every file the patterns match, sorted; directories mean their files."""
    if not patterns:
        raise InputError("no input given: pass --input PATH_OR_GLOB[,PATH_OR_GLOB...]")
    found: dict[str, int] = {}
    for pattern in patterns:
        if FileSystems.get_scheme(pattern) is None and os.path.isdir(pattern):
            pattern = os.path.join(pattern, "*")
        try:
            metadata = FileSystems.match([pattern])[0].metadata_list
        except Exception as err:  # noqa: BLE001 - any filesystem error is a usage error here
            raise InputError(f"cannot list input {pattern!r}: {err}") from err
        files = [m for m in metadata if not os.path.basename(m.path).startswith((".", "_"))]
        if not files:
            raise InputError(
                f"input {pattern!r} matched no files: check the path, and quote globs "
                "so that your shell does not expand them"
            )
        for m in files:
            found[m.path] = m.size_in_bytes
    return sorted(found.items())


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


class _ReadFile(beam.DoFn):
    def __init__(self, options: ReadOptions):
        self._options = options
        self._records = Metrics.counter(METRICS_NAMESPACE, "read.records")
        self._bytes = Metrics.counter(METRICS_NAMESPACE, "read.bytes")
        self._files = Metrics.counter(METRICS_NAMESPACE, "read.files")
        self._progress: Progress | None = None

    def setup(self):
        self._progress = Progress("read")

    def process(self, path: str):
        self._files.inc()
        for row in read_file(path, self._options):
            size = len(row["text"].encode("utf-8"))
            self._records.inc()
            self._bytes.inc(size)
            self._progress.add(1, size)
            if "stage" in row:
                yield beam.pvalue.TaggedOutput(REJECTED, row)
            else:
                yield row


class ReadDocuments(beam.PTransform):
    """Files -> (documents, rejected rows of stage ``read``)."""

    def __init__(self, paths: list[str], options: ReadOptions):
        super().__init__()
        self._paths = paths
        self._options = options

    def expand(self, pbegin):
        results = (
            pbegin
            | "Files" >> SpreadFiles(self._paths)
            | "Parse" >> beam.ParDo(_ReadFile(self._options)).with_outputs(REJECTED, main="docs")
        )
        return results.docs, results[REJECTED]


def write_file_atomically(path: str, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` (bytes, or chunks written as they come) to ``path`` through a temporary
    name, so readers never see a partial file."""
    directory, name = path.rsplit("/", 1) if "/" in path else (".", path)
    temp = f"{directory}/.{name}.tmp-{uuid.uuid4().hex}"
    with FileSystems.create(temp) as handle:
        for chunk in [data] if isinstance(data, bytes) else data:
            handle.write(chunk)
    if FileSystems.exists(path):
        FileSystems.delete([path])
    FileSystems.rename([temp], [path])


def parquet_bytes(rows: list[dict[str, Any]], schema: pa.Schema) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), buffer, compression="zstd")
    return buffer.getvalue()


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
