"""The one place where records are kept or rejected: rejected rows and outcome counters.

Every step that drops records (read, filter, dedupe, tokenize) is a :class:`RejectingDoFn`: its
``process`` yields ``self.keep(value)`` or ``self.reject(rejection)`` (``self.route(either)``
when its core returns documents or :class:`~transforms.records.Rejection` values), and the base
writes the rejected row (stage, reason, detail, duplicate_of) and counts ``<stage>.kept`` and
``<stage>.dropped.<reason>``. :func:`keep_or_reject` applies one and returns (kept, rejected).

A step that is a pure per-document function is a :class:`DocStep`: the function returns the
(possibly changed) document to keep it, or a :class:`~transforms.records.Drop` to reject it.
Steps that are not (read: many rows per file; dedupe: verdicts after groupings; tokenize: keyed
shard records) subclass :class:`RejectingDoFn` themselves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.filters.signals import signals_of
from transforms.records import Drop, Rejection, check_stage, language_of, make_rejected

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


T = TypeVar("T")


class RejectingDoFn(beam.DoFn):
    """Base of every DoFn that keeps or rejects records for ``stage``; ``process`` yields what
    :meth:`keep` and :meth:`reject` return, and they count the outcome."""

    def __init__(self, stage: str):
        self._stage = check_stage(stage)  # a wrong name fails when the graph is built
        self._counters: dict[str, Any] = {}

    def count(self, name: str, value: int = 1) -> None:
        """Add ``value`` to the ``kprep`` counter ``name``."""
        # Created on first use: the reasons a step meets are not known in advance.
        if name not in self._counters:
            self._counters[name] = Metrics.counter(METRICS_NAMESPACE, name)
        self._counters[name].inc(value)

    def keep(self, value: T) -> T:
        """``value`` for the main output, counted as ``<stage>.kept``."""
        self.count(f"{self._stage}.kept")
        return value

    def reject(self, rejection: Rejection) -> beam.pvalue.TaggedOutput:
        """The rejected row for the ``rejected`` output, counted as ``<stage>.dropped.<reason>``."""
        self.count(f"{self._stage}.dropped.{rejection.reason}")
        row = make_rejected(
            rejection.id,
            self._stage,
            rejection.reason,
            rejection.detail,
            rejection.text,
            rejection.duplicate_of,
            rejection.language,
            rejection.signals,
        )
        return beam.pvalue.TaggedOutput(REJECTED, row)

    def route(self, outcome: Any) -> Any:
        """:meth:`reject` for a :class:`Rejection`, :meth:`keep` for anything else."""
        return self.reject(outcome) if isinstance(outcome, Rejection) else self.keep(outcome)


def keep_or_reject(pcoll: Any, label: str, dofn: RejectingDoFn) -> tuple[Any, Any]:
    """``dofn`` applied to ``pcoll``: (kept values, rejected rows)."""
    results = pcoll | label >> beam.ParDo(dofn).with_outputs(REJECTED, main="kept")
    return results.kept, results[REJECTED]


# A step function may also have a ``setup()`` (to load a model or a word list): it runs once per
# DoFn instance on the worker, before the first document.
StepFn = Callable[[dict[str, Any]], "dict[str, Any] | Drop"]


class _ApplyStep(RejectingDoFn):
    def __init__(self, stage: str, fn: StepFn):
        super().__init__(stage)
        self._fn = fn

    def setup(self) -> None:
        setup = getattr(self._fn, "setup", None)
        if setup is not None:
            setup()

    def process(self, doc: dict[str, Any]):
        outcome = self._fn(doc)
        if isinstance(outcome, Drop):
            rejection = Rejection(
                doc["id"],
                outcome.reason,
                outcome.detail,
                doc["text"],
                # a step after the filters rejects a document that has them already
                language=outcome.language or language_of(doc),
                signals=outcome.signals or signals_of(doc),
            )
            yield self.reject(rejection)
        else:
            yield self.keep(outcome)


class DocStep(beam.PTransform):
    """Apply ``fn`` to every document: returns (kept documents, rejected rows)."""

    def __init__(self, stage: str, fn: StepFn):
        super().__init__()
        self._apply = _ApplyStep(stage, fn)

    def expand(self, docs):
        return keep_or_reject(docs, "Apply", self._apply)


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
