"""Resume and retries: a killed run finishes identical to an uninterrupted one; a retried write
leaves no partial or duplicate file; a changed option reruns only what it affects."""

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli import main
from transforms import files
from transforms.files import list_parquet

SAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "sample.jsonl")
RUN = ["--vocab-size", "1000", "--skip-train", "--direct_running_mode=in_memory"]


def outputs(run_dir: Path) -> dict[str, bytes]:
    files = {}
    for sub in ("clean", "rejected", "shards", "tokenizer"):
        for path in sorted((run_dir / sub).glob("*")):
            # manifest.json and neox_data.yml name the run's own paths
            if path.is_file() and path.name not in ("manifest.json", "neox_data.yml"):
                files[f"{sub}/{path.name}"] = path.read_bytes()
    return files


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    assert main(["run", "--input", SAMPLE, "--output", str(out), *RUN]) == 0
    return outputs(out)


@pytest.mark.slow
def test_a_killed_run_resumes_to_the_same_outputs(tmp_path, reference):
    out = tmp_path / "killed"
    argv = [
        sys.executable,
        "-m",
        "pipeline.cli",
        "run",
        "--input",
        SAMPLE,
        "--output",
        str(out),
        *RUN,
    ]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = out / ".kprep" / "train_tokenizer.started.json"
    deadline = time.monotonic() + 300
    while not started.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), "the run never reached tokenizer training"
    os.kill(process.pid, signal.SIGKILL)  # mid-stage, no chance to clean up
    process.wait()
    assert not (out / ".kprep" / "train_tokenizer.json").exists()
    assert main(["run", "--input", SAMPLE, "--output", str(out), *RUN]) == 0
    assert outputs(out) == reference


def test_a_changed_option_reruns_only_later_stages(tmp_path, reference, caplog):
    out = tmp_path / "run"
    assert main(["run", "--input", SAMPLE, "--output", str(out), *RUN]) == 0
    clean_before = {p: Path(p).stat().st_mtime_ns for p in list_parquet(str(out / "clean"))}
    caplog.clear()
    caplog.set_level(logging.INFO, logger="kprep")
    assert main(["run", "--input", SAMPLE, "--output", str(out), *RUN, "--seed", "99"]) == 0
    skipped = {r.getMessage().split(":")[0] for r in caplog.records if "skipped" in r.getMessage()}
    assert skipped == {"prepare", "train_tokenizer"}
    assert {p: Path(p).stat().st_mtime_ns for p in list_parquet(str(out / "clean"))} == clean_before
    changed = outputs(out)
    assert changed["tokenizer/tokenizer.json"] == reference["tokenizer/tokenizer.json"]
    assert changed["shards/train_00000.bin"] != reference["shards/train_00000.bin"]


def test_a_retried_write_replaces_the_file_and_a_crashed_one_stays_invisible(tmp_path, monkeypatch):
    target = tmp_path / "part-00000-of-00001.parquet"
    files.write_file_atomically(str(target), b"first attempt")
    files.write_file_atomically(str(target), b"retried attempt")  # a retried bundle
    assert target.read_bytes() == b"retried attempt"

    def crash(*_):
        raise RuntimeError("worker lost before the rename")

    monkeypatch.setattr(files.FileSystems, "rename", crash)
    with pytest.raises(RuntimeError):
        files.write_file_atomically(str(tmp_path / "part-00001-of-00002.parquet"), b"partial")
    assert list_parquet(str(tmp_path)) == [str(target)]  # the temporary file is not an output
