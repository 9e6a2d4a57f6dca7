import struct

import numpy as np
import pytest

from transforms.megatron import (
    MAGIC,
    IndexedDataset,
    ShardFormatError,
    dtype_for_vocab,
    encode_shard,
)
from transforms.shards import shuffled_order

DOCS = [[5, 6, 7, 2], [9, 2], [300, 301, 302, 303, 304, 2]]


def write(prefix, docs, dtype=np.uint16):
    data, index = encode_shard(docs, dtype)
    prefix.with_suffix(".bin").write_bytes(data)
    prefix.with_suffix(".idx").write_bytes(index)
    return str(prefix)


def test_header_layout_matches_the_spec(tmp_path):
    _, index = encode_shard(DOCS, np.uint16)
    magic, version, code, count, doc_count = struct.unpack_from("<9sQBQQ", index)
    assert (magic, version, code, count, doc_count) == (MAGIC, 1, 8, 3, 4)
    sizes = np.frombuffer(index, np.int32, 3, 34)
    pointers = np.frombuffer(index, np.int64, 3, 34 + 12)
    doc_idx = np.frombuffer(index, np.int64, 4, 34 + 12 + 24)
    assert sizes.tolist() == [4, 2, 6]
    assert pointers.tolist() == [0, 8, 12]
    assert doc_idx.tolist() == [0, 1, 2, 3]


def test_reader_round_trips(tmp_path):
    dataset = IndexedDataset(write(tmp_path / "train_00000", DOCS))
    assert len(dataset) == 3
    assert [dataset[i].tolist() for i in range(3)] == DOCS
    assert dataset.check_layout() == []


def test_int32_for_large_vocabularies(tmp_path):
    assert dtype_for_vocab(30003) == np.uint16
    assert dtype_for_vocab(65500) == np.int32
    dataset = IndexedDataset(write(tmp_path / "big", [[70000, 2]], np.int32))
    assert dataset.dtype == np.int32 and dataset[0].tolist() == [70000, 2]


def test_truncated_bin_is_reported(tmp_path):
    prefix = write(tmp_path / "train_00000", DOCS)
    with open(prefix + ".bin", "r+b") as handle:
        handle.truncate(10)
    with pytest.raises(ShardFormatError, match="describes 12 tokens"):
        IndexedDataset(prefix)


def test_bad_magic_is_reported(tmp_path):
    prefix = write(tmp_path / "x", DOCS)
    raw = bytearray((tmp_path / "x.idx").read_bytes())
    raw[0:1] = b"X"
    (tmp_path / "x.idx").write_bytes(bytes(raw))
    with pytest.raises(ShardFormatError, match="bad magic"):
        IndexedDataset(prefix)


def test_megatron_core_reads_our_shards(tmp_path):
    indexed = pytest.importorskip(
        "megatron.core.datasets.indexed_dataset", reason="megatron-core is in the test extra"
    )
    prefix = write(tmp_path / "train_00000", DOCS)
    theirs = indexed.IndexedDataset(prefix, multimodal=False, mmap=True)
    assert len(theirs) == 3
    assert [theirs[i].tolist() for i in range(3)] == DOCS
    assert theirs.document_indices.tolist() == [0, 1, 2, 3]


def test_shard_order_is_by_order_hash_then_id_and_ties_by_tokens():
    docs = [(2, "b", b"\x02"), (1, "z", b"\x09"), (2, "a", b"\x05"), (2, "b", b"\x01")]
    assert shuffled_order(docs) == [
        (1, "z", b"\x09"),
        (2, "a", b"\x05"),
        (2, "b", b"\x01"),  # the same order and id: by tokens, not by arrival
        (2, "b", b"\x02"),
    ]
    assert shuffled_order(list(reversed(docs))) == shuffled_order(docs)
