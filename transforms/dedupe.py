"""Exact deduplication: one keeper per identical normalised text, chosen deterministically."""

from __future__ import annotations

from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.records import make_rejected, stable_hash
from transforms.stage import METRICS_NAMESPACE, REJECTED


def text_key(text: str) -> int:
    """The dedupe key of an already-normalised text."""
    return stable_hash(text)


def pick_exact_keeper(docs: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(keeper with ``cluster_size`` set, rejected rows for the rest): the smallest id wins."""
    ordered = sorted(docs, key=lambda doc: doc["id"])
    keeper = dict(ordered[0], cluster_size=len(ordered))
    rejected = [
        make_rejected(
            doc["id"],
            "dedupe",
            "exact",
            f"same text as {keeper['id']}",
            doc["text"],
            duplicate_of=keeper["id"],
        )
        for doc in ordered[1:]
    ]
    return keeper, rejected


class _KeepOne(beam.DoFn):
    def __init__(self):
        self._removed = Metrics.counter(METRICS_NAMESPACE, "dedupe.dropped.exact")

    def process(self, key_and_docs):
        keeper, rejected = pick_exact_keeper(list(key_and_docs[1]))
        yield keeper
        for row in rejected:
            self._removed.inc()
            yield beam.pvalue.TaggedOutput(REJECTED, row)


class ExactDedupe(beam.PTransform):
    """Documents -> (one keeper per identical text, rejected duplicates with ``duplicate_of``)."""

    def expand(self, docs):
        results = (
            docs
            | "Key by text" >> beam.Map(lambda doc: (text_key(doc["text"]), doc))
            | "Group identical" >> beam.GroupByKey()
            | "Keep smallest id" >> beam.ParDo(_KeepOne()).with_outputs(REJECTED, main="kept")
        )
        return results.kept, results[REJECTED]
