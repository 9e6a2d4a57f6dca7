"""Failed bundles are retried without duplicating or losing rows, and without partial files.

Beam's BundleBasedDirectRunner retries a failed bundle as Dataflow does. Here every ParDo of the
whole run (read, clean, dedupe, tokenizer sample, encode, the file writers) fails once, after
it has processed an element and emitted its outputs and side effects; the retried run must
write exactly the bytes of a run without failures.
"""

import json
from pathlib import Path

import pytest
from apache_beam.runners.direct import transform_evaluator

from pipeline.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
INPUTS = f"{EXAMPLES / 'sample.jsonl'},{EXAMPLES / 'sample_html.jsonl.gz'}"


class InjectedFailure(RuntimeError):
    pass


def _without_timings(value):
    # Counters are left out too: Beam's local runner keeps those of failed attempts.
    if isinstance(value, dict):
        return {
            key: _without_timings(item)
            for key, item in value.items()
            if not key.endswith("wall_s") and key != "counters"
        }
    return value


def _run(out: Path, *beam_args: str) -> dict[str, object]:
    argv = ["run", "--input", INPUTS, "--output", str(out), "--vocab-size", "1000"]
    assert main([*argv, "--skip-train", *beam_args]) == 0
    files: dict[str, object] = {}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out).as_posix()
        if not path.is_file() or relative.startswith(".kprep"):
            continue
        data = path.read_bytes().replace(str(out).encode(), b"RUN_DIR")
        files[relative] = _without_timings(json.loads(data)) if path.suffix == ".json" else data
    return files


@pytest.mark.slow
def test_failed_bundles_are_retried_into_identical_outputs(tmp_path, monkeypatch):
    clean = _run(tmp_path / "clean_run", "--direct_running_mode=in_memory")

    process_element = transform_evaluator._ParDoEvaluator.process_element
    failed: set[str] = set()

    def fail_first_attempt(self, element):
        process_element(self, element)  # outputs and file writes happen, then the bundle fails
        label = self._applied_ptransform.full_label
        if label not in failed:
            failed.add(label)
            raise InjectedFailure(f"injected failure in {label}")

    monkeypatch.setattr(transform_evaluator._ParDoEvaluator, "process_element", fail_first_attempt)
    retried = _run(tmp_path / "retried_run", "--runner=BundleBasedDirectRunner")

    steps = {label.split("/")[0] for label in failed}
    assert {"Read", "Normalise", "Filter", "Deduplicate", "Write clean", "Tokenize"} <= steps
    assert {"Sample", "Write sample", "Write shards"} <= steps
    assert "shards/manifest.json" in clean and "stats.json" in clean
    assert set(retried) == set(clean)
    for name, data in clean.items():
        if name != "config.json":  # it records the runner flags, which differ on purpose
            assert retried[name] == data, name
