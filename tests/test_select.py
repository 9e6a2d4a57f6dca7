"""`kprep select` on a finished run against `kprep prepare` with the equivalent threshold.

Filtering runs before dedupe in prepare: where a stricter threshold refuses the keeper of a
near-duplicate cluster, prepare keeps another member (one that the first run rejected as a
duplicate), which select cannot bring back. Where no cluster straddles the threshold the two
clean/ are the same; where one does, select's clean/ is prepare's less those members.
"""

import json

import pyarrow.parquet as pq
import pytest

from pipeline.cli import SAMPLE_INPUTS, main
from pipeline.verify import verify_run


def prepare(out, thresholds: dict[str, float] | None = None):
    args = ["prepare", "--input", ",".join(SAMPLE_INPUTS), "--output", str(out)]
    if thresholds:
        config = out.parent / f"{out.name}.toml"
        lines = ["[prepare.filters]", *(f"{k} = {v}" for k, v in thresholds.items())]
        config.write_text("\n".join(lines) + "\n")
        args += ["--config", str(config)]
    assert main([*args, "--direct_running_mode=in_memory"]) == 0
    return out


def select(run, where, out):
    assert main(["select", str(run), "--where", where, "--output", str(out)]) == 0
    return out


def rows(directory):
    return pq.read_table(directory).to_pylist()


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    return prepare(tmp_path_factory.mktemp("select") / "default")


def assert_same_run(selected, prepared):
    assert rows(selected / "clean") == rows(prepared / "clean")  # every column, in order
    rejected = {r["id"] for r in rows(selected / "rejected")}
    assert rejected == {r["id"] for r in rows(prepared / "rejected")}
    assert verify_run(str(selected), echo=False) == []


def test_select_gives_the_clean_set_of_prepare_with_the_same_threshold(default_run, tmp_path):
    selected = select(default_run, "korean_share >= 0.3", tmp_path / "selected")
    prepared = prepare(tmp_path / "prepared", {"min_korean_share": 0.3})
    assert_same_run(selected, prepared)
    refused = [r for r in rows(selected / "rejected") if r["stage"] == "select"]
    assert refused and all(r["reason"] == "korean_share >= 0.3" for r in refused)
    assert all(r["detail"].startswith("korean_share=") and r["chars"] for r in refused)
    stats = json.loads((selected / "stats.json").read_text())["stages"]
    assert stats["select"]["records_in"] == stats["select"]["clean"] + len(refused)
    assert stats["prepare"]["records_in"] == len(rows(selected / "clean")) + len(
        rows(selected / "rejected")
    )


@pytest.mark.slow
def test_select_by_length_equals_prepare_by_length(default_run, tmp_path):
    selected = select(default_run, "chars >= 400", tmp_path / "selected")
    assert_same_run(selected, prepare(tmp_path / "prepared", {"min_chars": 400}))


@pytest.mark.slow
def test_a_refused_cluster_keeper_is_where_select_and_prepare_differ(default_run, tmp_path):
    selected = select(default_run, "korean_share >= 0.5", tmp_path / "selected")
    prepared = prepare(tmp_path / "prepared", {"min_korean_share": 0.5})
    chosen = {r["id"]: r for r in rows(selected / "clean")}
    kept = {r["id"]: r for r in rows(prepared / "clean")}
    assert set(chosen) < set(kept)
    for doc_id, row in chosen.items():
        other = dict(kept[doc_id], cluster_size=row["cluster_size"])
        assert other == row  # text, signals, language: the same row
        assert kept[doc_id]["cluster_size"] <= row["cluster_size"]  # its cluster lost members
    first_run = {r["id"]: r for r in rows(default_run / "rejected")}
    refused = {r["id"] for r in rows(selected / "rejected") if r["stage"] == "select"}
    for doc_id in set(kept) - set(chosen):
        duplicate = first_run[doc_id]
        assert duplicate["stage"] == "dedupe" and duplicate["duplicate_of"] in refused


@pytest.mark.slow
def test_a_selected_run_tokenizes_verifies_and_reports(run_dir, tmp_path):
    selected = select(run_dir, "lang == 'ko' and dup_line_frac < 0.2", tmp_path / "selected")
    shards = selected / "shards"
    code = main(
        [
            *("tokenize", "--input", str(selected), "--tokenizer", str(run_dir / "tokenizer")),
            *("--output", str(shards), "--direct_running_mode=in_memory"),
        ]
    )
    assert code == 0
    assert verify_run(str(selected), echo=False) == []
    assert main(["report", str(selected)]) == 0
    report = (selected / "report.md").read_text()
    assert "after select" in report and "lang == 'ko' and dup_line_frac < 0.2" in report


def test_select_refuses_a_bad_expression_and_its_own_input(default_run, tmp_path, capsys):
    assert main(["select", str(default_run), "--where", "korean_shar > 0.2", "--output", "x"]) == 2
    assert "did you mean korean_share?" in capsys.readouterr().err
    where = ["--where", "chars > 1"]
    assert main(["select", str(default_run), *where, "--output", str(default_run)]) == 2
    assert "another directory" in capsys.readouterr().err
    assert main(["select", str(tmp_path), *where, "--output", str(tmp_path / "b")]) == 2
    assert "run `kprep prepare` first" in capsys.readouterr().err


def test_a_select_of_a_select_accounts_for_both(default_run, tmp_path):
    first = select(default_run, "korean_share >= 0.3", tmp_path / "first")
    second = select(first, "chars >= 400", tmp_path / "second")
    assert verify_run(str(second), echo=False) == []
    stats = json.loads((second / "stats.json").read_text())["stages"]
    assert stats["select"]["earlier"]["where"] == "korean_share >= 0.3"
    refused = [r["reason"] for r in rows(second / "rejected") if r["stage"] == "select"]
    assert refused.count("korean_share >= 0.3") == stats["select"]["earlier"]["rejected"]
    assert refused.count("chars >= 400") == stats["select"]["rejected"] > 0
    (second / "shards").mkdir()
    assert main(["select", str(first), "--where", "chars > 1", "--output", str(second)]) == 2
