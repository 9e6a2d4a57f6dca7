import pytest
from apache_beam.options.pipeline_options import DirectOptions

from runners.local import RunnerError, describe_runner, pipeline_options


def test_multi_threading_is_refused_with_the_reason():
    with pytest.raises(RunnerError, match="silently drops"):
        pipeline_options(["--direct_running_mode=multi_threading"])


def test_local_default_is_multi_processing_on_every_core(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    direct = pipeline_options([]).view_as(DirectOptions)
    assert direct.direct_running_mode == "multi_processing"
    assert direct.direct_num_workers == 6


def test_explicit_choices_are_kept():
    direct = pipeline_options(
        ["--direct_running_mode=in_memory", "--direct_num_workers=1"]
    ).view_as(DirectOptions)
    assert (direct.direct_running_mode, direct.direct_num_workers) == ("in_memory", 1)
    assert "in_memory" in describe_runner(["--direct_running_mode=in_memory"])
