"""The PII masking step of ``prepare``, with a counter per kind; transforms/pii.py does the work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.pii import PII_REGISTRY, scrub_pii_with_counts
from transforms.steps.stage import METRICS_NAMESPACE


class _MaskPii(beam.DoFn):
    def __init__(self, tokens: Mapping[str, str]):
        self._tokens = dict(tokens)
        self._counters = {
            kind.name: Metrics.counter(METRICS_NAMESPACE, kind.counter) for kind in PII_REGISTRY
        }

    def process(self, doc: dict[str, Any]):
        text, counts = scrub_pii_with_counts(doc["text"], self._tokens)
        for kind, count in counts.items():
            if count:
                self._counters[kind].inc(count)
        yield dict(doc, text=text, pii_counts=counts)


class MaskPii(beam.PTransform):
    """Replace every PII number by its kind's token; count them per kind."""

    def __init__(self, tokens: Mapping[str, str]):
        super().__init__()
        self._tokens = dict(tokens)

    def expand(self, docs):
        return docs | beam.ParDo(_MaskPii(self._tokens))
