"""Choosing and configuring the Beam runner for a kprep pipeline.

Locally kprep runs Beam's FnApiRunner directly: ``--runner=DirectRunner`` in Beam 2.77 first
tries to download the Prism runner from GitHub, which hangs on a machine without internet.
Prism is used only when ``--prism_location`` points at a binary.

Beam 2.77's FnApiRunner sends a stage's input to gRPC workers (``multi_processing``, the
in-process portable runner) through a time-flushed buffer whose flush thread races ``write()``
and silently drops ~10 MB chunks (docs/runners.md has the bug report). :func:`make_pipeline`
switches every local runner to Beam's size-flushed buffer, which has no flush thread, and the
default mode is then ``multi_processing`` on every core (``in_memory`` runs in one process).
``multi_threading`` stays refused: it also crashed with ``Invalid PaneInfoEncoding`` in runs
this fix does not explain, and threads give a CPU-bound Python pipeline no parallelism.
``--runner=BundleBasedDirectRunner`` selects Beam's older in-process runner, which retries a
failed bundle up to four times, as Dataflow does; it runs on one thread.
"""

from __future__ import annotations

import logging
import os

import apache_beam as beam
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions

LOCAL_RUNNERS = (None, "DirectRunner", "FnApiRunner", "BundleBasedDirectRunner")

log = logging.getLogger("kprep")


class RunnerError(ValueError):
    """Runner options kprep refuses; the message says why and what to use instead."""


def use_size_based_data_buffers() -> None:
    """Make the local runner's data plane flush by size only (no racing flush thread).

    ``DATA_BUFFER_TIME_LIMIT_MS`` is read when the runner builds its gRPC data server and its
    in-process gRPC workers, so setting it before ``pipeline.run()`` reaches every stream.
    """
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    if not hasattr(worker_handlers, "DATA_BUFFER_TIME_LIMIT_MS"):
        raise RunnerError(
            "this Beam version has no worker_handlers.DATA_BUFFER_TIME_LIMIT_MS: kprep cannot "
            "turn off the local runner's time-flushed data buffers, which lose records in Beam "
            "2.77 (docs/runners.md). Install the Beam version pyproject.toml pins, or check "
            "that the new version fixed the race and update runners/local.py."
        )
    worker_handlers.DATA_BUFFER_TIME_LIMIT_MS = 0


def pipeline_options(beam_args: list[str]) -> PipelineOptions:
    """PipelineOptions from the pass-through flags, with kprep's local defaults filled in."""
    options = PipelineOptions(beam_args)
    direct = options.view_as(DirectOptions)
    if direct.direct_running_mode == "multi_threading":
        raise RunnerError(
            "--direct_running_mode=multi_threading is refused: in Beam 2.77 it silently drops "
            "values in GroupByKey. Use multi_processing (all cores) or in_memory."
        )
    runner = options.view_as(StandardOptions).runner
    if runner not in LOCAL_RUNNERS:
        return options
    if "--direct_running_mode" not in " ".join(beam_args):
        direct.direct_running_mode = "multi_processing"
    if direct.direct_running_mode == "in_memory":
        direct.direct_num_workers = 1
    elif "--direct_num_workers" not in " ".join(beam_args):
        direct.direct_num_workers = os.cpu_count() or 1
    return options


def make_pipeline(beam_args: list[str], stage: str | None = None) -> beam.Pipeline:
    """A Beam pipeline on the runner the flags name (the local FnApiRunner by default), with
    kprep's defaults for ``stage`` on Dataflow."""
    runner = PipelineOptions(beam_args).view_as(StandardOptions).runner
    if runner == "DataflowRunner":
        from runners.dataflow import with_stage_defaults

        beam_args = with_stage_defaults(beam_args, stage)
    options = pipeline_options(beam_args)
    if runner in (*LOCAL_RUNNERS, "PortableRunner"):
        use_size_based_data_buffers()  # the portable runner's job server may be in-process
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
