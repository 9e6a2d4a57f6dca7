import logging

import pytest
from apache_beam.options.pipeline_options import DirectOptions

from runners.local import RunnerError, describe_runner, make_pipeline, pipeline_options


def test_multi_threading_is_refused_with_the_reason():
    with pytest.raises(RunnerError, match="silently drops"):
        pipeline_options(["--direct_running_mode=multi_threading"])


def test_local_default_is_in_memory_in_one_process():
    direct = pipeline_options([]).view_as(DirectOptions)
    assert (direct.direct_running_mode, direct.direct_num_workers) == ("in_memory", 1)


def test_multi_processing_runs_only_when_asked_and_warns(caplog):
    args = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]
    direct = pipeline_options(args).view_as(DirectOptions)
    assert (direct.direct_running_mode, direct.direct_num_workers) == ("multi_processing", 2)
    with caplog.at_level(logging.WARNING, logger="kprep"):
        make_pipeline(args)
    assert "lost records" in caplog.text


def test_explicit_choices_are_kept():
    direct = pipeline_options(
        ["--direct_running_mode=in_memory", "--direct_num_workers=1"]
    ).view_as(DirectOptions)
    assert (direct.direct_running_mode, direct.direct_num_workers) == ("in_memory", 1)
    assert "in_memory" in describe_runner(["--direct_running_mode=in_memory"])
