"""The tokenizer's training sample and its held-out complement: which documents, and reading them.

    clean/*.parquet -> Read sampled docs (id hash < threshold) -> Spread -> Split morphemes (Kiwi)
        -> sample-NNNNN-of-MMMMM.parquet (id, text; sorted by id)    sample.json (written last)

A document is in the sample when ``stable_hash("tokenizer-sample", id)`` falls below a threshold
set from the text bytes in clean/, so the same clean/ and size give the same sample on any runner,
and the held-out documents of ``kprep tokenizer-report`` are exactly those above it.
The Beam graph that draws and Kiwi-splits the sample is pipeline/train_tokenizer.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from tokenizer_training.morphemes import ANALYSER
from transforms.files import list_parquet
from transforms.layout import RunLayout
from transforms.records import stable_hash

SAMPLE_SCHEMA = pa.schema([("id", pa.string()), ("text", pa.string())])
SAMPLE_MANIFEST = "sample.json"
SAMPLE_TOTALS = ".sample_totals.json"
SAMPLE_PREFIX = "sample"
SAMPLE_SALT = "tokenizer-sample"
SHARD_BYTES = 128 * 2**20  # one sample file per ~128 MB of text


def text_bytes(files: list[str]) -> int:
    """Uncompressed bytes of the ``text`` column, from the Parquet footers alone."""
    total = 0
    for path in files:
        with FileSystems.open(path) as handle:
            metadata = pq.ParquetFile(handle).metadata
        column = metadata.schema.names.index("text")
        for group in range(metadata.num_row_groups):
            total += metadata.row_group(group).column(column).total_uncompressed_size
    return total


def sample_threshold(available_bytes: int, sample_bytes: int) -> int:
    """Documents whose id hash is below this make a sample of about ``sample_bytes``."""
    if available_bytes <= sample_bytes:
        return 2**64
    return int(2**64 * sample_bytes / available_bytes)


def sample_position(doc_id: str) -> int:
    return stable_hash(SAMPLE_SALT, doc_id)


def read_sampled(path: str, threshold: int) -> Iterator[dict[str, str]]:
    with FileSystems.open(path) as handle:
        for batch in pq.ParquetFile(handle).iter_batches(columns=["id", "text"]):
            ids, texts = batch.column("id").to_pylist(), batch.column("text").to_pylist()
            for doc_id, text in zip(ids, texts, strict=True):
                if sample_position(doc_id) < threshold:
                    yield {"id": doc_id, "text": text}


def sample_fingerprint(
    files: list[str], sample_bytes: int, morpheme_split: bool, protected: list[str]
) -> dict[str, Any]:
    """What the sample depends on; a stored sample is reused only when this is unchanged."""
    sizes = {
        m.path: m.size_in_bytes for found in FileSystems.match(files) for m in found.metadata_list
    }
    return {
        "clean_files": [[path, sizes[path]] for path in files],
        "sample_bytes": sample_bytes,
        "morpheme_split": morpheme_split,
        "analyser": ANALYSER if morpheme_split else None,
        "protected": sorted(protected),
    }


def read_sample(sample_dir: str) -> Iterator[str]:
    """The sample's texts, file by file in name order and by id within a file."""
    for path in list_parquet(sample_dir, SAMPLE_PREFIX):
        with FileSystems.open(path) as handle:
            for batch in pq.ParquetFile(handle).iter_batches(columns=["text"]):
                yield from batch.column("text").to_pylist()


def held_out_from_clean(clean_dir: str, sample_bytes: int, max_bytes: int) -> list[str]:
    """About ``max_bytes`` of clean documents outside the training sample of ``sample_bytes``."""
    files = list_parquet(clean_dir)
    if not files:
        raise FileNotFoundError(f"no clean Parquet files in {clean_dir}: run `kprep prepare` first")
    available = text_bytes(files)
    in_sample_below = sample_threshold(available, sample_bytes)
    if in_sample_below >= 2**64:
        raise ValueError(
            f"every document in {clean_dir} is in the tokenizer's training sample "
            f"({available:,} bytes of text <= sample_bytes {sample_bytes:,}): pass a JSONL file "
            "of held-out documents instead"
        )
    # The top of the hash range, never below the sample's threshold: a random, disjoint subset.
    held_out_from = max(in_sample_below, 2**64 - int(2**64 * min(1.0, max_bytes / available)))
    texts = []
    for path in files:
        with FileSystems.open(path) as handle:
            parquet = pq.ParquetFile(handle)
            for group in range(parquet.num_row_groups):
                ids = parquet.read_row_group(group, columns=["id"]).column("id").to_pylist()
                rows = [
                    i for i, doc_id in enumerate(ids) if sample_position(doc_id) >= held_out_from
                ]
                if rows:
                    column = parquet.read_row_group(group, columns=["text"]).column("text")
                    texts.extend(column.take(rows).to_pylist())
    return texts


def held_out_from_jsonl(path: str, max_bytes: int, text_field: str = "text") -> list[str]:
    """The first documents of a JSONL file (.gz etc. by extension), up to ``max_bytes``."""
    texts: list[str] = []
    total = 0
    with FileSystems.open(path) as handle:
        for line in iter(handle.readline, b""):
            if total >= max_bytes:
                break
            text = json.loads(line).get(text_field) if line.strip() else None
            if isinstance(text, str) and text.strip():
                texts.append(text)
                total += len(text.encode("utf-8"))
    return texts


def held_out_sample(source: str, sample_bytes: int, max_bytes: int) -> list[str]:
    """Held-out texts from a run directory (its clean/, outside the sample) or a JSONL file."""
    if ".jsonl" in source.rsplit("/", 1)[-1]:
        return held_out_from_jsonl(source, max_bytes)
    return held_out_from_clean(RunLayout(source).clean, sample_bytes, max_bytes)
