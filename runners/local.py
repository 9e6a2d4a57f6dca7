"""The local runner: Beam's FnApiRunner with kprep's defaults and its data-plane fix.

Locally kprep runs Beam's FnApiRunner directly: ``--runner=DirectRunner`` in Beam 2.77 first
tries to download the Prism runner from GitHub, which hangs on a machine without internet.
Prism is used only when ``--prism_location`` points at a binary.

Beam 2.77's FnApiRunner sends a stage's input to gRPC workers (``multi_processing``, the
in-process portable runner) through a time-flushed buffer whose flush thread races ``write()``
and silently drops ~10 MB chunks (docs/runners.md has the bug report).
:func:`use_size_based_data_buffers` switches every local runner to Beam's size-flushed buffer,
which has no flush thread, and the default mode is then ``multi_processing`` on every core
(``in_memory`` runs in one process).
``multi_threading`` stays refused: it also crashed with ``Invalid PaneInfoEncoding`` in runs
this fix does not explain, and threads give a CPU-bound Python pipeline no parallelism.
``--runner=BundleBasedDirectRunner`` selects Beam's older in-process runner, which retries a
failed bundle up to four times, as Dataflow does; it runs on one thread.
"""

from __future__ import annotations

import logging
import os

from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions

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


def set_local_defaults(options: PipelineOptions, beam_args: list[str]) -> None:
    """``multi_processing`` on every core unless the flags say otherwise; one worker in memory."""
    direct = options.view_as(DirectOptions)
    if "--direct_running_mode" not in " ".join(beam_args):
        direct.direct_running_mode = "multi_processing"
    if direct.direct_running_mode == "in_memory":
        direct.direct_num_workers = 1
    elif "--direct_num_workers" not in " ".join(beam_args):
        direct.direct_num_workers = os.cpu_count() or 1
