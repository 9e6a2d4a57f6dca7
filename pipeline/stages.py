"""kprep's stages, as the single commands run them and as ``kprep run`` chains them.

Each stage function does one command's work and prints its summary; :data:`RUN_STAGES` lists
them in order with what fingerprints each (the config sections it reads and the stage before
it), and :func:`run_all` runs the list, skipping a stage whose completion marker matches
(pipeline/resume.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apache_beam.io.filesystems import FileSystems

from pipeline import resume
from pipeline.config import KprepConfig
from runners.options import graph_only
from transforms.decontaminate import benchmark_files
from transforms.files import expand_patterns, write_json
from transforms.layout import RunLayout, record_stage_stats, tokenizer_json

log = logging.getLogger("kprep")


# ----------------------------------------------------------------------------- one stage each


def prepare(config: KprepConfig, run_dir: str, beam_args: list[str]) -> None:
    """read, normalise, filter, mask PII, dedupe -> RUN/clean, RUN/rejected."""
    from pipeline.prepare import nothing_kept_message, run_prepare

    layout = RunLayout(run_dir)
    stats = run_prepare(config, run_dir, beam_args)
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
    if shared := stats["id_collisions"]["records"]:
        print(
            f"  ids: {shared} records share {stats['id_collisions']['ids']} ids; each got its "
            "position (path:line) as id, metadata.original_id keeps its own"
        )
    if not stats["clean"]:
        print(f"  {nothing_kept_message(run_dir)}")
    print(f"  clean/    -> {layout.clean}\n  rejected/ -> {layout.rejected}")


def train_tokenizer(
    config: KprepConfig, run_dir: str, tokenizer_dir: str, beam_args: list[str]
) -> None:
    """The BPE vocabulary of RUN/clean -> ``tokenizer_dir``; figures into RUN/stats.json."""
    from pipeline.train_tokenizer import run_train_tokenizer

    log.info(
        "train-tokenizer: vocab %d + %d PII tokens",
        config.tokenizer.vocab_size,
        len(config.pii.tokens),
    )
    stats = run_train_tokenizer(
        RunLayout(run_dir).clean,
        tokenizer_dir,
        config.tokenizer.vocab_size,
        config.tokenizer.sample_bytes,
        config.pii.tokens,
        morpheme_split=config.tokenizer.morpheme_split,
        beam_args=beam_args,
        show_progress=sys.stderr.isatty(),  # progress bars only where a person watches
    )
    if stats.get("graph_only"):
        print("\ntrain-tokenizer: the sample graph was validated or written as a template")
        return
    record_stage_stats(run_dir, "train_tokenizer", stats)
    print(
        f"\ntrain-tokenizer: {stats['vocab_size']} tokens from "
        f"{stats['sample_documents']} documents "
        f"({stats['sample_bytes'] / 1e6:.1f} MB, {stats['wall_s']} s) -> {tokenizer_dir}"
    )


def tokenize(
    config: KprepConfig, run_dir: str, tokenizer: str, shards_dir: str, beam_args: list[str]
) -> None:
    """RUN/clean -> Megatron shards in ``shards_dir``; figures into RUN/stats.json."""
    from pipeline.tokenize import run_tokenize

    layout = RunLayout(run_dir)
    stats = run_tokenize(config, layout.clean, tokenizer, shards_dir, layout.rejected, beam_args)
    if stats.get("graph_only"):
        print("\ntokenize: the graph was validated or written as a template; nothing ran")
        return
    record_stage_stats(run_dir, "tokenize", stats)
    print(
        f"\ntokenize: {stats['documents']} documents, {stats['tokens']} tokens in "
        f"{stats['shards']} shard(s) ({stats['wall_s']} s) -> {shards_dir}"
    )
    for split, figures in stats["splits"].items():
        print(
            f"  {split:<5} {figures['shards']:>4} shards {figures['documents']:>9} docs "
            f"{figures['tokens']:>12} tokens"
        )


def train(config: KprepConfig, run_dir: str, tokenizer: str, same_config: bool) -> None:
    """The bundled trainer on RUN/shards -> RUN/model, through the same launcher as
    ``kprep train``. Checkpoints of a killed run with the same config are resumed from; those
    of a different config are removed."""
    from trainer.launch import launch
    from trainer.train import latest_checkpoint

    layout = RunLayout(run_dir)
    if not same_config:
        shutil.rmtree(Path(layout.model, "checkpoints"), ignore_errors=True)
    resumable = latest_checkpoint(layout.model) is not None
    train_config = dataclasses.replace(config.train, resume=config.train.resume or resumable)
    log.info("train: preset %s%s", train_config.preset, " (resuming)" if resumable else "")
    started = time.monotonic()
    summary = launch(train_config, [layout.shards], layout.model, tokenizer)
    wall_s = round(time.monotonic() - started, 2)
    record_stage_stats(run_dir, "train", dict(summary, wall_s=wall_s))


# ----------------------------------------------------------------------------- kprep run


@dataclass(frozen=True)
class RunPlan:
    """What ``kprep run`` was asked to do."""

    config: KprepConfig
    layout: RunLayout
    beam_args: list[str]
    tokenizer: str  # the given tokenizer, or RUN/tokenizer
    tokenizer_given: bool
    skip_train: bool


@dataclass(frozen=True)
class Stage:
    """A stage of ``kprep run``: its name, its fingerprint from the plan and the fingerprint of
    the stage before, the work, and when the plan leaves it out."""

    name: str
    fingerprint: Callable[[RunPlan, str | None], str]
    run: Callable[[RunPlan, bool], None]  # bool: a killed run with the same config was resumed
    skipped: Callable[[RunPlan], bool] = lambda plan: False


def _given_tokenizer_sha(plan: RunPlan) -> str | None:
    if not plan.tokenizer_given:
        return None
    with FileSystems.open(tokenizer_json(plan.tokenizer)) as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _decontamination(plan: RunPlan) -> tuple[Any, ...]:
    """What prepare's fingerprint adds with --decontaminate: the settings and the benchmark
    files (nothing without it, so runs without it keep their fingerprints)."""
    config = plan.config.decontaminate
    return (config, benchmark_files(config.paths)) if config.enabled else ()


RUN_STAGES = (
    Stage(
        "prepare",
        lambda plan, _: resume.fingerprint(
            expand_patterns(plan.config.input.patterns),
            plan.config.input,
            plan.config.prepare,
            plan.config.pii,
            plan.config.dedupe,
            *_decontamination(plan),
        ),
        lambda plan, _: prepare(plan.config, plan.layout.root, plan.beam_args),
    ),
    Stage(
        "train_tokenizer",
        lambda plan, before: resume.fingerprint(before, plan.config.tokenizer, plan.config.pii),
        lambda plan, _: train_tokenizer(
            plan.config, plan.layout.root, plan.tokenizer, plan.beam_args
        ),
        skipped=lambda plan: plan.tokenizer_given,
    ),
    Stage(
        "tokenize",
        lambda plan, before: resume.fingerprint(
            _given_tokenizer_sha(plan) or before, plan.config.shards
        ),
        lambda plan, _: tokenize(
            plan.config, plan.layout.root, plan.tokenizer, plan.layout.shards, plan.beam_args
        ),
    ),
    Stage(
        "train",
        lambda plan, before: resume.fingerprint(before, plan.config.train),
        lambda plan, same: train(plan.config, plan.layout.root, plan.tokenizer, same),
        skipped=lambda plan: plan.skip_train,
    ),
)


def run_all(plan: RunPlan, force: bool = False) -> dict[str, Any]:
    """Every stage in order; returns {stage: "ran" | "skipped" | "complete"}."""
    write_json(plan.layout.config_file, plan.config.to_dict())
    stages = RUN_STAGES
    if graph_only(plan.beam_args):
        log.info("dry run / template: only prepare's graph is built; later stages need its output")
        stages = stages[:1]
    outcome: dict[str, Any] = {}
    before: str | None = None
    for stage in stages:
        fingerprint = before = stage.fingerprint(plan, before)
        if stage.skipped(plan):
            outcome[stage.name] = "skipped"
            continue
        if not force and resume.is_done(plan.layout.root, stage.name, fingerprint):
            log.info(
                "%s: already complete with this config, skipped (--force reruns it)", stage.name
            )
            outcome[stage.name] = "complete"
            continue
        same_as_killed_run = resume.start(plan.layout.root, stage.name, fingerprint) == fingerprint
        stage.run(plan, same_as_killed_run)
        resume.mark_done(plan.layout.root, stage.name, fingerprint)
        outcome[stage.name] = "ran"
    return outcome
