"""Benchmark decontamination as a Beam step: the benchmark index is a side input, the corpus
streams past it (transforms/decontaminate.py is the matching itself).

The index is built once, by one worker, from the benchmark paths (a one-element PCollection, so
the graph carries paths, not benchmark text), and reaches every worker as a singleton side
input. Building it counts ``decontaminate.items.<benchmark>`` and
``decontaminate.items_indexed.<benchmark>``; matching counts ``decontaminate.kept``,
``decontaminate.dropped.benchmark_overlap`` and ``decontaminate.benchmark.<benchmark>``.
"""

from __future__ import annotations

from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.decontaminate import (
    REASON,
    BenchmarkIndex,
    DecontaminateConfig,
    build_index,
)
from transforms.records import Rejection
from transforms.steps.stage import METRICS_NAMESPACE, REJECTED, RejectingDoFn

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


class _BuildIndex(beam.DoFn):
    def process(self, config: DecontaminateConfig):
        index = build_index(config)
        for name, totals in index.totals().items():
            for what, value in totals.items():
                Metrics.counter(METRICS_NAMESPACE, f"{STAGE}.{what}.{name}").inc(value)
        yield index


class Decontaminate(beam.PTransform):
    """Remove documents sharing a long n-gram with a benchmark item: (kept, rejected rows)."""

    def __init__(self, config: DecontaminateConfig):
        super().__init__()
        self._config = config

    def expand(self, docs):
        index = (
            docs.pipeline
            | "Benchmarks" >> beam.Create([self._config])
            | "Index benchmarks" >> beam.ParDo(_BuildIndex())
        )
        results = docs | "Match" >> beam.ParDo(
            _Decontaminate(), beam.pvalue.AsSingleton(index)
        ).with_outputs(REJECTED, main="kept")
        return results.kept, results[REJECTED]
