"""The one Beam wrapper that turns a pure per-document function into a pipeline step.

A step function takes a document dict and returns the (possibly changed) document to keep it,
or a :class:`~transforms.records.Drop` to reject it. The wrapper does the bookkeeping every
step shares: the rejected row with stage and reason, and ``kprep`` counters per outcome.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.records import Drop, make_rejected

REJECTED = "rejected"
METRICS_NAMESPACE = "kprep"
PROGRESS_EVERY_S = 30.0

log = logging.getLogger("kprep")


class Progress:
    """Periodic progress lines from inside a DoFn (the local runner reports counters only at the
    end, so long stages log from the workers): records, MB and MB/s of this worker."""

    def __init__(self, what: str, every_s: float = PROGRESS_EVERY_S):
        self._what = what
        self._every_s = every_s
        self._records = 0
        self._bytes = 0
        self._started = self._last = time.monotonic()

    def add(self, records: int, nbytes: int) -> None:
        self._records += records
        self._bytes += nbytes
        now = time.monotonic()
        if now - self._last >= self._every_s:
            self._last = now
            mb = self._bytes / 1e6
            log.info(
                "%s: %s records, %.1f MB, %.2f MB/s (one worker)",
                self._what,
                f"{self._records:,}",
                mb,
                mb / (now - self._started),
            )


StepFn = Callable[[dict[str, Any]], "dict[str, Any] | Drop"]


class _ApplyStep(beam.DoFn):
    def __init__(self, stage: str, fn: StepFn):
        self._stage = stage
        self._fn = fn
        self._counters: dict[str, Any] = {}

    def _count(self, name: str) -> None:
        if name not in self._counters:
            self._counters[name] = Metrics.counter(METRICS_NAMESPACE, name)
        self._counters[name].inc()

    def process(self, doc: dict[str, Any]):
        outcome = self._fn(doc)
        if isinstance(outcome, Drop):
            self._count(f"{self._stage}.dropped.{outcome.reason}")
            yield beam.pvalue.TaggedOutput(
                REJECTED,
                make_rejected(doc["id"], self._stage, outcome.reason, outcome.detail, doc["text"]),
            )
        else:
            self._count(f"{self._stage}.kept")
            yield outcome


class DocStep(beam.PTransform):
    """Apply ``fn`` to every document: returns (kept documents, rejected rows)."""

    def __init__(self, stage: str, fn: StepFn):
        super().__init__()
        self._stage = stage
        self._fn = fn

    def expand(self, docs):
        results = docs | beam.ParDo(_ApplyStep(self._stage, self._fn)).with_outputs(
            REJECTED, main="kept"
        )
        return results.kept, results[REJECTED]


def apply_then_flatten(inputs: Any, label: str, transform: beam.PTransform) -> Any:
    """``transform`` applied to one PCollection, or to each of a tuple of them and flattened
    (Beam turns a *list* on the left of ``|`` into data, so callers pass tuples).

    A Flatten of PCollections from different stages is materialised by the local runner; doing
    the per-element work first means only its (small) results are held, not documents.
    """
    if not isinstance(inputs, tuple):
        return inputs | label >> transform
    parts = [pcoll | f"{label} {number}" >> transform for number, pcoll in enumerate(inputs)]
    return parts | f"{label}: gather" >> beam.Flatten()
