"""The same pipeline on every runner: Dataflow graph offline, portable in-process, local modes."""

import json
from pathlib import Path

import pytest

from pipeline.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SAMPLE = str(EXAMPLES / "sample.jsonl")
SAMPLE_HTML = str(EXAMPLES / "sample_html.jsonl.gz")
PREPARE_STEPS = [
    "Read",
    "Normalise",
    "Remove repeated lines",
    "Filter",
    "Mask PII",
    "Deduplicate",
    "Write clean",
    "Write rejected",
]


def dataflow_args(tmp_path):
    pytest.importorskip("apitools", reason="the Dataflow runner needs apache-beam[gcp]")
    (tmp_path / "staging").mkdir()
    (tmp_path / "temp").mkdir()
    # --no_auth and a dead endpoint keep everything offline; local staging/temp dirs.
    return [
        "--runner=DataflowRunner",
        "--project=kprep-test",
        "--region=us-central1",
        "--no_auth",
        "--dataflow_endpoint=http://localhost:1",
        f"--staging_location={tmp_path / 'staging'}",
        f"--temp_location={tmp_path / 'temp'}",
    ]


def test_dataflow_dry_run_validates_prepare(tmp_path):
    args = dataflow_args(tmp_path)
    out = tmp_path / "out"
    assert main(["prepare", "--input", SAMPLE, "--output", str(out), *args, "--dry_run=True"]) == 0
    assert not (out / "clean").exists()


def test_dataflow_template_holds_every_prepare_step(tmp_path):
    from apache_beam.portability.api import beam_runner_api_pb2

    args = dataflow_args(tmp_path)
    template = tmp_path / "prepare.json"
    code = main(
        [
            "prepare",
            "--input",
            SAMPLE,
            "--output",
            str(tmp_path / "out"),
            *args,
            f"--template_location={template}",
        ]
    )
    assert code == 0
    pool = json.loads(template.read_text())["environment"]["workerPools"][0]
    assert pool["machineType"] == "n2-standard-8"
    assert any(p["name"] == "workflow.tar.gz" for p in pool["packages"])  # kprep for the workers
    graph = beam_runner_api_pb2.Pipeline()
    graph.ParseFromString((tmp_path / "staging" / "pipeline.pb").read_bytes())
    top_level = {t.unique_name for t in graph.components.transforms.values()}
    assert set(PREPARE_STEPS) <= top_level


def _run(out, inputs, *beam_args):
    argv = [
        "run",
        "--input",
        ",".join(inputs),
        "--output",
        str(out),
        "--vocab-size",
        "1000",
        "--skip-train",
        *beam_args,
    ]
    assert main(argv) == 0
    files = {}
    for sub in ("clean", "rejected", "shards", "tokenizer"):
        for path in sorted((out / sub).glob("*")):
            if path.suffix in (".parquet", ".bin", ".idx") or path.name == "tokenizer.json":
                files[f"{sub}/{path.name}"] = path.read_bytes()
    return files


@pytest.mark.slow
def test_every_runner_writes_the_same_bytes(tmp_path):
    # Input files listed in either order; one process, two processes, the portable runner.
    forward, backward = [SAMPLE, SAMPLE_HTML], [SAMPLE_HTML, SAMPLE]
    one_process = _run(tmp_path / "in_memory", forward, "--direct_running_mode=in_memory")
    processes = _run(
        tmp_path / "multi",
        backward,
        "--direct_running_mode=multi_processing",
        "--direct_num_workers=2",
    )
    portable = _run(
        tmp_path / "portable",
        backward,
        "--runner=PortableRunner",
        "--job_endpoint=embed",
        "--environment_type=LOOPBACK",
    )
    assert len(one_process) > 5
    assert one_process == processes == portable


# The per-stage options of a 1.2 TB run (docs/scale.md, "1.2 TB on Dataflow").
TERABYTE_OPTIONS = {
    "prepare": ["--machine_type=n2-standard-8", "--max_num_workers=150", "--disk_size_gb=200"],
    "train-tokenizer": ["--machine_type=n2-standard-8", "--max_num_workers=20"],
    "tokenize": ["--machine_type=n2-standard-8", "--max_num_workers=100", "--disk_size_gb=100"],
}


def _template(tmp_path, command: list[str], stage: str):
    """Write a Dataflow template of one kprep command offline; its environment and graph."""
    from apache_beam.portability.api import beam_runner_api_pb2

    staging = tmp_path / stage
    staging.mkdir()
    template = staging / "template.json"
    args = [*dataflow_args(staging), *TERABYTE_OPTIONS[stage], f"--template_location={template}"]
    assert main([*command, *args]) == 0
    environment = json.loads(template.read_text())["environment"]
    graph = beam_runner_api_pb2.Pipeline()
    graph.ParseFromString((staging / "staging" / "pipeline.pb").read_bytes())
    return environment, {t.unique_name for t in graph.components.transforms.values()}


@pytest.mark.slow
def test_every_pipeline_translates_for_dataflow_with_terabyte_options(tmp_path, run_dir):
    tokenizer = str(run_dir / "tokenizer")
    commands = {
        "prepare": ["prepare", "--input", SAMPLE, "--output", str(tmp_path / "out")],
        "train-tokenizer": ["train-tokenizer", "--input", str(run_dir), "--output", tokenizer],
        "tokenize": [
            *("tokenize", "--input", str(run_dir), "--tokenizer", tokenizer),
            *("--output", str(tmp_path / "shards")),
        ],
    }
    for stage, command in commands.items():
        environment, names = _template(tmp_path, command, stage)
        options = dict(option[2:].split("=") for option in TERABYTE_OPTIONS[stage])
        pool = environment["workerPools"][0]
        assert pool["machineType"] == options["machine_type"], stage
        assert pool.get("diskSizeGb", 0) == int(options.get("disk_size_gb", 0)), stage
        assert environment["sdkPipelineOptions"]["options"]["max_num_workers"] == int(
            options["max_num_workers"]
        )
        # Distributed runners shuffle by themselves: no local spill steps in their graphs.
        assert not any("Write partitions" in n or "Spill" in n for n in names), stage
    assert not (tmp_path / "out" / "clean").exists()  # nothing ran
    assert not (tmp_path / "shards").exists()
