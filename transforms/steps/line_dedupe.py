"""Corpus-wide repeated-line removal (C4's line dedupe with a document threshold) in Beam.

    docs ─► (line key, (text key, id)) per distinct line ─► GroupByKey ─► (id, line key) ─┐
      └──► (id, doc) ─────────────────────────────────────────────────────────────► join by id
                                                                                        └► docs

A line found in more than ``min_docs`` distinct documents (navigation, footers, copyright
notices) is kept only in its keeper, the document with the smallest id, and in exact copies of
the keeper's text, and removed from all the others; so the result does not depend on input order
or bundling. Exact copies of one text count as one document: a text repeated 1,000 times is a
duplicate for dedupe to drop, not 1,000 documents whose every line is boilerplate (which would
empty the copies before dedupe saw them). Each line group is read in two passes (distinct texts
and keeper, then the removals).
Lines shorter than ``min_line_chars`` are never counted or removed: short headings, list
numbers and one-word replies ("감사합니다.", "제1조(목적)") repeat across documents and are text.
Documents come out with the same fields; one whose every line went is kept with empty text, for
the filters to drop with a reason. On a local run both groupings spill (transforms/steps/spill.py):
documents cross the join as file references and line keys go through partition files.

The per-line and per-document functions are in transforms/line_dedupe.py.
"""

from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.line_dedupe import MIN_LINE_CHARS, line_records, removals_for_line, remove_lines
from transforms.steps.spill import Spill, SpillingGroupByKey, SpillValues, unspill
from transforms.steps.stage import METRICS_NAMESPACE


class _RemoveLines(beam.DoFn):
    def __init__(self, min_line_chars: int):
        self._min_line_chars = min_line_chars
        self._docs_changed = Metrics.counter(METRICS_NAMESPACE, "repeated_lines.docs_changed")
        self._lines_removed = Metrics.counter(METRICS_NAMESPACE, "repeated_lines.lines_removed")

    def process(self, joined: tuple[str, Iterable[tuple[str, Any]]]) -> Iterator[dict[str, Any]]:
        _, items = joined
        keys = {value for tag, value in items if tag == "remove"}
        for doc in (unspill(value) for tag, value in items if tag == "doc"):
            if not keys:
                yield doc
                continue
            text, removed = remove_lines(doc["text"], keys, self._min_line_chars)
            if removed:
                self._docs_changed.inc()
                self._lines_removed.inc(removed)
            yield dict(doc, text=text)


class RemoveRepeatedLines(beam.PTransform):
    """Documents in, the same documents out, lines repeated across documents kept once."""

    def __init__(
        self,
        min_docs: int = 5,
        min_line_chars: int = MIN_LINE_CHARS,
        spill: Spill | None = None,
    ):
        super().__init__()
        if min_docs < 1:
            raise ValueError(f"min_docs must be at least 1, got {min_docs}")
        self._min_docs = min_docs
        self._min_line_chars = min_line_chars
        self._spill = spill

    def expand(self, docs):
        min_line_chars = self._min_line_chars
        removals = (
            docs
            | "Line keys" >> beam.FlatMap(line_records, min_line_chars=min_line_chars)
            | "Group by line" >> SpillingGroupByKey(self._spill)
            | "Pick keepers" >> beam.FlatMap(removals_for_line, min_docs=self._min_docs)
        )
        keyed_docs = (
            docs
            | "Key by id" >> beam.Map(lambda doc: (doc["id"], doc))
            | "Spill documents" >> SpillValues(self._spill)
            | "Tag documents" >> beam.MapTuple(lambda doc_id, doc: (doc_id, ("doc", doc)))
        )
        removals = removals | "Tag removals" >> beam.MapTuple(lambda i, key: (i, ("remove", key)))
        return (
            (keyed_docs, removals)
            | "Join to documents" >> SpillingGroupByKey(self._spill)
            | "Remove lines" >> beam.ParDo(_RemoveLines(min_line_chars))
        )
