"""Corpus-wide repeated-line removal (C4's line dedupe with a document threshold) in Beam.

    docs ─► (line key, (text key, id)) per distinct line ─► GroupByKey ─► (id, line key) ─┐
      └──► (id, doc) ─────────────────────────────────────────────────────────────► join by id
                                                                                        └► docs

Which lines go and which document keeps them is decided by transforms/line_dedupe.py: a line
in more than ``min_docs`` distinct texts stays only in its keeper and the keeper's copies. On a
local run both groupings spill (transforms/steps/spill.py): documents cross the join as file
references and line keys go through partition files.
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
