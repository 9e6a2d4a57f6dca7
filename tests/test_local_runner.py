import os

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions
from apache_beam.runners.portability.fn_api_runner import worker_handlers
from apache_beam.runners.worker import data_plane, sdk_worker_main

from runners.local import RunnerError
from runners.options import describe_runner, make_pipeline, pipeline_options


def test_multi_threading_is_refused_with_the_reason():
    with pytest.raises(RunnerError, match="silently drops"):
        pipeline_options(["--direct_running_mode=multi_threading"])


def test_local_default_is_multi_processing_on_every_core():
    direct = pipeline_options([]).view_as(DirectOptions)
    assert (direct.direct_running_mode, direct.direct_num_workers) == (
        "multi_processing",
        os.cpu_count(),
    )
    direct = pipeline_options(["--direct_num_workers=3"]).view_as(DirectOptions)
    assert (direct.direct_running_mode, direct.direct_num_workers) == ("multi_processing", 3)


def test_multi_processing_runs_when_asked():
    args = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]
    direct = pipeline_options(args).view_as(DirectOptions)
    assert (direct.direct_running_mode, direct.direct_num_workers) == ("multi_processing", 2)


@pytest.fixture
def time_flushed_streams(monkeypatch):
    """Records every time-flushed data stream built in this process (the racing kind)."""
    built = []

    class Spy(data_plane.TimeBasedBufferingClosableOutputStream):
        def __init__(self, *args, **kwargs):
            built.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(data_plane, "TimeBasedBufferingClosableOutputStream", Spy)
    monkeypatch.setattr(worker_handlers, "DATA_BUFFER_TIME_LIMIT_MS", 1000)  # Beam's default
    return built


def _group_numbers(pipeline) -> None:
    with pipeline as p:
        _ = p | beam.Create(range(100)) | beam.Map(lambda n: (n % 3, n)) | beam.GroupByKey()


MULTI = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]
PORTABLE = ["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=LOOPBACK"]


def test_beam_default_still_builds_the_racing_stream(time_flushed_streams):
    # The control for the guard below: if this fails, Beam changed how the local runner's data
    # plane is built, and the guard no longer proves anything; read docs/runners.md again.
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    _group_numbers(beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions(MULTI)))
    assert time_flushed_streams


@pytest.mark.parametrize("args", [MULTI, PORTABLE], ids=["multi_processing", "portable"])
def test_kprep_local_runs_never_build_the_racing_stream(time_flushed_streams, args):
    _group_numbers(make_pipeline(args))
    assert worker_handlers.DATA_BUFFER_TIME_LIMIT_MS == 0
    assert not time_flushed_streams


def test_worker_processes_default_to_size_based_streams():
    # multi_processing workers are separate processes: they read the experiment, default 0.
    assert sdk_worker_main._get_data_buffer_time_limit_ms([]) == 0


def test_explicit_choices_are_kept():
    direct = pipeline_options(
        ["--direct_running_mode=in_memory", "--direct_num_workers=1"]
    ).view_as(DirectOptions)
    assert (direct.direct_running_mode, direct.direct_num_workers) == ("in_memory", 1)
    assert "in_memory" in describe_runner(["--direct_running_mode=in_memory"])
