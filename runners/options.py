"""The Beam runner a command's pass-through flags name: its options, its pipeline, dry runs.

Local runs (the default) get kprep's local defaults and the data-plane fix (runners/local.py);
Dataflow runs get per-stage defaults (runners/dataflow.py); any other runner Beam knows is used
as the flags describe it.
"""

from __future__ import annotations

import argparse
import functools

import apache_beam as beam
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions

from runners.local import (
    LOCAL_RUNNERS,
    RunnerError,
    set_local_defaults,
    use_size_based_data_buffers,
)


def pipeline_options(beam_args: list[str]) -> PipelineOptions:
    """PipelineOptions from the pass-through flags, with kprep's local defaults filled in."""
    options = PipelineOptions(beam_args)
    if options.view_as(DirectOptions).direct_running_mode == "multi_threading":
        raise RunnerError(
            "--direct_running_mode=multi_threading is refused: in Beam 2.77 it silently drops "
            "values in GroupByKey. Use multi_processing (all cores) or in_memory."
        )
    if options.view_as(StandardOptions).runner in LOCAL_RUNNERS:
        set_local_defaults(options, beam_args)
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


def graph_only(beam_args: list[str]) -> bool:
    """Whether the run only validates the graph or writes a template, running nothing."""
    options = PipelineOptions(beam_args).get_all_options()
    dry_run = str(options.get("dry_run") or "").lower() in ("true", "1")
    return dry_run or bool(options.get("template_location"))


@functools.cache
def beam_flags() -> frozenset[str]:
    """Every flag some Beam PipelineOptions class declares (``--runner``, ``--project``, ...)."""
    parser = argparse.ArgumentParser(add_help=False)
    for options_class in {str(c): c for c in PipelineOptions.__subclasses__()}.values():
        options_class._add_argparse_args(parser)  # how Beam itself collects them
    return frozenset(flag for action in parser._actions for flag in action.option_strings)
