"""Files on any Beam filesystem (local, gs://, s3://): input patterns, atomic writes, Parquet, JSON.

Output files are written under a temporary name and renamed when complete, so a retried bundle
never leaves a partial or duplicate file.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems


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
    return table_bytes(pa.Table.from_pylist(rows, schema=schema))


def table_bytes(table: pa.Table) -> bytes:
    """A Parquet file of ``table`` as kprep writes every one (zstd)."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


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
