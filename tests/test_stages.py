"""What kprep says when a stage finds nothing to work on, and that `kprep run` stops there."""

import json

import pytest

from pipeline.cli import main

LOCAL = ["--direct_running_mode=in_memory"]


@pytest.fixture
def everything_rejected(tmp_path):
    corpus = tmp_path / "short.jsonl"
    corpus.write_text(json.dumps({"id": "1", "text": "짧다"}, ensure_ascii=False) + "\n")
    return corpus


def test_run_stops_after_a_prepare_that_kept_nothing(everything_rejected, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--input", str(everything_rejected), "--output", str(out), *LOCAL]) != 0
    error = capsys.readouterr().err
    assert "prepare kept 0 of 1 documents: 1 rejected (filter: too_short)" in error
    assert f"{out}/rejected/" in error and f"kprep report {out}" in error
    assert "run `kprep prepare` first" not in error
    assert not (out / "tokenizer").exists() and not (out / "shards").exists()


@pytest.mark.parametrize("command", ["train-tokenizer", "tokenize"])
def test_later_stages_say_why_there_is_nothing_to_do(
    command, everything_rejected, tmp_path, capsys
):
    out = tmp_path / "run"
    assert main(["prepare", "--input", str(everything_rejected), "--output", str(out), *LOCAL]) == 0
    assert "prepare kept 0 of 1 documents" in capsys.readouterr().out
    argv = {
        "train-tokenizer": ["--output", str(out / "tokenizer")],
        "tokenize": ["--tokenizer", str(out / "tokenizer"), "--output", str(out / "shards")],
    }[command]
    assert main([command, "--input", str(out), *argv, *LOCAL]) == 2
    assert (
        "prepare kept 0 of 1 documents: 1 rejected (filter: too_short)" in capsys.readouterr().err
    )


def test_a_stage_before_prepare_says_to_run_prepare(tmp_path, capsys):
    argv = ["train-tokenizer", "--input", str(tmp_path), "--output", str(tmp_path / "t"), *LOCAL]
    assert main(argv) == 2
    assert "run `kprep prepare" in capsys.readouterr().err
