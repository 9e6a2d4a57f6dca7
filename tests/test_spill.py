"""Spilled groupings: values cross a GroupByKey as file references, outputs unchanged."""

import contextlib
import os
from collections import Counter
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

import pipeline.prepare
import transforms.steps.spill
from pipeline.cli import main
from runners.paths import SPILL_PREFIX, spill_directory
from transforms.steps.spill import (
    Spill,
    SpillingCombinePerKey,
    SpillingGroupByKey,
    SpillRef,
    SpillValues,
    _SpillWriter,
    partition_of,
    unspill,
)

SAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "sample.jsonl")


def test_values_come_back_exactly(tmp_path):
    values = [{"id": "a", "text": "한국어 " * 1000}, (7, "b", b"\x00\x01"), None, "x"]
    writer = _SpillWriter(str(tmp_path))
    refs = [writer.put(value) for value in values]
    writer.close()
    assert all(isinstance(ref, SpillRef) for ref in refs)
    assert [unspill(ref) for ref in reversed(refs)] == list(reversed(values))


def test_other_values_pass_through_unspill():
    assert unspill({"id": "a"}) == {"id": "a"}
    assert unspill((1, 2, 3)) == (1, 2, 3)


def test_a_truncated_spill_file_is_an_error_that_says_why(tmp_path):
    writer = _SpillWriter(str(tmp_path))
    ref = writer.put("x" * 100)
    writer.close()
    os.truncate(ref.path, 10)
    with pytest.raises(RuntimeError, match="shorter than expected"):
        unspill(SpillRef(ref.path, ref.offset, ref.length))


def _grouped(spill):
    pairs = [(n % 5, {"n": n, "text": "가" * n}) for n in range(200)]
    with beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions([])) as p:
        grouped = (
            p
            | beam.Create(pairs)
            | SpillValues(spill)
            | beam.GroupByKey()
            | beam.MapTuple(lambda key, values: (key, sorted(v["n"] for v in map(unspill, values))))
        )
        assert_that(grouped, equal_to([(k, list(range(k, 200, 5))) for k in range(5)]))


def test_spilled_values_come_back_through_a_grouping(tmp_path):
    _grouped(Spill(str(tmp_path)))
    assert list(tmp_path.glob("*.spill"))  # the values did go through files


def test_without_a_spill_values_are_grouped_as_they_are():
    _grouped(None)


def test_partitions_are_stable_and_spread():
    keys = [f"key {n}".encode() for n in range(4000)] + [(n, "id") for n in range(4000)]
    partitions = [partition_of(key, 16) for key in keys]
    assert partitions == [partition_of(key, 16) for key in keys]
    counts = Counter(partitions)
    assert set(counts) == set(range(16)) and max(counts.values()) < 2 * 8000 / 16


def _group_with(spill, pairs, runner=None):
    with beam.Pipeline(runner=runner or FnApiRunner(), options=PipelineOptions([])) as p:
        grouped = (
            p
            | beam.Create(pairs, reshuffle=False)
            | SpillingGroupByKey(spill)
            | beam.MapTuple(lambda key, values: (key, sorted(values)))
        )
        summed = (
            p
            | "Create again" >> beam.Create(pairs, reshuffle=False)
            | SpillingCombinePerKey(beam.combiners.CountCombineFn(), spill)
        )
        expected: dict = {}
        for key, value in pairs:
            expected.setdefault(key, []).append(value)
        assert_that(grouped, equal_to([(k, sorted(v)) for k, v in expected.items()]))
        counts = [(k, len(v)) for k, v in expected.items()]
        assert_that(summed, equal_to(counts), label="counts")


@pytest.mark.parametrize("partitions", [1, 4, 64])
def test_spilling_group_by_key_groups_like_group_by_key(tmp_path, partitions, monkeypatch):
    monkeypatch.setattr(transforms.steps.spill, "BUFFERED_RECORDS", 7)  # many flushes per file
    # A hot key (5,000 values), keys of several types, values with text.
    pairs = [(b"hot", n) for n in range(5000)]
    pairs += [((n % 37, "node"), f"값 {n}") for n in range(3000)]
    pairs += [(f"id-{n % 101}", n) for n in range(1000)]
    _group_with(Spill(str(tmp_path), partitions), pairs)
    files = list(tmp_path.glob("*.group"))
    assert 1 <= len({f.name[:6] for f in files}) <= partitions


def test_spilling_groupings_count_what_they_move(tmp_path):
    pairs = [(b"hot", n) for n in range(300)] + [(n, n) for n in range(700)]
    p = beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions([]))
    _ = p | beam.Create(pairs) | "Group lines" >> SpillingGroupByKey(Spill(str(tmp_path), 4))
    result = p.run()
    result.wait_until_finish()
    query = result.metrics().query(MetricsFilter().with_namespace("kprep"))
    counted = {c.key.metric.name: c.committed for c in query["counters"]}
    assert counted["shuffle.group_lines.records"] == 1000
    assert counted["shuffle.group_lines.bytes"] > 1000
    largest = {d.key.metric.name: d.committed.max for d in query["distributions"]}
    assert largest["shuffle.group_lines.largest_group"] == 300
    assert 1000 / 4 <= largest["shuffle.group_lines.partition"] < 1000


def test_spilling_group_by_key_without_spill_is_group_by_key():
    _group_with(None, [(n % 3, n) for n in range(100)])


def test_spilling_group_by_key_on_the_bundle_based_runner(tmp_path):
    from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner

    pairs = [(n % 11, n) for n in range(500)]
    _group_with(Spill(str(tmp_path), 8), pairs, runner=BundleBasedDirectRunner())


@pytest.mark.parametrize(
    "args",
    [[], ["--runner=BundleBasedDirectRunner"], ["--runner=PortableRunner", "--job_endpoint=embed"]],
)
def test_local_runs_spill(tmp_path, args):
    with spill_directory(args, str(tmp_path), 10**6) as directory:
        assert directory is not None


@pytest.mark.parametrize(
    "args",
    [["--runner=DataflowRunner"], ["--runner=PortableRunner", "--job_endpoint=localhost:8099"]],
)
def test_distributed_runs_do_not_spill(args):
    with spill_directory(args, "gs://bucket/run", 10**6) as directory:
        assert directory is None


def test_spill_directory_is_removed_with_what_a_killed_run_left(tmp_path):
    stale = tmp_path / f"{SPILL_PREFIX}old"
    stale.mkdir()
    (stale / "x.spill").write_bytes(b"x")
    with spill_directory([], str(tmp_path), 10**6) as spill:
        directory = spill.directory
        assert Path(directory).parent == tmp_path and Path(directory).is_dir()
        assert not stale.exists()
    assert not Path(directory).exists()


def _prepare(out: Path) -> dict[str, bytes]:
    args = ["prepare", "--input", SAMPLE, "--output", str(out), "--direct_running_mode=in_memory"]
    assert main(args) == 0
    assert not list(out.glob(f"{SPILL_PREFIX}*"))
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.glob("*/*.parquet"))}


def test_prepare_writes_the_same_bytes_with_and_without_spilling(tmp_path, monkeypatch):
    spilled_values = []
    put = _SpillWriter.put
    monkeypatch.setattr(
        _SpillWriter, "put", lambda self, v: spilled_values.append(1) or put(self, v)
    )
    spilled = _prepare(tmp_path / "spilled")
    # Documents cross three groupings (repeated lines, dedupe, write) plus the rejected write.
    assert len(spilled_values) > 3 * 90

    monkeypatch.setattr(pipeline.prepare, "spill_directory", lambda *_: contextlib.nullcontext())
    in_memory = _prepare(tmp_path / "in_memory")
    assert len(spilled) >= 2
    assert spilled == in_memory
