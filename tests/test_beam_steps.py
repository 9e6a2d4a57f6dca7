"""The shared Beam wrappers, run on the local FnApiRunner in one process."""

import json
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.util import assert_that, equal_to

from runners.options import make_pipeline
from transforms.records import REJECTED_SCHEMA, Drop, Rejection, make_document, make_rejected
from transforms.steps.io import WriteSortedParquet
from transforms.steps.stage import METRICS_NAMESPACE, DocStep, RejectingDoFn, keep_or_reject

ARGS = ["--direct_running_mode=in_memory"]


def run_counters(pipeline: beam.Pipeline) -> dict[str, int]:
    """Run ``pipeline``; its kprep counters by name."""
    result = pipeline.run()
    result.wait_until_finish()
    query = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
    return {c.key.metric.name: c.committed for c in query["counters"]}


def drop_short(doc):
    return Drop("too_short", f"chars={len(doc['text'])}") if len(doc["text"]) < 3 else doc


def test_doc_step_splits_kept_and_rejected_and_counts_both():
    docs = [
        make_document(i, text, "s") for i, text in (("a", "가나다라"), ("b", "가"), ("c", "나"))
    ]
    pipeline = make_pipeline(ARGS)
    kept, rejected = pipeline | beam.Create(docs) | DocStep("filter", drop_short)
    assert_that(kept, equal_to(docs[:1]), label="kept")
    assert_that(
        rejected,
        equal_to(
            [
                make_rejected("b", "filter", "too_short", "chars=1", "가"),
                make_rejected("c", "filter", "too_short", "chars=1", "나"),
            ]
        ),
        label="rejected",
    )
    assert run_counters(pipeline) == {"filter.kept": 1, "filter.dropped.too_short": 2}


def test_a_later_step_keeps_the_language_and_signals_a_document_has():
    from transforms.clean import filter_document
    from transforms.filters.base import FilterConfig
    from transforms.filters.signals import SIGNAL_COLUMNS

    sample = Path(__file__).resolve().parent.parent / "examples" / "sample.jsonl"
    text = json.loads(sample.read_text(encoding="utf-8").splitlines()[0])["text"]
    doc = filter_document(make_document("a", text, "s"), FilterConfig())
    assert isinstance(doc, dict)
    pipeline = make_pipeline(ARGS)
    _, rejected = pipeline | beam.Create([doc]) | DocStep("dedupe", lambda d: Drop("later"))
    measured = ("lang", "lang_score", "korean_share", *SIGNAL_COLUMNS)
    row = make_rejected("a", "dedupe", "later", "", text)
    row.update({name: doc[name] for name in measured})
    assert_that(rejected, equal_to([row]))
    pipeline.run().wait_until_finish()


class NeedsWordList:
    """A rule that loads what it needs in ``setup()``, as a model-backed filter would; called
    before its setup, or set up twice, it fails."""

    def __init__(self):
        self.words = None

    def setup(self):
        assert self.words is None, "setup ran twice on one instance"
        self.words = {"도박"}

    def __call__(self, doc):
        if any(word in doc["text"] for word in self.words):
            return Drop("spam_words", "도박")
        return doc


def test_doc_step_sets_its_rule_up_once_before_the_first_document():
    docs = [make_document(f"d{i}", "도박 사이트" if i % 2 else "뉴스", "s") for i in range(20)]
    pipeline = make_pipeline(ARGS)
    kept, rejected = pipeline | beam.Create(docs) | DocStep("filter", NeedsWordList())
    assert_that(
        kept | "kept ids" >> beam.Map(lambda d: d["id"]),
        equal_to([f"d{i}" for i in range(0, 20, 2)]),
        label="kept",
    )
    assert_that(
        rejected | beam.Map(lambda r: r["id"]), equal_to([f"d{i}" for i in range(1, 20, 2)])
    )
    assert run_counters(pipeline) == {"filter.kept": 10, "filter.dropped.spam_words": 10}


class _SplitLines(RejectingDoFn):
    """A step that is not a per-document map: many rows per input, and rejections with
    ``duplicate_of``, like read and dedupe."""

    def process(self, text: str):
        seen: dict[str, str] = {}
        for number, line in enumerate(text.splitlines()):
            doc_id = f"line-{number}"
            if line in seen:
                yield self.reject(Rejection(doc_id, "exact", "repeated", line, seen[line]))
            elif not line:
                yield self.route(Rejection(doc_id, "empty"))
            else:
                seen[line] = doc_id
                yield self.route(make_document(doc_id, line, "s"))


def test_rejecting_dofn_writes_rows_and_counts_for_any_step():
    pipeline = make_pipeline(ARGS)
    kept, rejected = keep_or_reject(
        pipeline | beam.Create(["가\n\n가\n나"]), "Split", _SplitLines("dedupe")
    )
    assert_that(
        kept | "kept ids" >> beam.Map(lambda d: d["id"]),
        equal_to(["line-0", "line-3"]),
        label="kept",
    )
    assert_that(
        rejected,
        equal_to(
            [
                make_rejected("line-1", "dedupe", "empty"),
                make_rejected("line-2", "dedupe", "exact", "repeated", "가", "line-0"),
            ]
        ),
        label="rejected",
    )
    assert run_counters(pipeline) == {
        "dedupe.kept": 2,
        "dedupe.dropped.empty": 1,
        "dedupe.dropped.exact": 1,
    }


def test_an_unknown_stage_fails_when_the_graph_is_built():
    with pytest.raises(ValueError, match="unknown stage 'pii'"):
        DocStep("pii", drop_short)


def test_sorted_parquet_is_byte_identical_whatever_the_input_order(tmp_path):
    rows = [make_rejected(f"id-{i:03d}", "read", "invalid_json", "", "x" * i) for i in range(50)]
    outputs = []
    for name, order in (("forward", rows), ("backward", rows[::-1])):
        directory = tmp_path / name
        with make_pipeline(ARGS) as pipeline:
            _ = (
                pipeline
                | beam.Create(order)
                | WriteSortedParquet(str(directory), REJECTED_SCHEMA, 3)
            )
        outputs.append({p.name: p.read_bytes() for p in sorted(directory.glob("*.parquet"))})
    assert outputs[0] == outputs[1]
    assert sorted(outputs[0]) == [f"part-0000{i}-of-00003.parquet" for i in range(3)]
    table = pq.read_table(tmp_path / "forward")
    assert sorted(table.column("id").to_pylist()) == [r["id"] for r in rows]
