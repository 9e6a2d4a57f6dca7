"""Tokenize clean documents and write them as shuffled Megatron shards, in Beam.

Each document becomes ``encode(text).ids + [eod]``; its split, shard and place in the shard come
from transforms/shards.py, the file format from transforms/megatron.py.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from typing import Any

import apache_beam as beam
import numpy as np
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from transforms.fast_bpe import Encoder, load_encoder
from transforms.files import write_file_atomically
from transforms.layout import read_tokenizer_json
from transforms.megatron import encode_index
from transforms.records import Rejection, stable_hash
from transforms.shards import ENCODE_BATCH, shuffled_order, split_of
from transforms.steps.io import SpreadFiles
from transforms.steps.spill import Spill, SpillValues, unspill
from transforms.steps.stage import RejectingDoFn, keep_or_reject


class _EncodeFile(RejectingDoFn):
    """Clean Parquet file -> (split, (order key, id, token bytes)) or rejected rows."""

    def __init__(
        self,
        tokenizer_path: str,
        eod_id: int,
        dtype: str,
        fractions: tuple[float, float],
        seed: int,
        fast: bool = True,
    ):
        super().__init__("tokenize")
        self._tokenizer_path = tokenizer_path
        self._fast = fast
        self._eod_id = eod_id
        self._dtype = dtype
        self._fractions = fractions
        self._seed = seed
        self._encoder: Encoder | None = None

    def setup(self):
        self._encoder = load_encoder(read_tokenizer_json(self._tokenizer_path), self._fast)

    def process(self, path: str):
        with FileSystems.open(path) as handle:
            parquet = pq.ParquetFile(handle)
            for batch in parquet.iter_batches(batch_size=ENCODE_BATCH, columns=["id", "text"]):
                ids, texts = batch.column("id").to_pylist(), batch.column("text").to_pylist()
                encoded = self._encoder.encode_batch(texts)
                for doc_id, text, token_ids in zip(ids, texts, encoded, strict=True):
                    yield from self._emit(doc_id, text, token_ids)

    def _emit(self, doc_id: str, text: str, token_ids: np.ndarray) -> Iterator[Any]:
        if not len(token_ids):
            yield self.reject(Rejection(doc_id, "no_tokens", "the text encodes to 0 tokens", text))
            return
        tokens = np.empty(len(token_ids) + 1, dtype=self._dtype)
        tokens[:-1] = token_ids
        tokens[-1] = self._eod_id
        self.count("tokenize.documents")  # as tokenize.kept; older than it, so still counted
        self.count("tokenize.tokens", len(tokens))
        order = stable_hash("order", str(self._seed), doc_id)
        yield self.keep((split_of(doc_id, *self._fractions), (order, doc_id, tokens.tobytes())))


class WriteShards(beam.PTransform):
    """(split, (order, id, tokens)) -> ``{split}_{NNNNN}.bin/.idx`` files; emits shard records.

    A split's shard count is its token total divided by ``target_shard_tokens`` (rounded up),
    computed in the pipeline and passed to the shard assignment as a side input. With
    ``spill`` (local runners) the tokens reach their shard through spill files, so neither the
    wait for the counts nor the shard grouping holds them.
    """

    def __init__(
        self,
        out_dir: str,
        dtype: str,
        target_shard_tokens: int,
        seed: int,
        spill: Spill | None = None,
    ):
        super().__init__()
        self._out_dir = out_dir.rstrip("/")
        self._dtype = dtype
        self._target = target_shard_tokens
        self._seed = seed
        self._spill = spill

    def expand(self, encoded):
        itemsize = np.dtype(self._dtype).itemsize
        target, seed = self._target, self._seed
        # Spilled before the shard counts are known: the assignment waits for them (a side
        # input), and what waits is held by a local runner, so it must be references.
        spilled = (
            encoded
            | "Count tokens"
            >> beam.MapTuple(
                lambda split, doc: ((split, doc[0], doc[1], len(doc[2]) // itemsize), doc[2])
            )
            | "Spill tokens" >> SpillValues(self._spill)
        )
        shard_counts = (
            spilled
            | "Tokens per doc" >> beam.MapTuple(lambda key, _: (key[0], key[3]))
            | "Tokens per split" >> beam.CombinePerKey(sum)
            | "Shards per split" >> beam.Map(lambda kv: (kv[0], max(1, math.ceil(kv[1] / target))))
        )

        def assign(key, tokens, counts=None):
            split, order, doc_id, _ = key
            shard = stable_hash("shard", str(seed), doc_id) % counts[split]
            return (split, shard), (order, doc_id, tokens)

        return (
            spilled
            | "Assign shard" >> beam.MapTuple(assign, counts=beam.pvalue.AsDict(shard_counts))
            | "Group shard" >> beam.GroupByKey()
            | "Write shard" >> beam.Map(self._write)
        )

    def _write(self, key_and_docs: tuple[tuple[str, int], Any]) -> dict[str, Any]:
        (split, shard), docs = key_and_docs
        # By seeded order hash, then id: a deterministic shuffle. Only (order, id, tokens or
        # their spill reference) is held; the tokens stream into the .bin one document at a time.
        ordered = shuffled_order(docs, unspill)
        itemsize = np.dtype(self._dtype).itemsize
        sizes: list[int] = []
        digest = hashlib.sha256()

        def bin_chunks():
            for _, _, tokens in ordered:
                data = unspill(tokens)
                sizes.append(len(data) // itemsize)
                digest.update(data)
                yield data

        name = f"{split}_{shard:05d}"
        # .bin first: a reader opening by .idx never finds an index without its data.
        write_file_atomically(f"{self._out_dir}/{name}.bin", bin_chunks())
        idx_bytes = encode_index(sizes, self._dtype)
        write_file_atomically(f"{self._out_dir}/{name}.idx", idx_bytes)
        return {
            "name": name,
            "split": split,
            "documents": len(sizes),
            "tokens": sum(sizes),
            "bin_bytes": sum(sizes) * itemsize,
            "bin_sha256": digest.hexdigest(),
            "idx_sha256": hashlib.sha256(idx_bytes).hexdigest(),
        }


class EncodeFiles(beam.PTransform):
    """Clean Parquet paths -> (encoded documents keyed by split, rejected rows)."""

    def __init__(self, paths: list[str], **encode_args: Any):
        super().__init__()
        self._paths = paths
        self._encode_args = encode_args

    def expand(self, pbegin):
        paths = pbegin | "Clean files" >> SpreadFiles(self._paths)
        return keep_or_reject(paths, "Encode", _EncodeFile(**self._encode_args))
