"""Choosing and configuring the Beam runner for a kprep pipeline.

Locally kprep runs Beam's FnApiRunner directly: ``--runner=DirectRunner`` in Beam 2.77 first
tries to download the Prism runner from GitHub, which hangs on a machine without internet.
Prism is used only when ``--prism_location`` points at a binary. The default mode is
``in_memory``: ``multi_processing`` lost records on inputs of 330 MB and more in kprep's runs
(Beam 2.77), so it runs only when asked for, with a warning; ``multi_threading`` is refused, it
silently loses GroupByKey values (see the README). ``--runner=BundleBasedDirectRunner``
selects Beam's older in-process runner, which retries a failed bundle up to four times, as
Dataflow does; it runs on one thread.
"""

from __future__ import annotations

import logging

import apache_beam as beam
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions

LOCAL_RUNNERS = (None, "DirectRunner", "FnApiRunner", "BundleBasedDirectRunner")
MULTI_PROCESSING_WARNING = (
    "--direct_running_mode=multi_processing lost records between stages on inputs of 330 MB "
    "and more in kprep's runs (Beam 2.77 local runner); kprep's record accounting fails such a "
    "run rather than write incomplete outputs. For large inputs use a distributed runner "
    "(docs/runners.md), or the default in_memory mode."
)

log = logging.getLogger("kprep")


class RunnerError(ValueError):
    """Runner options kprep refuses; the message says why and what to use instead."""


def pipeline_options(beam_args: list[str]) -> PipelineOptions:
    """PipelineOptions from the pass-through flags, with kprep's local defaults filled in."""
    options = PipelineOptions(beam_args)
    direct = options.view_as(DirectOptions)
    if direct.direct_running_mode == "multi_threading":
        raise RunnerError(
            "--direct_running_mode=multi_threading is refused: in Beam 2.77 it silently drops "
            "values in GroupByKey. Use multi_processing (default, all cores) or in_memory."
        )
    runner = options.view_as(StandardOptions).runner
    if runner in LOCAL_RUNNERS and "--direct_running_mode" not in " ".join(beam_args):
        direct.direct_running_mode = "in_memory"
    if runner in LOCAL_RUNNERS and direct.direct_running_mode == "in_memory":
        direct.direct_num_workers = 1
    return options


def make_pipeline(beam_args: list[str], stage: str | None = None) -> beam.Pipeline:
    """A Beam pipeline on the runner the flags name (the local FnApiRunner by default), with
    kprep's defaults for ``stage`` on Dataflow."""
    runner = PipelineOptions(beam_args).view_as(StandardOptions).runner
    if runner == "DataflowRunner":
        from runners.dataflow import with_stage_defaults

        beam_args = with_stage_defaults(beam_args, stage)
    options = pipeline_options(beam_args)
    if runner in LOCAL_RUNNERS and options.view_as(DirectOptions).direct_running_mode == (
        "multi_processing"
    ):
        log.warning(MULTI_PROCESSING_WARNING)
    prism = options.get_all_options().get("prism_location")
    if runner == "BundleBasedDirectRunner":
        from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner

        return beam.Pipeline(runner=BundleBasedDirectRunner(), options=options)
    if runner in LOCAL_RUNNERS and not prism:
        from apache_beam.runners.portability.fn_api_runner import FnApiRunner

        return beam.Pipeline(runner=FnApiRunner(), options=options)
    if runner in LOCAL_RUNNERS and prism:
        options.view_as(StandardOptions).runner = "PrismRunner"
    return beam.Pipeline(options=options)


def describe_runner(beam_args: list[str]) -> str:
    """One line naming the runner and its parallelism, for progress output."""
    options = pipeline_options(beam_args)
    runner = options.view_as(StandardOptions).runner
    if runner == "BundleBasedDirectRunner":
        return "local BundleBasedDirectRunner, one thread, failed bundles retried"
    if runner in LOCAL_RUNNERS:
        direct = options.view_as(DirectOptions)
        return (
            f"local FnApiRunner, {direct.direct_running_mode}, "
            f"{direct.direct_num_workers} worker(s)"
        )
    return str(runner)
