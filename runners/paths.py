"""Paths that every worker of a pipeline can open.

Beam workers do not share the launching shell's working directory: a relative path that works
when kprep starts may name nothing, or another file, in a worker process. So kprep makes every
local path absolute before a graph is built. Workers of a remote runner (Dataflow, or Flink and
Spark behind a job server) do not share the launching machine's disk at all, so a local path is
refused there before anything runs.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from runners.local import RunnerError
from runners.options import graph_only
from transforms.steps.spill import Spill

# Portable runners whose job server runs in this process when --job_endpoint says so.
PORTABLE_RUNNERS = ("portable", "flink", "spark")
EMBEDDED_JOB_ENDPOINT = "embed"
LOCAL_FLINK_MASTERS = ("[auto]", "[local]")  # FlinkRunner starts an in-process Flink cluster
SPILL_PREFIX = ".kprep-spill-"


def absolute_path(path: str) -> str:
    """``path`` absolute (``~`` expanded) when it is local; unchanged when it has a scheme."""
    if FileSystems.get_scheme(path) is not None:
        return path
    return os.path.abspath(os.path.expanduser(path))


def remote_runner(beam_args: Sequence[str]) -> str | None:
    """The runner named in ``beam_args`` when its workers run on other machines, else None.

    Remote: Dataflow; a portable runner (PortableRunner, FlinkRunner, SparkRunner) with a
    ``--job_endpoint`` other than ``embed``; FlinkRunner with a ``--flink_master`` cluster;
    SparkRunner with a ``--spark_master_url`` that is not ``local``.
    """
    options = PipelineOptions(list(beam_args)).get_all_options()
    runner = str(options.get("runner") or "")
    name = runner.rsplit(".", 1)[-1].lower().removesuffix("runner")
    if name in ("dataflow", "testdataflow"):
        return runner
    if name not in PORTABLE_RUNNERS:
        return None
    endpoint = options.get("job_endpoint")
    if endpoint:
        return None if endpoint == EMBEDDED_JOB_ENDPOINT else runner
    if name == "flink" and options.get("flink_master") not in LOCAL_FLINK_MASTERS:
        return runner
    if name == "spark" and not str(options.get("spark_master_url")).startswith("local"):
        return runner
    return None


def worker_paths(paths: Sequence[str], beam_args: Sequence[str]) -> list[str]:
    """``paths`` as a pipeline's workers must be given them: local ones made absolute.

    Paths with a scheme (gs://, s3://, hdfs://, ...) are returned unchanged. Raises
    :class:`RunnerError` when a path is local (no scheme, or ``file://``) and the runner's
    workers are remote (:func:`remote_runner`), unless the run only validates the graph or
    writes a template (``--dry_run``, ``--template_location``): then nothing reads the paths.
    """
    runner = remote_runner(beam_args)
    if runner and not graph_only(list(beam_args)):
        local = [p for p in paths if FileSystems.get_scheme(p) in (None, "file")]
        if local:
            raise RunnerError(
                f"local path(s) {', '.join(local)} cannot be used with --runner={runner}: its "
                "workers run on other machines with their own filesystem. Put input, output "
                "and tokenizer paths on a filesystem they share: gs:// (or s3://, hdfs://, ...)."
            )
    return [absolute_path(path) for path in paths]


@contextlib.contextmanager
def spill_directory(
    beam_args: list[str], out_dir: str, input_bytes: int = 0
) -> Iterator[Spill | None]:
    """Where a local run's large groupings spill (transforms/steps/spill.py), with partitions sized
    for ``input_bytes``, removed when the run ends; ``None`` on distributed runners, whose
    shuffles spill by themselves.

    The directory lies inside a local ``out_dir`` (the same disk as the outputs; it holds about
    three times the input at its fullest); directories that a killed run left behind are
    removed first.
    """
    if remote_runner(beam_args):
        yield None
        return
    parent = None
    if FileSystems.get_scheme(out_dir) is None:
        parent = os.path.abspath(out_dir)
        os.makedirs(parent, exist_ok=True)
        for stale in glob.glob(os.path.join(parent, SPILL_PREFIX + "*")):
            shutil.rmtree(stale, ignore_errors=True)
    directory = tempfile.mkdtemp(prefix=SPILL_PREFIX, dir=parent)
    try:
        yield Spill.for_input(directory, input_bytes)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
