"""``train-tokenizer``: draw and Kiwi-split the sample in Beam, then train BPE on it.

    clean/*.parquet -> Read sampled docs (id hash < threshold) -> Spread -> Split morphemes (Kiwi)
        -> sample-NNNNN-of-MMMMM.parquet (id, text; sorted by id)    sample.json (written last)

A document is in the sample when ``stable_hash("tokenizer-sample", id)`` falls below a threshold
set from the text bytes in clean/, so the same clean/ and size give the same sample on any runner,
and the held-out documents of ``kprep tokenizer-report`` are exactly those above it. Kiwi is the
slow step (about 0.1-0.15 MB/s per core), so it runs in parallel on the Beam workers; the split
sample is kept with a manifest and reused while clean/ and the options are unchanged.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from pipeline.prepare import NothingKept, nothing_kept_message
from runners.options import graph_only, make_pipeline
from tokenizer_training.morphemes import load_kiwi, split_morphemes
from tokenizer_training.sample import (
    SAMPLE_MANIFEST,
    SAMPLE_PREFIX,
    SAMPLE_SCHEMA,
    SAMPLE_TOTALS,
    SHARD_BYTES,
    read_sample,
    read_sampled,
    sample_fingerprint,
    sample_threshold,
    text_bytes,
)
from tokenizer_training.train import (
    SPECIAL_TOKENS,
    ordered_pii_tokens,
    save_tokenizer_dir,
    train_bpe,
)
from transforms.files import clear_parquet, join, list_parquet, read_json, write_json
from transforms.layout import RunLayout, run_dir_of
from transforms.steps.io import SpreadFiles, WriteSortedParquet, WriteTotals


class _SplitMorphemes(beam.DoFn):
    """Document -> the same document with U+0CF1 between the morphemes of each eojeol."""

    def __init__(self, protected: list[str]):
        self._protected = protected
        self._kiwi = None

    def setup(self):
        self._kiwi = load_kiwi()

    def process(self, doc: dict[str, str]):
        yield {"id": doc["id"], "text": split_morphemes(self._kiwi, doc["text"], self._protected)}


class SampleTexts(beam.PTransform):
    """Clean Parquet files -> the sampled documents, morpheme-split when asked."""

    def __init__(
        self,
        files: list[str],
        threshold: int,
        morpheme_split: bool,
        protected: list[str],
        totals_path: str,
    ):
        super().__init__()
        self._files = files
        self._threshold = threshold
        self._morpheme_split = morpheme_split
        self._protected = protected
        self._totals_path = totals_path

    def expand(self, pbegin):
        docs = (
            pbegin
            | "Files" >> SpreadFiles(self._files)
            | "Read sampled" >> beam.FlatMap(read_sampled, threshold=self._threshold)
        )
        _ = docs | "Count sampled" >> WriteTotals(
            self._totals_path, size=lambda doc: len(doc["text"].encode("utf-8"))
        )
        if not self._morpheme_split:
            return docs
        return (
            docs
            # Kiwi is the slow step: spread single documents, not whole files, over the workers.
            | "Spread documents" >> beam.Reshuffle()
            | "Split morphemes" >> beam.ParDo(_SplitMorphemes(self._protected))
        )


def build_sample(
    pipeline: beam.Pipeline,
    files: list[str],
    sample_dir: str,
    sample_bytes: int,
    morpheme_split: bool,
    protected: list[str],
) -> int:
    """The sample graph: about ``sample_bytes`` of ``files``' text, Kiwi-split, written sorted
    to ``sample_dir``. Returns the clean text bytes it samples from."""
    available = text_bytes(files)
    threshold = sample_threshold(available, sample_bytes)
    shards = max(1, math.ceil(min(available, sample_bytes) / SHARD_BYTES))
    totals_path = join(sample_dir, SAMPLE_TOTALS)
    _ = (
        pipeline
        | "Sample" >> SampleTexts(files, threshold, morpheme_split, protected, totals_path)
        | "Write sample" >> WriteSortedParquet(sample_dir, SAMPLE_SCHEMA, shards, SAMPLE_PREFIX)
    )
    return available


def write_sample(
    clean_dir: str,
    sample_dir: str,
    sample_bytes: int,
    morpheme_split: bool,
    protected: list[str],
    beam_args: list[str],
) -> dict[str, Any]:
    """Draw (and split) the training sample into ``sample_dir`` unless it is already there."""
    files = list_parquet(clean_dir)
    if not files:
        raise NothingKept(nothing_kept_message(run_dir_of(clean_dir)))
    fingerprint = sample_fingerprint(files, sample_bytes, morpheme_split, protected)
    manifest_path = join(sample_dir, SAMPLE_MANIFEST)
    if graph_only(beam_args):
        pipeline = make_pipeline(beam_args, "train_tokenizer")
        build_sample(pipeline, files, sample_dir, sample_bytes, morpheme_split, protected)
        pipeline.run()
        return {"graph_only": True}
    if FileSystems.exists(manifest_path):
        manifest = read_json(manifest_path)
        if manifest["fingerprint"] == fingerprint and list_parquet(sample_dir, SAMPLE_PREFIX):
            return dict(manifest["figures"], reused=True)
        FileSystems.delete([manifest_path])
    clear_parquet(sample_dir, SAMPLE_PREFIX)
    if not FileSystems.exists(sample_dir):
        FileSystems.mkdirs(sample_dir)

    started = time.monotonic()
    pipeline = make_pipeline(beam_args, "train_tokenizer")
    available = build_sample(pipeline, files, sample_dir, sample_bytes, morpheme_split, protected)
    result = pipeline.run()
    result.wait_until_finish()
    totals = read_json(join(sample_dir, SAMPLE_TOTALS))
    figures = {
        "documents": totals["records"],
        "bytes": totals["bytes"],
        "clean_text_bytes": available,
        "morpheme_split": morpheme_split,
        "analyser": fingerprint["analyser"],
        "beam_wall_s": round(time.monotonic() - started, 2),
    }
    write_json(manifest_path, {"fingerprint": fingerprint, "figures": figures})
    return dict(figures, reused=False)


def run_train_tokenizer(
    clean_dir: str,
    out_dir: str,
    vocab_size: int,
    sample_bytes: int,
    pii_tokens: Mapping[str, str],
    show_progress: bool = True,
    morpheme_split: bool = True,
    beam_args: list[str] | None = None,
    sample_dir: str | None = None,
) -> dict:
    """Sample clean/ in Beam, train BPE on it and save the Hugging Face files; returns figures.

    The split sample stays in ``sample_dir`` (default RUN_DIR/tokenizer_sample) and is reused
    by the next run with the same clean/ and options, so a new ``vocab_size`` costs no Kiwi time.
    """
    started = time.monotonic()
    sample_dir = sample_dir or RunLayout(run_dir_of(clean_dir)).tokenizer_sample
    sample = write_sample(
        clean_dir,
        sample_dir,
        sample_bytes,
        morpheme_split,
        protected=[*SPECIAL_TOKENS, *ordered_pii_tokens(pii_tokens)],
        beam_args=beam_args if beam_args is not None else [],
    )
    if sample.get("graph_only"):
        return sample
    if not sample["documents"]:
        raise ValueError(f"the tokenizer sample of {clean_dir} is empty: raise sample_bytes")
    sampled_s = time.monotonic()
    tokenizer = train_bpe(
        read_sample(sample_dir),
        vocab_size,
        pii_tokens,
        show_progress=show_progress,
        length=sample["documents"],
    )
    save_tokenizer_dir(tokenizer, out_dir)
    return {
        "sample_documents": sample["documents"],
        "sample_bytes": sample["bytes"],
        "sample_reused": sample["reused"],
        "morpheme_split": morpheme_split,
        "analyser": sample["analyser"],
        "vocab_size": tokenizer.get_vocab_size(with_added_tokens=True),
        "merges": len(json.loads(tokenizer.to_str())["model"]["merges"]),
        "sample_wall_s": round(sampled_s - started, 2),
        "bpe_wall_s": round(time.monotonic() - sampled_s, 2),
        "wall_s": round(time.monotonic() - started, 2),
    }
