"""Tokenize clean documents and write them as shuffled Megatron shards, in Beam.

Each document becomes ``encode(text).ids + [eod]``; its split, shard and place in the shard come
from transforms/shards.py, its group and how many times it is written from transforms/mixing.py,
the file format from transforms/megatron.py.
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
from transforms.mixing import SOURCE, group_column, group_of, repeats_for, shard_prefix
from transforms.records import Rejection, stable_hash
from transforms.shards import ENCODE_BATCH, shuffled_order, split_of
from transforms.steps.io import SpreadFiles
from transforms.steps.spill import Spill, SpillValues, unspill
from transforms.steps.stage import RejectingDoFn, keep_or_reject


class _EncodeFile(RejectingDoFn):
    """Clean Parquet file -> ((split, shard group), (order key, id, token bytes, group, times
    written, group field missing)) or rejected rows.

    ``group`` is the document's ``mix_by`` group (its source by default), counted in the
    manifest; the shard group is that group for train documents when ``mixed``, else None (one
    stream). ``schedule`` (cluster-size buckets) sets how many times a train document is written.
    """

    def __init__(
        self,
        tokenizer_path: str,
        eod_id: int,
        dtype: str,
        fractions: tuple[float, float],
        seed: int,
        fast: bool = True,
        mix_by: str = SOURCE,
        mixed: bool = False,
        default_group: str = "unknown",
        schedule: list[tuple[int, int | None, int]] | None = None,
    ):
        super().__init__("tokenize")
        self._tokenizer_path = tokenizer_path
        self._fast = fast
        self._eod_id = eod_id
        self._dtype = dtype
        self._fractions = fractions
        self._seed = seed
        self._mix_by = mix_by
        self._mixed = mixed
        self._default_group = default_group
        self._schedule = schedule
        self._encoder: Encoder | None = None

    def setup(self):
        self._encoder = load_encoder(read_tokenizer_json(self._tokenizer_path), self._fast)

    def process(self, path: str):
        with FileSystems.open(path) as handle:
            parquet = pq.ParquetFile(handle)
            present = set(parquet.schema_arrow.names)
            extra = [group_column(self._mix_by, present)]
            extra += ["cluster_size"] if self._schedule and "cluster_size" in present else []
            extra = [name for name in dict.fromkeys(extra) if name]
            columns = ["id", "text", *extra]
            for batch in parquet.iter_batches(batch_size=ENCODE_BATCH, columns=columns):
                ids, texts = batch.column("id").to_pylist(), batch.column("text").to_pylist()
                rows = {name: batch.column(name).to_pylist() for name in extra}
                encoded = self._encoder.encode_batch(texts)
                for i, (doc_id, text, token_ids) in enumerate(
                    zip(ids, texts, encoded, strict=True)
                ):
                    row = {name: values[i] for name, values in rows.items()}
                    yield from self._emit(doc_id, text, token_ids, row)

    def _emit(
        self, doc_id: str, text: str, token_ids: np.ndarray, row: dict[str, Any]
    ) -> Iterator[Any]:
        if not len(token_ids):
            yield self.reject(Rejection(doc_id, "no_tokens", "the text encodes to 0 tokens", text))
            return
        tokens = np.empty(len(token_ids) + 1, dtype=self._dtype)
        tokens[:-1] = token_ids
        tokens[-1] = self._eod_id
        self.count("tokenize.documents")  # as tokenize.kept; older than it, so still counted
        self.count("tokenize.tokens", len(tokens))
        order = stable_hash("order", str(self._seed), doc_id)
        split = split_of(doc_id, *self._fractions)
        group, missing = group_of(row, self._mix_by, self._default_group)
        times = 1
        if self._schedule and split == "train":
            times = repeats_for(row.get("cluster_size"), self._schedule)
        shard_group = group if self._mixed and split == "train" else None
        doc = (order, doc_id, tokens.tobytes(), group, times, missing)
        yield self.keep(((split, shard_group), doc))


class WriteShards(beam.PTransform):
    """((split, group), doc) -> ``{split}_{NNNNN}.bin/.idx`` files, or
    ``{split}-{group}_{NNNNN}`` for a group's own shards; emits shard records.

    A stream's shard count is the tokens it writes divided by ``target_shard_tokens`` (rounded
    up), computed in the pipeline and passed to the shard assignment as a side input. A document
    written ``times`` times becomes that many copies, each with its own seeded shard and place
    (the first keeps the document's own, so a run without upsampling is unchanged). With
    ``spill`` (local runners) the tokens reach their shard through spill files, so neither the
    wait for the counts nor the shard grouping holds them; the copies share one spilled array.
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
                lambda key, doc: ((key, doc[0], doc[1], len(doc[2]) // itemsize, doc[4]), doc[2])
            )
            | "Spill tokens" >> SpillValues(self._spill)
        )
        shard_counts = (
            spilled
            | "Tokens per doc" >> beam.MapTuple(lambda key, _: (key[0], key[3] * key[4]))
            | "Tokens per split" >> beam.CombinePerKey(sum)
            | "Shards per split" >> beam.Map(lambda kv: (kv[0], max(1, math.ceil(kv[1] / target))))
        )

        def assign(key, tokens, counts=None):
            stream, order, doc_id, _, times = key
            for copy in range(times):
                tag = () if copy == 0 else (f"copy {copy}",)
                shard = stable_hash("shard", str(seed), doc_id, *tag) % counts[stream]
                place = order if copy == 0 else stable_hash("order", str(seed), doc_id, *tag)
                yield (stream, shard), (place, doc_id, tokens)

        return (
            spilled
            | "Assign shard" >> beam.FlatMapTuple(assign, counts=beam.pvalue.AsDict(shard_counts))
            | "Group shard" >> beam.GroupByKey()
            | "Write shard" >> beam.Map(self._write)
        )

    def _write(self, key_and_docs: tuple[tuple[tuple[str, str | None], int], Any]) -> dict:
        ((split, group), shard), docs = key_and_docs
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

        name = f"{shard_prefix(split, group)}_{shard:05d}"
        # .bin first: a reader opening by .idx never finds an index without its data.
        write_file_atomically(f"{self._out_dir}/{name}.bin", bin_chunks())
        idx_bytes = encode_index(sizes, self._dtype)
        write_file_atomically(f"{self._out_dir}/{name}.idx", idx_bytes)
        record: dict[str, Any] = {"name": name, "split": split}
        if group is not None:
            record["group"] = group
        record.update(
            {
                "documents": len(sizes),
                "tokens": sum(sizes),
                "bin_bytes": sum(sizes) * itemsize,
                "bin_sha256": digest.hexdigest(),
                "idx_sha256": hashlib.sha256(idx_bytes).hexdigest(),
            }
        )
        return record


class TallyGroups(beam.PTransform):
    """Encoded documents -> ((split, group), (documents, tokens, documents written, tokens
    written, documents without the group field)): the manifest's per-group counts
    (transforms.mixing.TALLY_FIELDS)."""

    def __init__(self, dtype: str):
        super().__init__()
        self._itemsize = np.dtype(dtype).itemsize

    def expand(self, encoded):
        itemsize = self._itemsize

        def tally(key, doc):
            (split, _), (_, _, tokens, group, times, missing) = key, doc
            count = len(tokens) // itemsize
            return (split, group), (1, count, times, count * times, int(missing))

        return (
            encoded
            | "Tally" >> beam.MapTuple(tally)
            | "Sum tallies" >> beam.CombinePerKey(_SumTallies())
        )


class _SumTallies(beam.CombineFn):
    def create_accumulator(self):
        return (0, 0, 0, 0, 0)

    def add_input(self, accumulator, value):
        return tuple(a + b for a, b in zip(accumulator, value, strict=True))

    def merge_accumulators(self, accumulators):
        total = (0, 0, 0, 0, 0)
        for accumulator in accumulators:
            total = self.add_input(total, accumulator)
        return total

    def extract_output(self, accumulator):
        return accumulator


class EncodeFiles(beam.PTransform):
    """Clean Parquet paths -> (encoded documents keyed by split, rejected rows)."""

    def __init__(self, paths: list[str], **encode_args: Any):
        super().__init__()
        self._paths = paths
        self._encode_args = encode_args

    def expand(self, pbegin):
        paths = pbegin | "Clean files" >> SpreadFiles(self._paths)
        return keep_or_reject(paths, "Encode", _EncodeFile(**self._encode_args))
