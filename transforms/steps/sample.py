"""The Beam step that reads the tokenizer's sample from clean/ and splits it into morphemes.

Kiwi is the slow step (about 0.1-0.15 MB/s per core), so it runs in parallel on the Beam workers;
which documents are sampled is decided in tokenizer_training/sample.py.
"""

from __future__ import annotations

import apache_beam as beam

from tokenizer_training.morphemes import load_kiwi, split_morphemes
from tokenizer_training.sample import read_sampled
from transforms.steps.io import SpreadFiles, WriteTotals


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
