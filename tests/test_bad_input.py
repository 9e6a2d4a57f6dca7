"""A corpus of broken input through `kprep prepare`: it completes, and nothing is lost."""

import gzip
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import transforms.read as read
from pipeline.cli import main
from transforms.read import InputConfig, read_file

BAD = Path(__file__).resolve().parent / "data" / "bad"


def rows(path, options=None):
    return list(read_file(str(path), options or InputConfig()))


def test_legacy_korean_encoding_is_decoded():
    (doc,) = rows(BAD / "legacy_cp949.txt")
    assert doc["text"].startswith("대한민국 헌법 전문")
    assert json.loads(doc["metadata"]) == {"source_encoding": "cp949"}


def test_random_bytes_are_not_mistaken_for_cp949():
    (rejection,) = rows(BAD / "invalid_utf8.jsonl")[1:]
    assert rejection.reason == "invalid_utf8" and "byte" in rejection.detail


def test_empty_file_is_named(tmp_path):
    (rejection,) = rows(BAD / "empty.jsonl")
    assert rejection.reason == "empty_file" and str(BAD / "empty.jsonl") in rejection.detail


def test_over_long_line_is_rejected_without_holding_it(tmp_path, monkeypatch):
    monkeypatch.setattr(read, "MAX_RECORD_BYTES", 1000)
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"text": "가" * 2000}) + "\n" + json.dumps({"text": "짧음"}) + "\n")
    first, second = rows(path)
    assert first.reason == "record_too_large" and "over the 1,000-byte limit" in first.detail
    assert second["text"] == "짧음"


def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(read, "BOMB_CHECK_FLOOR", 1 << 20)
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(b"0" * (64 << 20), compresslevel=9))  # 64 MB from ~64 KB
    (rejection,) = rows(path)
    assert rejection.reason == "unreadable_file" and "DecompressionBombError" in rejection.detail


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    inputs = root / "in"
    shutil.copytree(BAD, inputs)
    giant = {"id": "giant-1", "text": "큰 문서입니다. " * 2_500_000}  # about 20 MB
    (inputs / "giant.jsonl").write_text(json.dumps(giant, ensure_ascii=False) + "\n")
    out = root / "out"
    code = main(
        ["prepare", "--input", str(inputs), "--output", str(out), "--direct_running_mode=in_memory"]
    )
    return code, out


def test_prepare_completes_and_accounts_for_every_record(bad_run):
    code, out = bad_run
    assert code == 0
    stats = json.loads((out / "stats.json").read_text())["stages"]["prepare"]
    clean = [r for p in (out / "clean").glob("*.parquet") for r in pq.read_table(p).to_pylist()]
    rejected = pq.read_table(out / "rejected").to_pylist()
    assert stats["records_in"] == len(clean) + len(rejected)
    reasons = {r["reason"] for r in rejected if r["stage"] == "read"}
    assert {
        "invalid_utf8",
        "invalid_json",
        "missing_text_field",
        "text_not_string",
        "not_an_object",
        "empty_file",
        "unreadable_file",
        "corrupt_or_truncated_file",
    } <= reasons
    by_id = {r["id"]: r for r in rejected}
    assert by_id["giant-1"]["reason"] == "too_long"
    assert by_id["ws-1"]["stage"] == "filter" and by_id["nul-1"]["stage"] == "filter"
    assert len(stats["file_errors"]) == 2  # not gzip at all, and broken off midway
    assert any("not_gzip.jsonl.gz" in e for e in stats["file_errors"])
    truncated = [r for r in clean + rejected if r["id"].startswith("t-")]
    assert truncated  # the records before the break were kept


def test_strict_fails_the_run_naming_the_files(bad_run, tmp_path, capsys):
    _, out = bad_run
    code = main(
        [
            "prepare",
            "--input",
            str(BAD),
            "--output",
            str(tmp_path / "strict"),
            "--strict",
            "--direct_running_mode=in_memory",
        ]
    )
    assert code == 2
    assert "not_gzip.jsonl.gz" in capsys.readouterr().err
