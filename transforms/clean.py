"""Per-document cleaning steps of ``prepare``: normalise, filter, mask PII."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.boilerplate import strip_boilerplate_lines
from transforms.filters.base import Drop, FilterConfig, first_failing_filter
from transforms.normalize import html_to_text, looks_like_html, normalize_text
from transforms.pii import PII_KINDS, scrub_pii, scrub_pii_with_counts
from transforms.stage import METRICS_NAMESPACE


def clean_text(doc: dict[str, Any], reduce_repeats: bool = False) -> dict[str, Any]:
    """The document with markup turned into text, normalised, boilerplate lines removed."""
    text = doc["text"]
    if looks_like_html(text):
        text = html_to_text(text)
    text, _ = strip_boilerplate_lines(normalize_text(text, reduce_repeats=reduce_repeats))
    return dict(doc, text=text)


def filter_document(doc: dict[str, Any], config: FilterConfig) -> dict[str, Any] | Drop:
    """The document, or the first quality filter it fails."""
    return first_failing_filter(doc["text"], config) or doc


class _MaskPii(beam.DoFn):
    def __init__(self, tokens: Mapping[str, str]):
        self._tokens = dict(tokens)
        self._counters = {
            kind: Metrics.counter(METRICS_NAMESPACE, f"pii.{kind}") for kind in PII_KINDS
        }

    def process(self, doc: dict[str, Any]):
        text, counts = scrub_pii_with_counts(doc["text"], self._tokens)
        for kind, count in counts.items():
            if count:
                self._counters[kind].inc(count)
        yield dict(doc, text=text, pii_counts=counts)


class MaskPii(beam.PTransform):
    """Replace account, resident-registration and phone numbers by their tokens; count them."""

    def __init__(self, tokens: Mapping[str, str]):
        super().__init__()
        self._tokens = dict(tokens)

    def expand(self, docs):
        return docs | beam.ParDo(_MaskPii(self._tokens))


def scrub_rejected(row: dict[str, Any], tokens: Mapping[str, str]) -> dict[str, Any]:
    """Rejected text is a dataset artefact too: it leaves the pipeline with PII masked."""
    return dict(row, text=scrub_pii(row["text"], tokens)) if row["text"] else row
