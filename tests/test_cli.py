"""The command line is generated from the config: every option by its old flag and config key,
its help with its default once, and one loader for every command's --config."""

import re
from pathlib import Path

import pytest

from pipeline.cli import COMMAND_OPTIONS, build_parser, effective_config, main, unknown_flags
from pipeline.config import section_classes
from transforms.config_flags import flag_of

# Every config option that had a flag before the CLI was generated from the config:
# (commands, argv, config key, value). Values differ from the defaults so a lost flag shows.
OPTIONS = [
    (("run", "prepare"), ["--input", "a.jsonl,b/*.txt"], "input.patterns", ["a.jsonl", "b/*.txt"]),
    (("run", "prepare"), ["--format", "jsonl"], "input.format", "jsonl"),
    (("run", "prepare"), ["--text-field", "body"], "input.text_field", "body"),
    (("run", "prepare"), ["--text-split", "blank-line"], "input.text_split", "blank-line"),
    (("run", "prepare"), ["--strict"], "prepare.strict", True),
    (("run", "prepare"), ["--reduce-repeats"], "prepare.reduce_repeats", True),
    (("run", "prepare"), ["--output-shards", "3"], "prepare.output_shards", 3),
    (("run", "prepare"), ["--repeated-line-min-docs", "7"], "prepare.repeated_line_min_docs", 7),
    (
        ("run", "train-tokenizer", "tokenizer-report"),
        ["--vocab-size", "500"],
        "tokenizer.vocab_size",
        500,
    ),
    (
        ("run", "train-tokenizer", "tokenizer-report"),
        ["--sample-bytes", "1000"],
        "tokenizer.sample_bytes",
        1000,
    ),
    (
        ("run", "train-tokenizer", "tokenizer-report"),
        ["--no-morpheme-split"],
        "tokenizer.morpheme_split",
        False,
    ),
    (("tokenizer-report",), ["--compare-to", "t.json"], "tokenizer.compare_to", "t.json"),
    (("dedupe-params", "prepare"), ["--bands", "10"], "dedupe.bands", 10),
    (("dedupe-params", "prepare"), ["--rows", "4"], "dedupe.rows", 4),
    (("dedupe-params", "prepare"), ["--min-jaccard", "0.5"], "dedupe.min_jaccard", 0.5),
    (("run", "tokenize"), ["--valid-fraction", "0.1"], "shards.valid_fraction", 0.1),
    (("run", "tokenize"), ["--test-fraction", "0.2"], "shards.test_fraction", 0.2),
    (("run", "tokenize"), ["--seed", "7"], "shards.seed", 7),
    (("run", "tokenize"), ["--target-shard-tokens", "1000"], "shards.target_shard_tokens", 1000),
    (("run", "tokenize"), ["--seq-length", "512"], "shards.seq_length", 512),
    (("run", "tokenize"), ["--no-fast-encoder"], "shards.fast_encoder", False),
    (("run", "train"), ["--preset", "polyglot-ko-1.3b"], "train.preset", "polyglot-ko-1.3b"),
    (("run", "train"), ["--max-steps", "9"], "train.max_steps", 9),
    (("train", "neox-config"), ["--seq-len", "32"], "train.seq_len", 32),
    (("train", "neox-config"), ["--data-weights", "1,2.5"], "train.data_weights", [1.0, 2.5]),
    (("train", "neox-config"), ["--no-export"], "train.export", False),
    (("train", "neox-config"), ["--compile"], "train.compile", True),
    (("train",), ["--lr", "0.003"], "train.lr", 0.003),
]
REQUIRED = {
    "run": ["--output", "o"],
    "prepare": ["--output", "o"],  # --input or [input] patterns: prepare says which is missing
    "train-tokenizer": ["--input", "r", "--output", "t"],
    "tokenizer-report": ["--input", "r", "--tokenizer", "t"],
    "tokenize": ["--input", "r", "--tokenizer", "t", "--output", "s"],
    "train": [],
    "neox-config": ["--data", "d"],
    "dedupe-params": [],
}
CASES = [
    (command, argv, key, value) for commands, argv, key, value in OPTIONS for command in commands
]


def value_at(config, key):
    section, name = key.split(".")
    return getattr(getattr(config, section), name)


@pytest.mark.parametrize(("command", "argv", "key", "value"), CASES)
def test_every_option_works_by_its_flag(command, argv, key, value):
    args, _ = build_parser().parse_known_args([command, *REQUIRED[command], *argv])
    assert value_at(effective_config(args), key) == value


@pytest.mark.parametrize(("command", "argv", "key", "value"), CASES)
def test_every_option_works_by_its_config_key(command, argv, key, value, tmp_path):
    section, name = key.split(".")
    toml = repr(value).replace("True", "true").replace("False", "false").replace("'", '"')
    path = tmp_path / "kprep.toml"
    path.write_text(f"[{section}]\n{name} = {toml}\n")
    args, _ = build_parser().parse_known_args([command, *REQUIRED[command], "--config", str(path)])
    assert value_at(effective_config(args), key) == value


def test_flags_override_the_config_file(tmp_path):
    path = tmp_path / "kprep.yaml"
    path.write_text("shards:\n  seed: 5\n  valid_fraction: 0.3\n")
    args, _ = build_parser().parse_known_args(["run", "--output", "o", "--config", str(path)])
    assert effective_config(args).shards.seed == 5
    args, _ = build_parser().parse_known_args(
        ["run", "--output", "o", "--config", str(path), "--seed", "6"]
    )
    config = effective_config(args)
    assert config.shards.seed == 6 and config.shards.valid_fraction == 0.3


def option_help(text: str, flag: str) -> str:
    """The help block of one option in argparse's --help output."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"\s+{flag}\b", line))
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if re.match(r"\s+-", line) or not line.startswith(" "):
            break
        block.append(line)
    return " ".join(part.strip() for part in block)


@pytest.mark.parametrize("command", sorted(COMMAND_OPTIONS))
def test_help_shows_each_option_with_its_default_once(command):
    parser = build_parser()
    text = parser._subparsers._group_actions[0].choices[command].format_help()
    classes = section_classes()
    for section, only in COMMAND_OPTIONS[command].items():
        for field in classes[section].__dataclass_fields__.values():
            flag = flag_of(field)
            if flag is None or (only is not None and field.name not in only):
                continue
            block = option_help(text, flag)
            assert block.count("(default:") == 1, (command, flag, block)
            default = field.default
            if isinstance(default, int | float) and not isinstance(default, bool) and default:
                shown = re.search(r"\(default: ([^)]*)\)", block).group(1).replace(",", "")
                assert float(shown) == default, (command, flag, shown)


SAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "sample.jsonl")


@pytest.mark.parametrize(
    ("argv", "named", "suggested"),
    [
        (["--valid-fractoin", "0.5"], "--valid-fractoin", "--valid-fraction"),
        (["--bogus-flag"], "--bogus-flag", None),
        (["--direct_num_worker=2"], "--direct_num_worker", "--direct_num_workers"),
        (["--text-feild", "body"], "--text-feild", "--text-field"),
    ],
)
def test_a_flag_nobody_knows_stops_the_command_before_anything_runs(
    argv, named, suggested, tmp_path, capsys
):
    out = tmp_path / "run"
    assert main(["prepare", "--input", SAMPLE, "--output", str(out), *argv]) == 2
    error = capsys.readouterr().err
    assert named in error and not out.exists()
    if suggested:
        assert f"did you mean {suggested}" in error


def test_beam_flags_still_pass_through():
    args, extra = build_parser().parse_known_args(
        ["prepare", "--output", "o", "--runner=DirectRunner", "--direct_num_workers", "2"]
    )
    assert unknown_flags(args.command, extra) == []
