import pytest

from pipeline.config import ConfigError, build_config, load_config_file


def test_defaults_match_the_released_tokenizer_layout():
    config = build_config()
    assert config.tokenizer.vocab_size == 30000
    assert config.pii.tokens == {"acc": "<|acc|>", "rrn": "<|rrn|>", "tel": "<|tel|>"}


def test_file_then_flags(tmp_path):
    path = tmp_path / "kprep.toml"
    path.write_text('[input]\ntext_field = "body"\n[shards]\nseed = 7\nvalid_fraction = 0.1\n')
    config = build_config(load_config_file(path), {"shards.seed": 9, "input.patterns": "a,b"})
    assert config.input.text_field == "body"
    assert config.shards.seed == 9 and config.shards.valid_fraction == 0.1
    assert config.input.patterns == ["a", "b"]


def test_yaml_and_nested_sections(tmp_path):
    path = tmp_path / "kprep.yaml"
    path.write_text("pii:\n  tokens: {acc: '<|acc|>', rrn: '<|rrn|>', tel: '<|tell|>'}\n")
    assert build_config(load_config_file(path)).pii.tokens["tel"] == "<|tell|>"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"shards": {"sed": 1}}, "unknown option 'sed' in \\[config.shards\\]"),
        ({"shards": {"seed": "x"}}, "shards.seed must be a number"),
        ({"shards": {"seed": 1.5}}, "must be a whole number"),
        ({"prepare": {"reduce_repeats": 1}}, "must be true or false"),
        ({"shards": 3}, "must be a table"),
    ],
)
def test_bad_values_name_the_key(values, message):
    with pytest.raises(ConfigError, match=message):
        build_config(values)


def test_unknown_file_type(tmp_path):
    path = tmp_path / "kprep.ini"
    path.write_text("")
    with pytest.raises(ConfigError, match="use .toml"):
        load_config_file(path)
