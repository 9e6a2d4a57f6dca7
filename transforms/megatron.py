"""Megatron / GPT-NeoX ``MMapIndexedDataset`` files: one writer and one reader.

A dataset is a path prefix ``P`` with two files (all integers little-endian):

``P.bin``
    The token arrays of all items back to back, in the dataset dtype. No header.
``P.idx``
    ======================  =============================================
    magic                   ``b"MMIDIDX\\x00\\x00"`` (9 bytes)
    version                 ``<Q`` = 1
    dtype code              ``<B``: 1 uint8, 2 int8, 3 int16, 4 int32, 5 int64, 8 uint16
    item count N            ``<Q``
    doc_idx count D         ``<Q``
    sizes                   int32[N], tokens per item
    pointers                int64[N], byte offset of each item in ``P.bin``
    doc_idx                 int64[D], ``[0, 1, ..., N]`` when each document is one item
    ======================  =============================================

kprep writes one item per document with the end-of-document id appended, uint16 while the
vocabulary has fewer than 65,500 ids and int32 otherwise (GPT-NeoX's ``best_fitting_dtype``).
``kprep verify``, the trainer and the tests all read through :class:`IndexedDataset`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

MAGIC = b"MMIDIDX\x00\x00"
VERSION = 1
DTYPE_CODES: dict[int, type[np.integer]] = {
    1: np.uint8,
    2: np.int8,
    3: np.int16,
    4: np.int32,
    5: np.int64,
    8: np.uint16,
}
_HEADER = struct.Struct("<9sQBQQ")


class ShardFormatError(ValueError):
    """A .bin/.idx pair that does not follow the format above."""


def dtype_for_vocab(vocab_size: int) -> type[np.integer]:
    return np.uint16 if vocab_size < 65500 else np.int32


def dtype_code(dtype: type[np.integer] | np.dtype) -> int:
    for code, candidate in DTYPE_CODES.items():
        if np.dtype(candidate) == np.dtype(dtype):
            return code
    raise ValueError(f"dtype {dtype} has no Megatron code")


def encode_index(sizes: Sequence[int], dtype: type[np.integer] | np.dtype) -> bytes:
    """The ``.idx`` bytes for items of the given token counts, one document per item."""
    sizes_arr = np.asarray(sizes, dtype=np.int32)
    itemsize = np.dtype(dtype).itemsize
    pointers = np.zeros(len(sizes_arr), dtype=np.int64)
    if len(sizes_arr) > 1:
        np.cumsum(sizes_arr[:-1].astype(np.int64) * itemsize, out=pointers[1:])
    doc_idx = np.arange(len(sizes_arr) + 1, dtype=np.int64)
    header = _HEADER.pack(MAGIC, VERSION, dtype_code(dtype), len(sizes_arr), len(doc_idx))
    return header + sizes_arr.tobytes() + pointers.tobytes() + doc_idx.tobytes()


def encode_shard(
    documents: Iterable[Sequence[int]], dtype: type[np.integer] | np.dtype
) -> tuple[bytes, bytes]:
    """The (``.bin``, ``.idx``) bytes of a shard holding ``documents`` in order."""
    arrays = [np.asarray(doc, dtype=dtype) for doc in documents]
    data = np.concatenate(arrays).tobytes() if arrays else b""
    return data, encode_index([len(a) for a in arrays], dtype)


class IndexedDataset:
    """Read-only view of ``prefix.bin``/``prefix.idx`` through numpy memmaps.

    The header and every array length are checked on open; a mismatch raises
    :class:`ShardFormatError` naming the file and what is wrong.
    """

    def __init__(self, prefix: str | Path):
        self.prefix = str(prefix)
        idx_path, bin_path = Path(self.prefix + ".idx"), Path(self.prefix + ".bin")
        for path in (idx_path, bin_path):
            if not path.is_file():
                raise ShardFormatError(f"{path}: file missing")
        idx = np.memmap(idx_path, dtype=np.uint8, mode="r")
        if len(idx) < _HEADER.size:
            raise ShardFormatError(f"{idx_path}: {len(idx)} bytes, shorter than the header")
        magic, version, code, count, doc_count = _HEADER.unpack(bytes(idx[: _HEADER.size]))
        if magic != MAGIC:
            raise ShardFormatError(f"{idx_path}: bad magic {magic!r}, expected {MAGIC!r}")
        if version != VERSION:
            raise ShardFormatError(f"{idx_path}: version {version}, expected {VERSION}")
        if code not in DTYPE_CODES:
            raise ShardFormatError(f"{idx_path}: unknown dtype code {code}")
        self.dtype = np.dtype(DTYPE_CODES[code])
        expected = _HEADER.size + count * 4 + count * 8 + doc_count * 8
        if len(idx) != expected:
            raise ShardFormatError(
                f"{idx_path}: {len(idx)} bytes, expected {expected} for {count} items "
                f"and {doc_count} doc_idx entries"
            )
        offset = _HEADER.size
        self.sizes = np.frombuffer(idx, dtype=np.int32, count=count, offset=offset)
        offset += count * 4
        self.pointers = np.frombuffer(idx, dtype=np.int64, count=count, offset=offset)
        offset += count * 8
        self.doc_idx = np.frombuffer(idx, dtype=np.int64, count=doc_count, offset=offset)
        self.tokens = np.memmap(bin_path, dtype=self.dtype, mode="r")
        if bin_path.stat().st_size != int(self.sizes.sum(dtype=np.int64)) * self.dtype.itemsize:
            raise ShardFormatError(
                f"{bin_path}: {bin_path.stat().st_size} bytes, but the index describes "
                f"{int(self.sizes.sum(dtype=np.int64))} tokens of {self.dtype.itemsize} bytes"
            )

    def __len__(self) -> int:
        return len(self.sizes)

    def __getitem__(self, i: int) -> np.ndarray:
        start = int(self.pointers[i]) // self.dtype.itemsize
        return self.tokens[start : start + int(self.sizes[i])]

    def check_layout(self) -> list[str]:
        """Problems with pointers and doc_idx (empty when the shard is consistent)."""
        problems = []
        expected_pointers = np.zeros(len(self.sizes), dtype=np.int64)
        if len(self.sizes) > 1:
            np.cumsum(
                self.sizes[:-1].astype(np.int64) * self.dtype.itemsize, out=expected_pointers[1:]
            )
        if not np.array_equal(self.pointers, expected_pointers):
            problems.append(f"{self.prefix}.idx: pointers are not the running sum of sizes")
        if not np.array_equal(self.doc_idx, np.arange(len(self.sizes) + 1)):
            problems.append(f"{self.prefix}.idx: doc_idx is not [0..{len(self.sizes)}]")
        if len(self.sizes) and int(self.sizes.min()) <= 0:
            problems.append(f"{self.prefix}.idx: an item has no tokens")
        return problems
