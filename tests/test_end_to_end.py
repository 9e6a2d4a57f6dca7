"""`kprep run` on the bundled sample with the local runner: every artefact checked."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from pipeline.verify import verify_run
from tests.run_digest import RECORDED, run_digest
from transforms.filters.signals import SIGNAL_COLUMNS
from transforms.megatron import IndexedDataset

pytestmark = pytest.mark.slow


def test_accounting_holds(run_dir):
    stats = json.loads((run_dir / "stats.json").read_text())["stages"]
    clean = pq.read_table(run_dir / "clean").to_pylist()
    rejected = pq.read_table(run_dir / "rejected").to_pylist()
    prepare = stats["prepare"]
    assert prepare["records_in"] == len(clean) + len(
        [r for r in rejected if r["stage"] != "tokenize"]
    )
    ids = [r["id"] for r in clean] + [r["id"] for r in rejected]
    assert len(ids) == len(set(ids))
    reasons = {(r["stage"], r["reason"]) for r in rejected}
    assert ("read", "invalid_json") in reasons
    assert ("read", "missing_text_field") in reasons
    assert ("dedupe", "exact") in reasons
    assert any(stage == "filter" for stage, _ in reasons)
    dupes = [r for r in rejected if r["reason"] == "exact"]
    assert all(r["duplicate_of"] for r in dupes)


def test_clean_rows_are_masked_and_normalised(run_dir):
    clean = pq.read_table(run_dir / "clean").to_pylist()
    assert list(clean[0]) == [
        *("id", "text", "source", "metadata", "pii_counts", "cluster_size"),
        *("lang", "lang_score", "korean_share"),
        *SIGNAL_COLUMNS,
    ]
    assert all(r["lang"] and r["korean_share"] >= 0.2 for r in clean)
    assert sum(r["lang"] == "ko" for r in clean) > len(clean) / 2  # help pages: half English
    assert sum(r["pii_counts"]["tel"] for r in clean) >= 3
    texts = "\n".join(r["text"] for r in clean)
    assert "010-2468-1357" not in texts and "<|tel|>" in texts
    assert "<html" not in texts.lower()


def test_tokenizer_loads_with_transformers(run_dir):
    transformers = pytest.importorskip("transformers")
    tokenizer = transformers.AutoTokenizer.from_pretrained(run_dir / "tokenizer")
    assert tokenizer.eos_token == "<|endoftext|>" and tokenizer.eos_token_id == 2
    assert tokenizer.convert_tokens_to_ids(["<|acc|>", "<|tel|>", "<|rrn|>"]) == [2000, 2001, 2002]


def test_shards_are_readable_and_end_with_eod(run_dir):
    manifest = json.loads((run_dir / "shards" / "manifest.json").read_text())
    assert manifest["dtype"] == "uint16" and manifest["tokenizer"]["vocab_size"] == 2003
    total = 0
    for shard in manifest["shards"]:
        dataset = IndexedDataset(run_dir / "shards" / shard["name"])
        assert len(dataset) == shard["documents"]
        assert all(dataset[i][-1] == 2 for i in range(len(dataset)))
        total += len(dataset)
    clean_rows = pq.read_table(run_dir / "clean", columns=["id"]).num_rows
    assert total == clean_rows
    assert (run_dir / "shards" / "neox_data.yml").is_file()


def test_training_loss_is_finite_and_falls(run_dir):
    summary = json.loads((run_dir / "stats.json").read_text())["stages"]["train"]
    losses = np.array([summary["losses"][step] for step in sorted(summary["losses"], key=int)])
    assert np.isfinite(losses).all()
    assert losses[-5:].mean() < losses[:5].mean()
    assert (run_dir / "model" / "config.json").is_file()


def test_verify_passes(run_dir):
    assert verify_run(str(run_dir), echo=False) == []


def test_verify_catches_a_corrupted_shard(run_dir, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    manifest = json.loads((copy / "shards" / "manifest.json").read_text())
    path = copy / "shards" / (manifest["shards"][0]["name"] + ".bin")
    raw = bytearray(path.read_bytes())
    raw[0] ^= 1
    path.write_bytes(bytes(raw))
    failures = verify_run(str(copy), echo=False)
    assert any("checksum" in failure for failure in failures)


# The synthetic numbers examples/make_sample.py puts into the sample.
INJECTED_PII = [
    "010-2468-1357",
    "345-6789",
    "110-234-567890",
    "900101-1234568",
    "3333-12-3456789",
    "1588-1234",
    "9876-5432",
    "010.5555.1212",
]


def test_no_injected_number_leaks_anywhere(run_dir):
    from tokenizers import Tokenizer

    clean = pq.read_table(run_dir / "clean", columns=["text"]).column("text").to_pylist()
    rejected = pq.read_table(run_dir / "rejected", columns=["text"]).column("text").to_pylist()
    tokenizer = Tokenizer.from_file(str(run_dir / "tokenizer" / "tokenizer.json"))
    manifest = json.loads((run_dir / "shards" / "manifest.json").read_text())
    decoded = [
        tokenizer.decode(dataset[i].tolist(), skip_special_tokens=False)
        for shard in manifest["shards"]
        for dataset in [IndexedDataset(run_dir / "shards" / shard["name"])]
        for i in range(len(dataset))
    ]
    everything = "\n".join(clean + rejected + decoded)
    assert sample_has_pii(), "the sample no longer carries the injected numbers"
    for number in INJECTED_PII:
        assert number not in everything


def sample_has_pii():
    from pathlib import Path

    sample = (Path(__file__).resolve().parent.parent / "examples" / "sample.jsonl").read_text()
    return all(number in sample for number in INJECTED_PII)


def test_tokenize_fails_when_a_document_goes_missing(run_dir, tmp_path, monkeypatch):
    from pipeline.config import build_config
    from pipeline.prepare import AccountingError
    from pipeline.tokenize import run_tokenize
    from transforms.steps.shards import _EncodeFile

    lost = pq.read_table(run_dir / "clean", columns=["id"]).column("id")[0].as_py()
    emit = _EncodeFile._emit

    def lose_one(self, doc_id, text, token_ids, row):
        return iter(()) if doc_id == lost else emit(self, doc_id, text, token_ids, row)

    monkeypatch.setattr(_EncodeFile, "_emit", lose_one)
    with pytest.raises(AccountingError, match="1 unaccounted"):
        run_tokenize(
            build_config(),
            str(run_dir / "clean"),
            str(run_dir / "tokenizer"),
            str(tmp_path / "shards"),
            str(tmp_path / "rejected"),
            ["--direct_running_mode=in_memory"],
        )


def test_outputs_match_the_recorded_digests(run_dir):
    """Refactoring must leave every output as it was (tests/run_digest.py says how to update)."""
    recorded = json.loads(RECORDED.read_text())
    changed = {name for name, digest in run_digest(run_dir).items() if recorded.get(name) != digest}
    assert not changed and run_digest(run_dir).keys() == recorded.keys(), sorted(changed)


def test_tokenize_rejects_a_document_without_tokens_through_the_shared_wrapper(run_dir, tmp_path):
    import apache_beam as beam
    import pyarrow as pa
    from apache_beam.metrics.metric import MetricsFilter
    from apache_beam.testing.util import assert_that, equal_to

    from runners.options import make_pipeline
    from transforms.records import make_rejected
    from transforms.steps.shards import EncodeFiles
    from transforms.steps.stage import METRICS_NAMESPACE

    path = tmp_path / "clean.parquet"
    pq.write_table(pa.table({"id": ["empty", "word"], "text": ["", "안녕하세요"]}), path)
    pipeline = make_pipeline(["--direct_running_mode=in_memory"])
    encoded, rejected = pipeline | EncodeFiles(
        [str(path)],
        tokenizer_path=str(run_dir / "tokenizer"),
        eod_id=2,
        dtype="uint16",
        fractions=(0.0, 0.0),
        seed=1,
    )
    assert_that(
        encoded | beam.MapTuple(lambda key, doc: (key, doc[1])),
        equal_to([(("train", None), "word")]),
        label="kept",
    )
    assert_that(
        rejected,
        equal_to([make_rejected("empty", "tokenize", "no_tokens", "the text encodes to 0 tokens")]),
        label="rejected",
    )
    result = pipeline.run()
    result.wait_until_finish()
    query = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
    counted = {c.key.metric.name: c.committed for c in query["counters"]}
    assert counted["tokenize.kept"] == counted["tokenize.documents"] == 1
    assert counted["tokenize.dropped.no_tokens"] == 1
