"""Turn input files into documents, or into rejections that say what was wrong.

Every record of every file ends as exactly one yielded value: a document (see
:func:`transforms.records.make_document`) or a :class:`~transforms.records.Rejection`, which the
read step writes as a rejected row with stage ``read``. A file that cannot be opened, or whose
compressed stream breaks off, yields one rejection for the whole file (or for the unread rest),
so it is counted and named in the run's summary.
"""

from __future__ import annotations

import bz2
import codecs
import dataclasses
import gzip
import io
import json
import lzma
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from transforms.config_flags import option
from transforms.records import Rejection, make_document

FORMATS = ("auto", "jsonl", "text", "parquet")
TEXT_SPLITS = ("file", "blank-line")
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".zst", ".zstd", ".xz")
# Rejected rows keep at most this much of a broken record, so one giant bad line cannot bloat
# rejected/.
MAX_REJECTED_TEXT = 10_000
HTML_FIELD = "html"
LEGACY_MIN_HANGUL_SHARE = 0.5
MAX_RECORD_BYTES = 64 * 1024 * 1024  # a JSONL line or text document longer than this is rejected
# Decompressed bytes per compressed byte beyond which a file is treated as a decompression bomb
# (text compresses 3-20x; a bomb 1000x and more), checked once the output passes the floor.
MAX_DECOMPRESSION_RATIO = 500
BOMB_CHECK_FLOOR = 64 * 1024 * 1024
READ_CHUNK = 16 * 1024
UNREADABLE_FILE = "unreadable_file"
EMPTY_FILE = "empty_file"
TRUNCATED_FILE = "corrupt_or_truncated_file"
_BLANK_LINES = re.compile(rb"\n(?:[ \t\r\f\v]*\n)+")
Row = dict[str, Any] | Rejection  # what reading a record gives: a document or a rejection


@dataclass(frozen=True)
class InputConfig:
    """The ``[input]`` section: which files to read, and how documents come out of them."""

    patterns: list[str] = option(
        default_factory=list,
        flag="--input",
        unset="the bundled sample in `kprep run`; needed elsewhere",
        help="file, directory or glob; several joined by commas (local, gs://, s3://). JSONL, "
        "plain text or Parquet; .gz/.zst/.bz2/.xz by extension",
    )
    format: str = option("auto", choices=FORMATS, help="input format; auto: by extension")
    text_field: str = option("text", help="JSONL/Parquet field with the text")
    text_split: str = option(
        "file",
        choices=TEXT_SPLITS,
        help="plain text: one document per file or per blank-line block",
    )


def detect_format(path: str, configured: str = "auto") -> str:
    """The input format of ``path``: the configured one, or by extension under compression."""
    if configured != "auto":
        return configured
    name = path.lower()
    for suffix in COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".jsonl", ".json", ".ndjson")):
        return "jsonl"
    return "text"


def _decode(raw: bytes) -> tuple[str | None, str, str]:
    """(text, encoding, "") for UTF-8 or legacy Korean CP949/EUC-KR text, else
    (None, "", a description of the first bad byte)."""
    try:
        return raw.decode("utf-8-sig"), "utf-8", ""  # a byte-order mark is not text
    except UnicodeDecodeError as err:
        problem = f"invalid UTF-8 at byte {err.start}: {raw[err.start : err.start + 4]!r}"
    try:
        text = raw.decode("cp949")  # a superset of EUC-KR
    except UnicodeDecodeError:
        return None, "", problem
    # Random bytes often decode as CP949 too; accept it only when it reads as Korean text.
    hangul = sum("\uac00" <= ch <= "\ud7a3" for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    if letters and hangul / letters >= LEGACY_MIN_HANGUL_SHARE:
        return text, "cp949", ""
    return None, "", problem


def _rejected_text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return text[:MAX_REJECTED_TEXT]


def record_to_row(
    record: Any, fallback_id: str, path: str, text_field: str
) -> dict[str, Any] | Rejection:
    """A parsed JSON/Parquet record as a document, or a rejection saying what is missing."""
    if not isinstance(record, dict):
        return Rejection(
            fallback_id,
            "not_an_object",
            f"{fallback_id}: expected a JSON object, got {type(record).__name__}",
            _rejected_text(json.dumps(record, ensure_ascii=False)),
        )
    doc_id = record.get("id")
    doc_id = fallback_id if doc_id is None or doc_id == "" else str(doc_id)
    text = record.get(text_field)
    if text is None and isinstance(record.get(HTML_FIELD), str):
        text_field = HTML_FIELD  # raw pages: the cleaning stage turns markup into text
        text = record[HTML_FIELD]
    if text is None:
        return Rejection(
            doc_id,
            "missing_text_field",
            f"{fallback_id}: no {text_field!r} field (fields: {', '.join(sorted(record))}); "
            "choose the field with --text-field",
            _rejected_text(json.dumps(record, ensure_ascii=False)),
        )
    if not isinstance(text, str):
        return Rejection(
            doc_id,
            "text_not_string",
            f"{fallback_id}: {text_field!r} is {type(text).__name__}, not a string",
            _rejected_text(json.dumps(record, ensure_ascii=False, default=str)),
        )
    source = record.get("source")
    metadata = {k: v for k, v in record.items() if k not in ("id", text_field, "source")}
    return make_document(
        doc_id,
        text,
        str(source) if source is not None else path,
        json.dumps(metadata, ensure_ascii=False, sort_keys=True, default=str),
    )


def parse_jsonl_line(
    line: bytes, path: str, line_no: int, text_field: str, file_encoding: str | None = None
) -> dict[str, Any] | Rejection:
    """One JSONL line (1-based ``line_no``) as a document or a rejection; ``file_encoding``
    names the encoding of a file that was transcoded to UTF-8 on reading."""
    fallback_id = f"{path}:{line_no}"
    text, encoding, problem = _decode(line)
    encoding = file_encoding or encoding
    if text is None:
        return Rejection(
            fallback_id, "invalid_utf8", f"{fallback_id}: {problem}", _rejected_text(line)
        )
    try:
        record = json.loads(text)
    except json.JSONDecodeError as err:
        return Rejection(
            fallback_id,
            "invalid_json",
            f"{fallback_id}: {err.msg} at column {err.colno}",
            _rejected_text(text),
        )
    if encoding != "utf-8" and isinstance(record, dict):
        record.setdefault("source_encoding", encoding)
    return record_to_row(record, fallback_id, path, text_field)


def split_text_file(
    data: bytes, path: str, text_split: str, file_encoding: str | None = None
) -> Iterator[dict[str, Any] | Rejection]:
    """A plain-text file as one document, or one per blank-line-separated block."""
    blocks = [data] if text_split == "file" else _BLANK_LINES.split(data)
    for block_no, block in enumerate(blocks, start=1):
        if text_split != "file" and not block.strip():
            continue  # the separators themselves, not records
        doc_id = path if text_split == "file" else f"{path}#{block_no}"
        text, encoding, problem = _decode(block)
        encoding = file_encoding or encoding
        if text is None:
            yield Rejection(doc_id, "invalid_utf8", f"{doc_id}: {problem}", _rejected_text(block))
        else:
            metadata = "{}" if encoding == "utf-8" else json.dumps({"source_encoding": encoding})
            yield make_document(doc_id, text, path, metadata)


def _iter_jsonl(
    stream: Any, path: str, options: InputConfig, file_encoding: str | None
) -> Iterator[tuple[str, Row]]:
    line_no = 0
    while line := stream.readline(MAX_RECORD_BYTES + 1):
        line_no += 1
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            skipped = len(line) + _skip_rest_of_line(stream)
            doc_id = f"{path}:{line_no}"
            yield (
                doc_id,
                Rejection(
                    doc_id,
                    "record_too_large",
                    f"{doc_id}: a line of {skipped:,} bytes, over the "
                    f"{MAX_RECORD_BYTES:,}-byte limit",
                    _rejected_text(line[:MAX_REJECTED_TEXT]),
                ),
            )
            continue
        if not line.strip():
            continue  # blank separator lines are not records
        yield (
            f"{path}:{line_no}",
            parse_jsonl_line(
                line.rstrip(b"\r\n"), path, line_no, options.text_field, file_encoding
            ),
        )


def _skip_rest_of_line(stream: Any) -> int:
    """Read past the end of an over-long line without holding it; returns the bytes skipped."""
    skipped = 0
    while chunk := stream.readline(1 << 20):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


def _iter_parquet(stream: Any, path: str, options: InputConfig) -> Iterator[tuple[str, Row]]:
    import pyarrow.parquet as pq

    row_no = 0
    for batch in pq.ParquetFile(stream).iter_batches(batch_size=1024):
        for record in batch.to_pylist():
            row_no += 1
            position = f"{path}:{row_no}"
            yield position, record_to_row(record, position, path, options.text_field)


class DecompressionBombError(ValueError):
    """A compressed file that expands far beyond what text does."""


class _CountingReader(io.RawIOBase):
    """Counts bytes read from ``inner`` (the compressed file), for the bomb check."""

    def __init__(self, inner: Any):
        self._inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


class _BombGuard(io.RawIOBase):
    """Passes decompressed bytes through, failing once they outgrow the compressed input."""

    def __init__(self, decompressed: Any, compressed: _CountingReader, path: str):
        self._decompressed = decompressed
        self._compressed = compressed
        self._path = path
        self._produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        # Short reads: a truncated stream then fails on the chunk it breaks in, and the lines
        # before it still come through.
        data = self._decompressed.read(min(len(buffer), READ_CHUNK))
        buffer[: len(data)] = data
        self._produced += len(data)
        if self._produced > BOMB_CHECK_FLOOR and self._produced > MAX_DECOMPRESSION_RATIO * max(
            1, self._compressed.count
        ):
            raise DecompressionBombError(
                f"{self._produced:,} bytes from {self._compressed.count:,} compressed bytes: "
                f"over {MAX_DECOMPRESSION_RATIO}x, not text"
            )
        return len(data)


# Byte-order marks of the encodings a text file may come in besides UTF-8 (UTF-32's first, since
# UTF-32-LE's begins with UTF-16-LE's).
UNICODE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32"),
    (b"\xff\xfe", "utf-16-le", "utf-16"),
    (b"\xfe\xff", "utf-16-be", "utf-16"),
)


class _Transcoded(io.RawIOBase):
    """The UTF-8 bytes of a stream in another encoding, decoded as it is read; undecodable
    input raises, so the file is rejected rather than read as mojibake."""

    def __init__(self, stream: Any, codec: str):
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder(codec)()
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = self._stream.read(READ_CHUNK)
            self._pending = self._decoder.decode(chunk, final=not chunk).encode("utf-8")
            if not chunk:
                break
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def as_utf8(stream: Any) -> tuple[Any, str | None]:
    """``stream`` as UTF-8 bytes: a file that starts with a UTF-16 or UTF-32 byte-order mark is
    transcoded (the mark dropped); returns the file's encoding when it was transcoded."""
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream, buffer_size=READ_CHUNK)
    head = stream.peek(4)[:4]
    for bom, codec, name in UNICODE_BOMS:
        if head.startswith(bom):
            stream.read(len(bom))
            return io.BufferedReader(_Transcoded(stream, codec), buffer_size=READ_CHUNK), name
    return stream, None


def open_decompressed(raw: Any, path: str) -> Any:
    """A binary stream of ``raw``'s decompressed bytes, chosen by ``path``'s extension.

    Python's own codecs (unlike Beam's CompressedFile) raise on a truncated stream, so a
    broken file is reported instead of silently ending early.
    """
    name = path.lower()
    counted = _CountingReader(raw)
    if name.endswith(".gz"):
        stream = gzip.GzipFile(fileobj=counted, mode="rb")
    elif name.endswith(".bz2"):
        stream = bz2.BZ2File(counted, mode="rb")
    elif name.endswith(".xz"):
        stream = lzma.LZMAFile(counted, mode="rb")  # noqa: SIM115 - returned open
    elif name.endswith((".zst", ".zstd")):
        import zstandard

        stream = zstandard.ZstdDecompressor().stream_reader(counted)
    else:
        return raw
    return io.BufferedReader(_BombGuard(stream, counted, path), buffer_size=READ_CHUNK)


def read_file(path: str, options: InputConfig) -> Iterator[Row]:
    """Every record of ``path`` as a document or a rejection; never raises for bad input."""
    return (row for _, row in read_records(path, options))


def read_records(path: str, options: InputConfig) -> Iterator[tuple[str, Row]]:
    """(position, row) for every record of ``path``: the row as :func:`read_file` gives it, and
    where it sits (``path:line``, ``path:row``, ``path#block`` or ``path``), unique in the input
    whatever ids the records carry."""
    fmt = detect_format(path, options.format)
    produced = 0
    try:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as raw:
            file_encoding = None
            stream = raw
            if fmt != "parquet":
                stream, file_encoding = as_utf8(open_decompressed(raw, path))
            if fmt == "jsonl":
                rows = _iter_jsonl(stream, path, options, file_encoding)
            elif fmt == "parquet":
                rows = _iter_parquet(stream, path, options)
            else:
                data = stream.read(MAX_RECORD_BYTES + 1)
                if len(data) > MAX_RECORD_BYTES:
                    raise ValueError(
                        f"text file over {MAX_RECORD_BYTES:,} bytes: split it into documents, "
                        "or use --text-split blank-line / JSONL"
                    )
                rows = (
                    (row.id if isinstance(row, Rejection) else row["id"], row)
                    for row in split_text_file(data, path, options.text_split, file_encoding)
                )
            for position_and_row in rows:
                produced += 1
                yield position_and_row
        if produced == 0:
            yield path, Rejection(path, EMPTY_FILE, f"{path}: no records in the file")
    except Exception as err:  # noqa: BLE001 - any I/O or codec failure becomes a rejection
        reason = UNREADABLE_FILE if produced == 0 else TRUNCATED_FILE
        where = "could not be read" if produced == 0 else f"broke off after {produced} records"
        yield path, Rejection(path, reason, f"{path}: {where}: {type(err).__name__}: {err}")


def row_id(row: Row) -> str:
    return row.id if isinstance(row, Rejection) else row["id"]


def with_position_id(row: Row, position: str) -> Row:
    """``row`` under the id its position gives, for a record whose own id other records share:
    a document keeps its own as ``metadata.original_id``, a rejection names it in the detail."""
    if isinstance(row, Rejection):
        detail = f"{row.detail} (its id {row.id!r} is shared by other records)"
        return dataclasses.replace(row, id=position, detail=detail.lstrip())
    metadata = dict(json.loads(row["metadata"]), original_id=row["id"])
    return dict(
        row,
        id=position,
        metadata=json.dumps(metadata, ensure_ascii=False, sort_keys=True, default=str),
    )
