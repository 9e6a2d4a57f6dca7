"""The tokenizer report, and compatibility mode with the released Polyglot-Ko tokenizer."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from pipeline.tokenize import TokenizerError, check_tokenizer
from tokenizer_training.morphemes import load_kiwi, split_morphemes
from tokenizer_training.report import (
    RELEASED_NAME,
    RELEASED_TOKENIZER,
    format_report,
    tokenizer_report,
)
from tokenizer_training.train import save_tokenizer_dir, train_bpe
from transforms.pii import DEFAULT_PII_TOKENS

SHARED_RELEASED = Path("/work/shared/reference/polyglot-ko-1.3b-tokenizer.json")
SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sample.jsonl"


def korean_texts(limit: int) -> list[str]:
    texts = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines()[:limit]:
        try:
            text = json.loads(line).get("text")
        except json.JSONDecodeError:
            continue
        if isinstance(text, str) and text.strip():
            texts.append(text)
    return texts


@pytest.fixture
def released_json() -> dict:
    return json.loads(gzip.decompress(Path(RELEASED_TOKENIZER).read_bytes()))


def test_bundled_copy_is_the_released_tokenizer():
    if not SHARED_RELEASED.exists():
        pytest.skip(f"{SHARED_RELEASED} is not on this machine")
    assert gzip.decompress(Path(RELEASED_TOKENIZER).read_bytes()) == SHARED_RELEASED.read_bytes()


def test_released_tokenizer_passes_the_compatibility_check(tmp_path, released_json):
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(released_json), encoding="utf-8")
    facts = check_tokenizer(str(path), DEFAULT_PII_TOKENS)
    assert facts["vocab_size"] == 30003 and facts["eod_id"] == 2


def test_a_tokenizer_without_a_pii_token_is_refused(tmp_path, released_json):
    released_json["added_tokens"] = [
        t for t in released_json["added_tokens"] if t["content"] != "<|tel|>"
    ]
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(released_json), encoding="utf-8")
    with pytest.raises(TokenizerError, match=r"'<\|tel\|>' is not a single token"):
        check_tokenizer(str(path), DEFAULT_PII_TOKENS)


def test_report_sets_our_tokenizer_beside_the_released_one(tmp_path):
    texts = korean_texts(40)
    train, held_out = texts[::2], texts[1::2]
    kiwi = load_kiwi()
    split = [split_morphemes(kiwi, t, DEFAULT_PII_TOKENS.values()) for t in train]
    save_tokenizer_dir(train_bpe(split, 1000, DEFAULT_PII_TOKENS), str(tmp_path / "split"))
    save_tokenizer_dir(train_bpe(train, 1000, DEFAULT_PII_TOKENS), str(tmp_path / "plain"))

    report = tokenizer_report(str(tmp_path / "split"), held_out, RELEASED_TOKENIZER)
    ours, released = report["tokenizers"]
    assert released["name"] == RELEASED_NAME and released["vocab_size"] == 30003
    assert report["held_out"]["documents"] == len(held_out)
    assert report["held_out"]["morpheme_boundaries"] > 0
    for column in (ours, released):
        assert 1.0 < column["bytes_per_token"] < 8.0
        assert column["chars_per_token"] < column["bytes_per_token"]
        assert 0 < column["vocab_hangul_share"] < 1
    assert released["vocab_hangul_share"] > 0.8  # a Korean vocabulary

    plain = tokenizer_report(str(tmp_path / "plain"), held_out, None)["tokenizers"]
    assert len(plain) == 1
    assert ours["boundary_crossing_share"] < plain[0]["boundary_crossing_share"]

    table = format_report(report)
    assert RELEASED_NAME in table and "bytes per token" in table
    assert "tokens crossing a morpheme boundary" in table


def test_report_needs_texts():
    with pytest.raises(ValueError, match="no held-out texts"):
        tokenizer_report(RELEASED_TOKENIZER, [], None)
