"""The run layout: every path of a run directory, the tokenizer it names, the NeoX data keys."""

import json

import pytest

from transforms.layout import (
    RunLayout,
    find_tokenizer,
    make_manifest,
    neox_data_config,
    padded_vocab_size,
    read_manifest,
    record_stage_stats,
    run_dir_of,
    tokenizer_json,
    write_manifest,
)


def test_every_run_path_comes_from_the_layout():
    layout = RunLayout("gs://bucket/run")
    assert layout.clean == "gs://bucket/run/clean"
    assert layout.rejected == "gs://bucket/run/rejected"
    assert layout.tokenizer == "gs://bucket/run/tokenizer"
    assert layout.tokenizer_sample == "gs://bucket/run/tokenizer_sample"
    assert layout.shards == "gs://bucket/run/shards"
    assert layout.model == "gs://bucket/run/model"
    assert layout.config_file == "gs://bucket/run/config.json"
    assert layout.stats_file == "gs://bucket/run/stats.json"
    assert layout.marker("prepare") == "gs://bucket/run/.kprep/prepare.json"
    assert run_dir_of(layout.clean) == layout.root
    assert run_dir_of("clean") == "."


@pytest.mark.parametrize(
    ("given", "found"),
    [
        ("run/tokenizer", "run/tokenizer/tokenizer.json"),
        ("run/tokenizer/", "run/tokenizer/tokenizer.json"),
        ("polyglot.json", "polyglot.json"),
        ("released.json.gz", "released.json.gz"),
    ],
)
def test_a_tokenizer_is_a_file_or_the_tokenizer_json_in_a_directory(given, found):
    assert tokenizer_json(given) == found


def test_vocabulary_padding_follows_gpt_neox():
    assert padded_vocab_size(30003) == 30080  # Polyglot-Ko 1.3B (FACTS §1)
    assert padded_vocab_size(128) == 128 and padded_vocab_size(129) == 256


def shard(name, split, tokens):
    return {"name": name, "split": split, "documents": 1, "tokens": tokens}


def test_manifest_and_neox_data_yaml_are_written_together(tmp_path):
    (tmp_path / "tokenizer").mkdir()
    (tmp_path / "tokenizer" / "tokenizer.json").write_text("{}")
    shards = tmp_path / "shards"
    records = [shard("train_00001", "train", 30), shard("train_00000", "train", 10)]
    tokenizer = {"path": str(tmp_path / "tokenizer"), "sha256": "x", "vocab_size": 9, "eod_id": 2}
    write_manifest(str(shards), make_manifest(records, tokenizer, "uint16", 7), seq_length=64)
    manifest = read_manifest(tmp_path)  # a run dir finds its shards/
    assert [s["name"] for s in manifest["shards"]] == ["train_00000", "train_00001"]
    assert manifest["splits"]["train"] == {"shards": 2, "documents": 2, "tokens": 40}
    import yaml

    neox = yaml.safe_load((shards / "neox_data.yml").read_text())
    assert neox["train_data_weights"] == [0.25, 0.75] and neox["valid_data_paths"] == []
    assert neox["vocab_file"] == str(tmp_path / "tokenizer" / "tokenizer.json")
    assert neox["seq_length"] == 64
    assert find_tokenizer(tmp_path) == str(tmp_path / "tokenizer")


def test_neox_data_blends_datasets_by_weight_shared_out_by_tokens():
    one = {"shards": [shard("train_00000", "train", 10), shard("train_00001", "train", 30)]}
    two = {"shards": [shard("train_00000", "train", 5)]}
    config = neox_data_config([("a", one, 1.0), ("b", two, 2.0)], "t.json")
    assert config["train_data_paths"] == ["a/train_00000", "a/train_00001", "b/train_00000"]
    assert config["train_data_weights"] == [0.25, 0.75, 2.0]
    assert config["test_data_paths"] == [] and config["vocab_file"] == "t.json"


def test_stage_stats_keep_the_other_stages(tmp_path):
    record_stage_stats(str(tmp_path), "prepare", {"clean": 3})
    record_stage_stats(str(tmp_path), "tokenize", {"tokens": 9})
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats == {"stages": {"prepare": {"clean": 3}, "tokenize": {"tokens": 9}}}
