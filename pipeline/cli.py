"""The ``kprep`` command line: one subcommand per stage, and ``run`` for all of them.

Flags the subcommand does not know (``--runner``, ``--direct_num_workers``, ...) pass through to
Beam's PipelineOptions. ``--config FILE`` (TOML or YAML) sets any option; flags override it.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from pipeline.config import ConfigError, KprepConfig, build_config, load_config_file
from pipeline.outputs import CONFIG_FILE, record_stage_stats
from runners.paths import absolute_path, worker_paths
from transforms.files import join, write_json

log = logging.getLogger("kprep")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SAMPLE_INPUTS = [str(EXAMPLES / "sample.jsonl"), str(EXAMPLES / "sample_html.jsonl.gz")]

RUN_OUTPUTS = [
    ("config.json", "effective config"),
    ("stats.json", "counts and timings per stage"),
    ("clean/", "clean documents (Parquet)"),
    ("rejected/", "rejected rows with stage and reason"),
    ("tokenizer/", "Hugging Face tokenizer"),
    ("shards/", "Megatron .bin/.idx, manifest.json, neox_data.yml"),
    ("model/", "trained GPT-NeoX (Hugging Face)"),
]

# Flag -> config key, per group of flags; the flags' defaults are None so the config decides.
INPUT_FLAGS = {
    "input": "input.patterns",
    "format": "input.format",
    "text_field": "input.text_field",
    "text_split": "input.text_split",
}
PREPARE_FLAGS = {
    "strict": "prepare.strict",
    "reduce_repeats": "prepare.reduce_repeats",
    "output_shards": "prepare.output_shards",
    "repeated_line_min_docs": "prepare.repeated_line_min_docs",
}
TOKENIZER_FLAGS = {
    "vocab_size": "tokenizer.vocab_size",
    "sample_bytes": "tokenizer.sample_bytes",
    "morpheme_split": "tokenizer.morpheme_split",
}
DEDUPE_FLAGS = {
    "bands": "dedupe.bands",
    "rows": "dedupe.rows",
    "min_jaccard": "dedupe.min_jaccard",
}
TRAIN_FLAGS = {"preset": "train.preset", "max_steps": "train.max_steps"}
SHARD_FLAGS = {
    "valid_fraction": "shards.valid_fraction",
    "test_fraction": "shards.test_fraction",
    "seed": "shards.seed",
    "target_shard_tokens": "shards.target_shard_tokens",
    "seq_length": "shards.seq_length",
    "fast_encoder": "shards.fast_encoder",
}

# The flag groups that make up each pipeline command's config.
COMMAND_FLAGS = {
    "run": [INPUT_FLAGS, PREPARE_FLAGS, TOKENIZER_FLAGS, SHARD_FLAGS, TRAIN_FLAGS],
    "prepare": [INPUT_FLAGS, PREPARE_FLAGS],
    "train-tokenizer": [TOKENIZER_FLAGS],
    "tokenizer-report": [TOKENIZER_FLAGS],
    "tokenize": [SHARD_FLAGS],
}

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
    "tokenizer-report": ("tokenizer", "input", "compare_to"),
}


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="TOML or YAML file setting any option; flags override it")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO (default), WARNING")


def _add_input_flags(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument(
        "--input",
        required=required,
        help="file, directory or glob; several joined by commas "
        "(local, gs://, s3://). JSONL, plain text or Parquet; .gz/.zst/.bz2/.xz by extension",
    )
    parser.add_argument(
        "--format",
        choices=["auto", "jsonl", "text", "parquet"],
        default=None,
        help="input format (default: by extension)",
    )
    parser.add_argument(
        "--text-field", default=None, help="JSONL/Parquet field with the text (default: text)"
    )
    parser.add_argument(
        "--text-split",
        choices=["file", "blank-line"],
        default=None,
        help="plain text: one document per file (default) or per blank-line block",
    )


def _add_prepare_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strict",
        action="store_true",
        default=None,
        help="fail (after writing outputs) when an input file could not be read to the end",
    )
    parser.add_argument(
        "--reduce-repeats",
        action="store_true",
        default=None,
        help="shorten runs of a repeated character (ㅋㅋㅋㅋ -> ㅋㅋ)",
    )
    parser.add_argument(
        "--output-shards",
        type=int,
        default=None,
        help="Parquet files in clean/ (default: one per ~128 MB of input)",
    )
    parser.add_argument(
        "--repeated-line-min-docs",
        type=int,
        default=None,
        help="keep a line found in more than this many documents only once",
    )


def _add_tokenizer_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-morpheme-split",
        dest="morpheme_split",
        action="store_false",
        default=None,
        help="train plain byte-level BPE (default: merges never cross Kiwi morpheme boundaries)",
    )
    parser.add_argument(
        "--vocab-size",
        type=int,
        default=None,
        help="ids before the 3 PII tokens (default 30000 -> 30,003 in all)",
    )
    parser.add_argument(
        "--sample-bytes",
        type=int,
        default=None,
        help="bytes of clean text to train on (default 1e9)",
    )


def _add_shard_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--valid-fraction", type=float, default=None, help="default 0.01")
    parser.add_argument("--test-fraction", type=float, default=None, help="default 0.01")
    parser.add_argument("--seed", type=int, default=None, help="shuffle seed (default 1234)")
    parser.add_argument(
        "--target-shard-tokens", type=int, default=None, help="tokens per shard file (default 5e8)"
    )
    parser.add_argument(
        "--seq-length",
        type=int,
        default=None,
        help="seq_length written into neox_data.yml (default 2048)",
    )
    parser.add_argument(
        "--no-fast-encoder",
        dest="fast_encoder",
        action="store_false",
        default=None,
        help="encode with tokenizers only (default: tiktoken where it is proven to give the "
        "same ids)",
    )


def build_parser() -> argparse.ArgumentParser:
    from trainer.launch import add_neox_config_arguments, add_train_arguments

    parser = argparse.ArgumentParser(
        prog="kprep",
        description="Korean pretraining data on Apache Beam: clean, dedupe, mask PII, train a "
        "BPE vocabulary, write GPT-NeoX shards, train a GPT-NeoX model. Unknown flags "
        "(--runner, --direct_num_workers, ...) go to Beam.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="every stage in order (on the bundled sample without --input)")
    _add_input_flags(p, required=False)
    p.add_argument("--output", required=True, help="run directory")
    p.add_argument(
        "--tokenizer", help="use this tokenizer (dir or tokenizer.json) instead of training one"
    )
    p.add_argument("--skip-train", action="store_true", help="stop after writing the shards")
    p.add_argument("--force", action="store_true", help="rerun stages that are already complete")
    p.add_argument(
        "--preset", default=None, help="model preset for the training stage (default tiny)"
    )
    p.add_argument(
        "--max-steps", type=int, default=None, help="training steps (default: the preset's)"
    )
    _add_prepare_flags(p)
    _add_tokenizer_flags(p)
    _add_shard_flags(p)
    _add_common(p)

    p = sub.add_parser(
        "prepare", help="read, normalise, filter, mask PII, dedupe -> clean/, rejected/"
    )
    _add_input_flags(p, required=True)
    p.add_argument("--output", required=True, help="run directory")
    _add_prepare_flags(p)
    _add_common(p)

    p = sub.add_parser("train-tokenizer", help="train the byte-level BPE vocabulary on clean/")
    p.add_argument("--input", required=True, help="run directory holding clean/")
    p.add_argument("--output", required=True, help="tokenizer directory (e.g. DIR/tokenizer)")
    _add_tokenizer_flags(p)
    _add_common(p)

    p = sub.add_parser(
        "tokenizer-report", help="bytes and characters per token, side by side with another"
    )
    p.add_argument("--tokenizer", required=True, help="tokenizer directory or tokenizer.json")
    p.add_argument(
        "--input",
        required=True,
        help="run directory (held-out clean/ documents, outside the training sample) or JSONL",
    )
    p.add_argument(
        "--compare-to", default=None, help="another tokenizer.json (default: Polyglot-Ko's)"
    )
    _add_tokenizer_flags(p)
    _add_common(p)

    p = sub.add_parser("tokenize", help="clean/ -> Megatron .bin/.idx shards, manifest.json")
    p.add_argument("--input", required=True, help="run directory holding clean/")
    p.add_argument("--tokenizer", required=True, help="tokenizer directory or tokenizer.json")
    p.add_argument("--output", required=True, help="shards directory (e.g. DIR/shards)")
    _add_shard_flags(p)
    _add_common(p)

    p = sub.add_parser("train", help="train the bundled GPT-NeoX on shards")
    add_train_arguments(p)
    p.add_argument("--config", help="TOML or YAML file; its [train] table sets any train option")
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO (default), WARNING")

    p = sub.add_parser("neox-config", help="write a complete GPT-NeoX YAML for the shards")
    add_neox_config_arguments(p)
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO (default), WARNING")

    p = sub.add_parser(
        "dedupe-params", help="the near-duplicate detection curve of a bands x rows setting"
    )
    p.add_argument("--bands", type=int, default=None, help="LSH bands")
    p.add_argument("--rows", type=int, default=None, help="rows (hashes) per band")
    p.add_argument("--min-jaccard", type=float, default=None, help="candidate check threshold")
    _add_common(p)

    p = sub.add_parser("report", help="an HTML page and a markdown summary of a run")
    p.add_argument("dir", help="run directory")
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO (default), WARNING")

    p = sub.add_parser("verify", help="check a run directory; exit 0 only when all holds")
    p.add_argument("dir", help="run directory")
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO (default), WARNING")
    return parser


def effective_config(args: argparse.Namespace, flag_groups: list[dict[str, str]]) -> KprepConfig:
    file_values = load_config_file(args.config) if getattr(args, "config", None) else {}
    overrides = {
        key: getattr(args, flag)
        for group in flag_groups
        for flag, key in group.items()
        if getattr(args, flag, None) is not None
    }
    return build_config(file_values, overrides)


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
    if config.tokenizer.compare_to:
        compare_to = absolute_path(config.tokenizer.compare_to)
        config.tokenizer = dataclasses.replace(config.tokenizer, compare_to=compare_to)


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s kprep: %(message)s", datefmt="%H:%M:%S"
    )
    # Beam's own INFO/WARN chatter (worker start-up, gRPC) drowns kprep's progress lines.
    logging.getLogger("apache_beam").setLevel(logging.ERROR)


def _print_prepare_summary(stats: dict[str, Any], out_dir: str) -> None:
    if stats.get("graph_only"):
        print("\nprepare: the graph was validated or written as a template; nothing ran")
        return
    print(
        f"\nprepare: {stats['records_in']} records in -> {stats['clean']} clean, "
        f"{stats['rejected']} rejected ({stats['wall_s']} s)"
    )
    for stage, reasons in stats["rejected_by_stage"].items():
        for reason, count in reasons.items():
            print(f"  rejected  {stage:<9} {reason:<28} {count:>8}")
    for detail in stats["file_errors"]:
        print(f"  file error: {detail}")
    print(f"  clean/    -> {join(out_dir, 'clean')}\n  rejected/ -> {join(out_dir, 'rejected')}")


def cmd_prepare(args: argparse.Namespace, beam_args: list[str], config: KprepConfig) -> int:
    from pipeline.prepare import run_prepare

    write_json(join(args.output, CONFIG_FILE), config.to_dict())
    _print_prepare_summary(run_prepare(config, args.output, beam_args), args.output)
    return 0


def cmd_train_tokenizer(
    args: argparse.Namespace, beam_args: list[str], config: KprepConfig, run_dir: str
) -> int:
    from pipeline.train_tokenizer import run_train_tokenizer

    log.info(
        "train-tokenizer: vocab %d + %d PII tokens",
        config.tokenizer.vocab_size,
        len(config.pii.tokens),
    )
    stats = run_train_tokenizer(
        join(run_dir, "clean"),
        args.output,
        config.tokenizer.vocab_size,
        config.tokenizer.sample_bytes,
        config.pii.tokens,
        morpheme_split=config.tokenizer.morpheme_split,
        beam_args=beam_args,
        show_progress=sys.stderr.isatty(),  # progress bars only where a person watches
    )
    if stats.get("graph_only"):
        print("\ntrain-tokenizer: the sample graph was validated or written as a template")
        return 0
    record_stage_stats(run_dir, "train_tokenizer", stats)
    print(
        f"\ntrain-tokenizer: {stats['vocab_size']} tokens from "
        f"{stats['sample_documents']} documents "
        f"({stats['sample_bytes'] / 1e6:.1f} MB, {stats['wall_s']} s) -> {args.output}"
    )
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
    compare_to = args.compare_to or config.tokenizer.compare_to or RELEASED_TOKENIZER
    print(format_report(tokenizer_report(args.tokenizer, texts, compare_to)))
    return 0


def cmd_tokenize(
    args: argparse.Namespace,
    beam_args: list[str],
    config: KprepConfig,
    run_dir: str,
    tokenizer: str,
) -> int:
    from pipeline.tokenize import run_tokenize

    stats = run_tokenize(
        config, join(run_dir, "clean"), tokenizer, args.output, join(run_dir, "rejected"), beam_args
    )
    if stats.get("graph_only"):
        print("\ntokenize: the graph was validated or written as a template; nothing ran")
        return 0
    record_stage_stats(run_dir, "tokenize", stats)
    print(
        f"\ntokenize: {stats['documents']} documents, {stats['tokens']} tokens in "
        f"{stats['shards']} shard(s) "
        f"({stats['wall_s']} s) -> {args.output}"
    )
    for split, figures in stats["splits"].items():
        print(
            f"  {split:<5} {figures['shards']:>4} shards {figures['documents']:>9} docs "
            f"{figures['tokens']:>12} tokens"
        )
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from trainer.launch import run_train

    file_values = load_config_file(args.config) if args.config else {}
    return run_train(args, file_values.get("train"))


def cmd_verify(args: argparse.Namespace) -> int:
    from pipeline.verify import verify_run

    print(f"verify {args.dir}")
    failures = verify_run(args.dir)
    print(f"\n{'all checks passed' if not failures else f'{len(failures)} check(s) failed'}")
    return 0 if not failures else 1


def _print_outputs(out: str) -> None:
    print(f"Outputs in {out}:")
    for name, what in RUN_OUTPUTS:
        if Path(out, name).exists():
            print(f"  {name:<12} {what}")
    print(f"Check it with: kprep verify {out}")


def cmd_run(args: argparse.Namespace, beam_args: list[str], config: KprepConfig) -> int:
    """Every stage in order; a stage whose completion marker matches its config is skipped."""
    from pipeline import resume
    from pipeline.prepare import run_prepare
    from pipeline.tokenize import tokenizer_file
    from runners.options import graph_only
    from transforms.files import expand_patterns

    out = args.output
    if not config.input.patterns:
        config.input.patterns = SAMPLE_INPUTS
        log.info("no --input: running on the bundled sample in %s", EXAMPLES)
    write_json(join(out, CONFIG_FILE), config.to_dict())
    started = time.monotonic()
    tokenizer = args.tokenizer or join(out, "tokenizer")
    files = expand_patterns(config.input.patterns)
    given_tokenizer = (
        hashlib.sha256(Path(tokenizer_file(tokenizer)).read_bytes()).hexdigest()
        if args.tokenizer
        else None
    )
    prints = {}
    prints["prepare"] = resume.fingerprint(
        files, config.input, config.prepare, config.pii, config.dedupe
    )
    prints["train_tokenizer"] = resume.fingerprint(prints["prepare"], config.tokenizer, config.pii)
    prints["tokenize"] = resume.fingerprint(
        given_tokenizer or prints["train_tokenizer"], config.shards
    )
    prints["train"] = resume.fingerprint(prints["tokenize"], config.train)
    stages = [
        ("prepare", lambda: _print_prepare_summary(run_prepare(config, out, beam_args), out)),
        (
            "train_tokenizer",
            None
            if args.tokenizer
            else lambda: cmd_train_tokenizer(
                argparse.Namespace(output=tokenizer), beam_args, config, out
            ),
        ),
        (
            "tokenize",
            lambda: cmd_tokenize(
                argparse.Namespace(output=join(out, "shards")), beam_args, config, out, tokenizer
            ),
        ),
        (
            "train",
            None if args.skip_train else lambda same: _train_in_run(config, out, tokenizer, same),
        ),
    ]
    if graph_only(beam_args):
        log.info("dry run / template: only prepare's graph is built; later stages need its output")
        stages = stages[:1]
    for stage, step in stages:
        if step is None:
            continue
        if not args.force and resume.is_done(out, stage, prints[stage]):
            log.info("%s: already complete with this config, skipped (--force reruns it)", stage)
            continue
        same_as_killed_run = resume.start(out, stage, prints[stage]) == prints[stage]
        step(same_as_killed_run) if stage == "train" else step()
        resume.mark_done(out, stage, prints[stage])
    print(f"\nkprep run finished in {time.monotonic() - started:.1f} s.")
    _print_outputs(out)
    return 0


def _train_in_run(config: KprepConfig, out: str, tokenizer: str, same_config: bool) -> None:
    """The run's training stage: checkpoints of a killed run with the same config are resumed
    from; those of a different config are removed."""
    import shutil

    from trainer.train import latest_checkpoint, train

    model_dir = join(out, "model")
    if not same_config:
        shutil.rmtree(Path(model_dir, "checkpoints"), ignore_errors=True)
    resumable = latest_checkpoint(model_dir) is not None
    train_config = dataclasses.replace(config.train, resume=config.train.resume or resumable)
    log.info("train: preset %s%s", train_config.preset, " (resuming)" if resumable else "")
    started = time.monotonic()
    summary = train(train_config, [join(out, "shards")], model_dir, tokenizer)
    record_stage_stats(out, "train", dict(summary, wall_s=round(time.monotonic() - started, 2)))


def _user_errors() -> tuple[type[Exception], ...]:
    from pipeline.prepare import AccountingError, UnreadableFilesError
    from pipeline.tokenize import TokenizerError
    from runners.local import RunnerError
    from transforms.files import InputError

    return (
        ConfigError,
        InputError,
        RunnerError,
        TokenizerError,
        AccountingError,
        UnreadableFilesError,
        FileNotFoundError,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    _setup_logging(args.log_level)
    beam_commands = {"run", "prepare", "tokenize", "train-tokenizer"}
    if extra and args.command not in beam_commands:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    user_errors = _user_errors()
    try:
        if args.command == "verify":
            return cmd_verify(args)
        if args.command == "report":
            from pipeline.report import write_report

            html_path, md_path = write_report(args.dir)
            print(f"report: {html_path}\n        {md_path}")
            return 0
        if args.command == "dedupe-params":
            from transforms.dedupe import describe_params

            config = effective_config(args, [DEDUPE_FLAGS])
            print(describe_params(config.dedupe))
            return 0
        if args.command == "train":
            return cmd_train(args)
        if args.command == "neox-config":
            from trainer.launch import run_neox_config

            return run_neox_config(args)
        config = effective_config(args, COMMAND_FLAGS[args.command])
        resolve_paths(args, config, extra)  # before any graph is built
        if args.command == "run":
            return cmd_run(args, extra, config)
        if args.command == "prepare":
            return cmd_prepare(args, extra, config)
        if args.command == "train-tokenizer":
            return cmd_train_tokenizer(args, extra, config, args.input)
        if args.command == "tokenizer-report":
            return cmd_tokenizer_report(args, config)
        if args.command == "tokenize":
            return cmd_tokenize(args, extra, config, args.input, args.tokenizer)
    except user_errors as err:
        print(f"kprep {args.command}: error: {err}", file=sys.stderr)
        return 2
    return 0


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
