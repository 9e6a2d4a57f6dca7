"""The ``kprep`` command line: one subcommand per stage, and ``run`` for all of them.

Every config option's flag, help and default come from the config dataclasses
(pipeline/config.py, transforms/config_flags.py); :data:`COMMAND_OPTIONS` says which sections
each command takes. ``--config FILE`` (TOML or YAML) sets any option; flags override it.
Flags kprep does not know (``--runner``, ``--direct_num_workers``, ...) pass through to Beam's
PipelineOptions.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import logging
import os
import sys
import time
from collections.abc import Collection
from pathlib import Path

from pipeline import stages
from pipeline.config import ConfigError, KprepConfig, build_config, section_classes
from runners.paths import absolute_path, worker_paths
from transforms.config_flags import add_flags, flag_values, load_config_file
from transforms.files import write_json
from transforms.layout import RunLayout

log = logging.getLogger("kprep")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SAMPLE_INPUTS = [str(EXAMPLES / "sample.jsonl"), str(EXAMPLES / "sample_html.jsonl.gz")]

SELECT_HELP = """\
Re-select a finished run's clean/ by its columns, without running prepare again: writes
OUTPUT/clean/ (the rows where EXPR holds, in the run's order), OUTPUT/rejected/ (the run's
rejected rows, and the refused clean rows as stage `select` with EXPR as reason) and
OUTPUT/stats.json; `kprep verify`, `report`, `train-tokenizer` and `tokenize` take OUTPUT.

EXPR compares clean/ columns with numbers or quoted strings, joined by and/or/not:
  < <= > >= == !=, chains (0.2 <= korean_share < 0.9), in (...), not in (...),
  is None, is not None, parentheses, struct fields (pii_counts.tel > 0).
Columns: id, source, lang, lang_score, korean_share, cluster_size, pii_counts.*, and the
filters' signals (docs/cleaning.md): chars, hangul_share, mean_word_length, symbol_ratio,
bullet_line_frac, ellipsis_line_frac, dup_line_frac, dup_line_char_frac, spam_words_per_1k,
top_{2,3,4}gram_char_frac, dup_{5..10}gram_char_frac. A row where a column it reads is null
does not match. Nothing is evaluated as Python.

examples:
  kprep select runs/a --where 'korean_share >= 0.5' --output runs/a-ko50
  kprep select runs/a --where "lang == 'ko' and dup_line_frac < 0.2" --output runs/b
  kprep select runs/a --where 'cluster_size == 1 and spam_words_per_1k == 0' --output runs/c

Filtering runs before dedupe in prepare, so a stricter prepare can keep another member of a
near-duplicate cluster; see docs/cleaning.md ("Re-selecting")."""

ALL = None  # every command-line field of the section
TOKENIZER_TRAINING = ("vocab_size", "sample_bytes", "morpheme_split")
# The config sections (and fields) each command takes as flags.
COMMAND_OPTIONS: dict[str, dict[str, Collection[str] | None]] = {
    "run": {
        "input": ALL,
        "prepare": ALL,
        "dedupe": ALL,
        "decontaminate": ALL,
        "tokenizer": TOKENIZER_TRAINING,
        "shards": ALL,
        "train": ("preset", "max_steps"),
    },
    "prepare": {"input": ALL, "prepare": ALL, "dedupe": ALL, "decontaminate": ALL},
    "train-tokenizer": {"tokenizer": TOKENIZER_TRAINING},
    "tokenizer-report": {"tokenizer": ALL},
    "tokenize": {"shards": ALL},
    "train": {"train": ALL},
    "neox-config": {"train": ALL},
    "dedupe-params": {"dedupe": ALL},
    "report": {},
    "verify": {},
    "eval": {},
    "select": {},
}
BEAM_COMMANDS = ("run", "prepare", "train-tokenizer", "tokenize")

# Per command, the path flags that Beam workers read or write (with input.patterns for run and
# prepare), and those only this process uses. Both kinds are made absolute before any graph is
# built; only worker paths must be on a filesystem that a remote runner's workers share.
WORKER_PATH_FLAGS = {
    "run": ("output", "tokenizer"),
    "prepare": ("output",),
    "train-tokenizer": ("input",),  # clean/ and the tokenizer sample beside it
    "tokenize": ("input", "tokenizer", "output"),
}
LAUNCHER_PATH_FLAGS = {
    "train-tokenizer": ("output",),  # BPE trains and saves here, in this process
    "tokenizer-report": ("tokenizer", "input"),
}


def _add_config_options(parser: argparse.ArgumentParser, command: str) -> None:
    """The command's config flags, generated from the config dataclasses, and --config."""
    classes = section_classes()
    for section, only in COMMAND_OPTIONS[command].items():
        if section == "train":
            group = parser.add_argument_group("training config")
            add_flags(group, classes[section], section, only, unset="the preset's")
        else:
            add_flags(parser, classes[section], section, only)
    if COMMAND_OPTIONS[command]:
        parser.add_argument("--config", help="TOML or YAML file setting any option; flags win")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO (default), WARNING")


def build_parser() -> argparse.ArgumentParser:
    from pipeline.evaluate import add_eval_arguments
    from trainer.launch import add_neox_config_arguments, add_train_arguments

    parser = argparse.ArgumentParser(
        prog="kprep",
        description="Korean pretraining data on Apache Beam: clean, dedupe, mask PII, train a "
        "BPE vocabulary, write GPT-NeoX shards, train a GPT-NeoX model. Unknown flags "
        "(--runner, --direct_num_workers, ...) go to Beam.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="every stage in order (on the bundled sample without --input)")
    p.add_argument("--output", required=True, help="run directory")
    p.add_argument(
        "--tokenizer", help="use this tokenizer (dir or tokenizer.json) instead of training one"
    )
    p.add_argument("--skip-train", action="store_true", help="stop after writing the shards")
    p.add_argument("--force", action="store_true", help="rerun stages that are already complete")

    p = sub.add_parser(
        "prepare", help="read, normalise, filter, mask PII, dedupe -> clean/, rejected/"
    )
    p.add_argument("--output", required=True, help="run directory")

    p = sub.add_parser("train-tokenizer", help="train the byte-level BPE vocabulary on clean/")
    p.add_argument("--input", required=True, help="run directory holding clean/")
    p.add_argument("--output", required=True, help="tokenizer directory (e.g. DIR/tokenizer)")

    p = sub.add_parser(
        "tokenizer-report", help="bytes and characters per token, side by side with another"
    )
    p.add_argument("--tokenizer", required=True, help="tokenizer directory or tokenizer.json")
    p.add_argument(
        "--input",
        required=True,
        help="run directory (held-out clean/ documents, outside the training sample) or JSONL",
    )

    p = sub.add_parser("tokenize", help="clean/ -> Megatron .bin/.idx shards, manifest.json")
    p.add_argument("--input", required=True, help="run directory holding clean/")
    p.add_argument("--tokenizer", required=True, help="tokenizer directory or tokenizer.json")
    p.add_argument("--output", required=True, help="shards directory (e.g. DIR/shards)")

    p = sub.add_parser("train", help="train the bundled GPT-NeoX on shards")
    add_train_arguments(p)

    p = sub.add_parser("neox-config", help="write a complete GPT-NeoX YAML for the shards")
    add_neox_config_arguments(p)

    sub.add_parser("dedupe-params", help="the near-duplicate detection curve of bands x rows")

    p = sub.add_parser("report", help="an HTML page and a markdown summary of a run")
    p.add_argument("dir", help="run directory")

    p = sub.add_parser("verify", help="check a run directory; exit 0 only when all holds")
    p.add_argument("dir", help="run directory")

    p = sub.add_parser(
        "eval", help="held-out perplexity and KoBEST-style benchmarks (lm-eval) -> eval.json"
    )
    add_eval_arguments(p)

    p = sub.add_parser(
        "select",
        help="re-select a run's clean/ by its columns -> a new run directory",
        description=SELECT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dir", help="run directory of a finished prepare")
    p.add_argument("--where", required=True, help="the expression clean rows must satisfy")
    p.add_argument("--output", required=True, help="new run directory (not the input's)")

    for command, command_parser in sub.choices.items():
        _add_config_options(command_parser, command)
    return parser


def effective_config(args: argparse.Namespace) -> KprepConfig:
    """Defaults, then ``--config``'s file, then the config flags given."""
    file_values = load_config_file(args.config) if getattr(args, "config", None) else {}
    return build_config(file_values, flag_values(args))


def resolve_paths(args: argparse.Namespace, config: KprepConfig, beam_args: list[str]) -> None:
    """Make the command's local paths absolute, in ``args`` and ``config`` (in place).

    Raises RunnerError when a remote runner's workers would need a local path: before anything
    runs or is written.
    """
    flags = [flag for flag in WORKER_PATH_FLAGS.get(args.command, ()) if getattr(args, flag)]
    patterns = config.input.patterns if args.command in ("run", "prepare") else []
    resolved = worker_paths([*patterns, *(getattr(args, flag) for flag in flags)], beam_args)
    for flag, path in zip(flags, resolved[len(patterns) :], strict=True):
        setattr(args, flag, path)
    for flag in LAUNCHER_PATH_FLAGS.get(args.command, ()):
        if getattr(args, flag):
            setattr(args, flag, absolute_path(getattr(args, flag)))
    if patterns:
        config.input = dataclasses.replace(config.input, patterns=resolved[: len(patterns)])
    if config.decontaminate.paths and args.command in ("run", "prepare"):  # workers read them
        benchmarks = worker_paths(config.decontaminate.paths, beam_args)
        config.decontaminate = dataclasses.replace(config.decontaminate, paths=benchmarks)
    if config.tokenizer.compare_to:
        compare_to = absolute_path(config.tokenizer.compare_to)
        config.tokenizer = dataclasses.replace(config.tokenizer, compare_to=compare_to)


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s kprep: %(message)s", datefmt="%H:%M:%S"
    )
    # Beam's own INFO/WARN chatter (worker start-up, gRPC) drowns kprep's progress lines.
    logging.getLogger("apache_beam").setLevel(logging.ERROR)
    logging.getLogger("lm_eval").setLevel(logging.WARNING)  # its progress bars stay


def cmd_run(args: argparse.Namespace, beam_args: list[str], config: KprepConfig) -> int:
    if not config.input.patterns:
        config.input = dataclasses.replace(config.input, patterns=SAMPLE_INPUTS)
        log.info("no --input: running on the bundled sample in %s", EXAMPLES)
    layout = RunLayout(args.output)
    plan = stages.RunPlan(
        config=config,
        layout=layout,
        beam_args=beam_args,
        tokenizer=args.tokenizer or layout.tokenizer,
        tokenizer_given=bool(args.tokenizer),
        skip_train=args.skip_train,
    )
    started = time.monotonic()
    stages.run_all(plan, force=args.force)
    print(f"\nkprep run finished in {time.monotonic() - started:.1f} s.")
    print(f"Outputs in {layout.root}:")
    for name, what in layout.outputs():
        if Path(layout.root, name).exists():
            print(f"  {name:<12} {what}")
    print(f"Check it with: kprep verify {layout.root}")
    return 0


def cmd_tokenizer_report(args: argparse.Namespace, config: KprepConfig) -> int:
    from tokenizer_training.report import (
        RELEASED_TOKENIZER,
        format_report,
        held_out_sample,
        tokenizer_report,
    )

    texts = held_out_sample(
        args.input, config.tokenizer.sample_bytes, config.tokenizer.held_out_bytes
    )
    compare_to = config.tokenizer.compare_to or RELEASED_TOKENIZER
    print(format_report(tokenizer_report(args.tokenizer, texts, compare_to)))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from pipeline.verify import verify_run

    print(f"verify {args.dir}")
    failures = verify_run(args.dir)
    print(f"\n{'all checks passed' if not failures else f'{len(failures)} check(s) failed'}")
    return 0 if not failures else 1


def cmd_select(args: argparse.Namespace) -> int:
    from pipeline.select import run_select

    stats = run_select(absolute_path(args.dir), args.where, absolute_path(args.output))
    print(
        f"select: {stats['records_in']} clean rows of {stats['source']} -> {stats['clean']} "
        f"clean, {stats['rejected']} rejected ({stats['wall_s']} s)\n"
        f"  where {stats['where']}\n  -> {args.output}\n"
        f"Check it with: kprep verify {args.output}"
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline.report import write_report

    html_path, md_path = write_report(args.dir)
    print(f"report: {html_path}\n        {md_path}")
    return 0


def dispatch(args: argparse.Namespace, beam_args: list[str]) -> int:
    """Run the parsed command."""
    if args.command == "verify":
        return cmd_verify(args)
    if args.command == "report":
        return cmd_report(args)
    if args.command == "eval":
        from pipeline.evaluate import run_eval

        return run_eval(args)
    if args.command == "select":
        return cmd_select(args)
    config = effective_config(args)
    if args.command == "dedupe-params":
        from transforms.dedupe import describe_params

        print(describe_params(config.dedupe))
        return 0
    if args.command == "train":
        from trainer.launch import run_train

        return run_train(args, config.train)
    if args.command == "neox-config":
        from trainer.launch import run_neox_config

        return run_neox_config(args, config.train)
    resolve_paths(args, config, beam_args)  # before any graph is built
    if args.command == "run":
        return cmd_run(args, beam_args, config)
    if args.command == "prepare":
        write_json(RunLayout(args.output).config_file, config.to_dict())
        stages.prepare(config, args.output, beam_args)
    elif args.command == "train-tokenizer":
        stages.train_tokenizer(config, args.input, args.output, beam_args)
    elif args.command == "tokenizer-report":
        return cmd_tokenizer_report(args, config)
    elif args.command == "tokenize":
        stages.tokenize(config, args.input, args.tokenizer, args.output, beam_args)
    return 0


def unknown_flags(command: str, extra: list[str]) -> list[str]:
    """The flags in ``extra`` that neither kprep's ``command`` nor Beam (for the commands that
    run a Beam pipeline) understands."""
    from runners.options import beam_flags

    known = beam_flags() if command in BEAM_COMMANDS else set()
    flags = [arg.split("=", 1)[0] for arg in extra if arg.startswith("-")]
    return [flag for flag in flags if flag not in known]


def _closest_flag(parser: argparse.ArgumentParser, command: str, flag: str) -> str:
    """ " (did you mean --x?)" from this command's and Beam's flags, else from another command's."""
    from runners.options import beam_flags

    commands = parser._subparsers._group_actions[0].choices
    own = set(commands[command]._option_string_actions)
    if command in BEAM_COMMANDS:
        own |= beam_flags()
    if match := difflib.get_close_matches(flag, sorted(own), n=1, cutoff=0.75):
        return f" (did you mean {match[0]}?)"
    for other, other_parser in commands.items():
        match = difflib.get_close_matches(flag, other_parser._option_string_actions, 1, 0.75)
        if match:
            return f" (did you mean {match[0]}? it is a flag of `kprep {other}`)"
    return ""


def _user_errors() -> tuple[type[Exception], ...]:
    from pipeline.prepare import AccountingError, NothingKept, StrictCheckFailed
    from pipeline.select import SelectError
    from pipeline.tokenize import TokenizerError
    from runners.local import RunnerError
    from trainer.benchmarks import EvalTaskError
    from trainer.launch import TrainingFailed
    from transforms.decontaminate import BenchmarkError
    from transforms.files import InputError

    return (
        ConfigError,
        BenchmarkError,
        InputError,
        RunnerError,
        TokenizerError,
        AccountingError,
        StrictCheckFailed,
        NothingKept,
        SelectError,
        TrainingFailed,
        EvalTaskError,
        FileNotFoundError,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    _setup_logging(args.log_level)
    if unknown := unknown_flags(args.command, extra):
        for flag in unknown:
            hint = _closest_flag(parser, args.command, flag)
            print(f"kprep {args.command}: error: unknown flag {flag}{hint}", file=sys.stderr)
        print(f"See `kprep {args.command} --help`; nothing was run.", file=sys.stderr)
        return 2
    if extra and args.command not in BEAM_COMMANDS:  # values with no flag
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return dispatch(args, extra)
    except _user_errors() as err:
        print(f"kprep {args.command}: error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        if args.command in ("train", "neox-config", "eval"):  # their own checks
            print(f"kprep {args.command}: error: {err}", file=sys.stderr)
            return 2
        raise


def entry() -> None:
    """The console script: main(), then an exit that skips interpreter teardown.

    After a multi_processing run, gRPC threads that Beam's local runner leaves behind
    occasionally abort the process (SIGABRT, "terminate called without an active exception")
    while Python tears down, after every output is written. Nothing is left to do by then, so
    flush and leave directly with main()'s exit code.
    """
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
