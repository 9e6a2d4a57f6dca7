"""Paths every worker can open: local paths made absolute, local paths refused on remote runners."""

import json
import os
import shutil
from pathlib import Path

import pytest

from pipeline import prepare
from pipeline.cli import build_parser, effective_config, main, resolve_paths
from runners.local import RunnerError
from runners.paths import absolute_path, remote_runner, worker_paths

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sample.jsonl"
SCHEME_PATHS = ["gs://bucket/crawl/*.jsonl.zst", "s3://bucket/run1", "hdfs://namenode/data"]
DATAFLOW = [
    "--runner=DataflowRunner",
    "--project=kprep-test",
    "--region=us-central1",
    "--temp_location=gs://bucket/tmp",
    "--no_auth",
    "--dataflow_endpoint=http://localhost:1",  # offline, should anything try to submit
]
REFUSED = "workers run on other machines with their own filesystem.*gs://"


@pytest.fixture
def launch_dir(tmp_path, monkeypatch):
    """A working directory to start kprep in; real path, as os.getcwd() gives it."""
    directory = (tmp_path / "launch").resolve()
    directory.mkdir()
    monkeypatch.chdir(directory)
    return directory


def test_relative_local_paths_become_absolute(launch_dir):
    assert absolute_path("data/a.jsonl") == str(launch_dir / "data" / "a.jsonl")
    assert absolute_path("./out/../run1/") == str(launch_dir / "run1")
    assert absolute_path("data/*.jsonl") == str(launch_dir / "data" / "*.jsonl")  # globs kept
    assert absolute_path("~/corpus") == str(Path.home() / "corpus")
    assert absolute_path("/srv/data") == "/srv/data"


def test_paths_with_a_scheme_are_untouched(launch_dir):
    assert [absolute_path(p) for p in SCHEME_PATHS] == SCHEME_PATHS
    assert worker_paths(SCHEME_PATHS, DATAFLOW) == SCHEME_PATHS  # shared: fine on Dataflow


def test_config_file_and_flag_paths_are_resolved(launch_dir):
    (launch_dir / "kprep.toml").write_text(
        '[input]\npatterns = ["data/a.jsonl", "gs://b/c/*"]\n'
        '[tokenizer]\ncompare_to = "other/tokenizer.json"\n'
    )
    argv = ["run", "--config", "kprep.toml", "--output", "out", "--tokenizer", "tok/t.json"]
    args, beam_args = build_parser().parse_known_args(argv)
    config = effective_config(args)
    resolve_paths(args, config, beam_args)
    assert config.input.patterns == [str(launch_dir / "data" / "a.jsonl"), "gs://b/c/*"]
    assert config.tokenizer.compare_to == str(launch_dir / "other" / "tokenizer.json")
    assert (args.output, args.tokenizer) == (
        str(launch_dir / "out"),
        str(launch_dir / "tok/t.json"),
    )

    argv = ["tokenize", "--input", "run1", "--tokenizer", "run1/tokenizer", "--output", "shards"]
    args, beam_args = build_parser().parse_known_args(argv)
    resolve_paths(args, effective_config(args), beam_args)
    assert (args.input, args.tokenizer, args.output) == (
        str(launch_dir / "run1"),
        str(launch_dir / "run1" / "tokenizer"),
        str(launch_dir / "shards"),
    )


@pytest.mark.parametrize(
    ("beam_args", "remote"),
    [
        ([], False),
        (["--direct_running_mode=multi_processing"], False),
        (DATAFLOW, True),
        (["--runner=PortableRunner", "--job_endpoint=embed"], False),
        (["--runner=PortableRunner", "--job_endpoint=localhost:8099"], True),
        (["--runner=FlinkRunner"], False),  # in-process Flink
        (["--runner=FlinkRunner", "--flink_master=flink-jm:8081"], True),
        (["--runner=SparkRunner", "--job_endpoint=spark-js:8099"], True),
        (["--runner=SparkRunner", "--spark_master_url=spark://master:7077"], True),
    ],
)
def test_which_runners_have_remote_workers(beam_args, remote):
    assert bool(remote_runner(beam_args)) == remote


def test_local_path_refused_on_dataflow():
    with pytest.raises(RunnerError, match=REFUSED) as err:
        worker_paths(["gs://bucket/in/*.jsonl", "out/run1"], DATAFLOW)
    assert "out/run1" in str(err.value) and "gs://bucket" not in str(err.value)
    with pytest.raises(RunnerError, match=REFUSED):
        worker_paths(["file:///data/in.jsonl"], DATAFLOW)  # a scheme, but still this disk


@pytest.mark.parametrize("graph_only", ["--dry_run=True", "--template_location=/tmp/t.json"])
def test_local_path_accepted_when_dataflow_only_builds_the_graph(launch_dir, graph_only):
    assert worker_paths(["data/in.jsonl"], [*DATAFLOW, graph_only]) == [
        str(launch_dir / "data" / "in.jsonl")
    ]


def test_local_path_on_portable_runner_depends_on_the_job_endpoint(launch_dir):
    portable = ["--runner=PortableRunner", "--environment_type=LOOPBACK"]
    embedded = worker_paths(["data/in.jsonl"], [*portable, "--job_endpoint=embed"])
    assert embedded == [str(launch_dir / "data" / "in.jsonl")]
    with pytest.raises(RunnerError, match=REFUSED):
        worker_paths(["data/in.jsonl"], [*portable, "--job_endpoint=localhost:8099"])


def test_cli_refuses_before_anything_is_written(launch_dir, capsys):
    argv = ["prepare", "--input", "data/in.jsonl", "--output", "out", *DATAFLOW]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("kprep prepare: error: local path(s) ")
    assert "own filesystem" in err and "Traceback" not in err
    assert not (launch_dir / "out").exists()  # not even config.json


def test_prepare_started_elsewhere_with_relative_paths(tmp_path, launch_dir, monkeypatch):
    # The launching shell is in launch_dir and names paths relative to it; the pipeline's
    # workers then run in another directory, as remote or freshly started workers would.
    (launch_dir / "data").mkdir()
    shutil.copy(SAMPLE, launch_dir / "data" / "sample.jsonl")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    make_pipeline = prepare.make_pipeline

    def pipeline_run_elsewhere(*args, **kwargs):
        pipeline = make_pipeline(*args, **kwargs)
        run = pipeline.run

        def run_in_another_directory(*run_args, **run_kwargs):
            os.chdir(elsewhere)
            return run(*run_args, **run_kwargs)

        pipeline.run = run_in_another_directory
        return pipeline

    monkeypatch.setattr(prepare, "make_pipeline", pipeline_run_elsewhere)
    argv = ["prepare", "--input", "data/sample.jsonl", "--output", "out"]
    assert main([*argv, "--direct_running_mode=in_memory"]) == 0
    out = launch_dir / "out"
    config = json.loads((out / "config.json").read_text())
    assert config["input"]["patterns"] == [str(launch_dir / "data" / "sample.jsonl")]
    stats = json.loads((out / "stats.json").read_text())["stages"]["prepare"]
    assert stats["records_in"] == len(SAMPLE.read_text().splitlines())
    assert list((out / "clean").glob("*.parquet"))
    assert not list(elsewhere.iterdir())  # nothing written relative to the workers' directory
