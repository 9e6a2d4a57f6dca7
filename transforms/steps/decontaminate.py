"""Benchmark decontamination as a Beam step: the benchmark index is a side input, the corpus
streams past it (transforms/decontaminate.py is the matching itself).

The index is built once, by one worker, from the benchmark paths (a one-element PCollection, so
the graph carries paths, not benchmark text), and reaches every worker as a singleton side
input; each DoFn instance keeps the last index it was given, so a worker unpickles it once per
bundle at most and matches every document against the same object.
"""

from __future__ import annotations

from typing import Any

import apache_beam as beam

from transforms.decontaminate import (
    REASON,
    BenchmarkIndex,
    DecontaminateConfig,
    build_index,
)
from transforms.records import Rejection
from transforms.steps.stage import REJECTED, RejectingDoFn

STAGE = "decontaminate"


class _Decontaminate(RejectingDoFn):
    def __init__(self):
        super().__init__(STAGE)

    def process(self, doc: dict[str, Any], index: BenchmarkIndex):
        found = index.match(doc["text"])
        if found is None:
            yield self.keep(doc)
            return
        self.count(f"{STAGE}.benchmark.{found.benchmark}")
        yield self.reject(Rejection(doc["id"], REASON, found.detail(doc["text"]), doc["text"]))


class Decontaminate(beam.PTransform):
    """Remove documents sharing a long n-gram with a benchmark item: (kept, rejected rows)."""

    def __init__(self, config: DecontaminateConfig):
        super().__init__()
        self._config = config

    def expand(self, docs):
        index = (
            docs.pipeline
            | "Benchmarks" >> beam.Create([self._config])
            | "Index benchmarks" >> beam.Map(build_index)
        )
        results = docs | "Match" >> beam.ParDo(
            _Decontaminate(), beam.pvalue.AsSingleton(index)
        ).with_outputs(REJECTED, main="kept")
        return results.kept, results[REJECTED]
