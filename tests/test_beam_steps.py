"""The shared Beam wrappers, run on the local FnApiRunner in one process."""

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.testing.util import assert_that, equal_to

from runners.options import make_pipeline
from transforms.records import REJECTED_SCHEMA, Drop, make_document, make_rejected
from transforms.steps.io import WriteSortedParquet
from transforms.steps.stage import DocStep

ARGS = ["--direct_running_mode=in_memory"]


def drop_short(doc):
    return Drop("too_short", f"chars={len(doc['text'])}") if len(doc["text"]) < 3 else doc


def test_doc_step_splits_kept_and_rejected():
    docs = [make_document("a", "가나다라", "s"), make_document("b", "가", "s")]
    with make_pipeline(ARGS) as pipeline:
        kept, rejected = pipeline | beam.Create(docs) | DocStep("filter", drop_short)
        assert_that(kept | "kept ids" >> beam.Map(lambda d: d["id"]), equal_to(["a"]), label="kept")
        assert_that(
            rejected | beam.Map(lambda r: (r["id"], r["stage"], r["reason"], r["detail"])),
            equal_to([("b", "filter", "too_short", "chars=1")]),
            label="rejected",
        )


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
