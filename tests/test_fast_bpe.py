"""The tiktoken encoder gives exactly tokenizers' ids, or is not used."""

import gzip
import json
import logging
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers

from pipeline.config import build_config
from pipeline.tokenize import run_tokenize
from tokenizer_training.report import RELEASED_TOKENIZER
from transforms.fast_bpe import (
    PROBES,
    TiktokenEncoder,
    TokenizersEncoder,
    load_encoder,
    unsupported_reason,
)
from transforms.layout import load_tokenizer

ROOT = Path(__file__).resolve().parent.parent
SHARED_CORPORA = ROOT.parent / "shared" / "corpora"


def _texts(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    texts = []
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                texts.append(line)  # the sample's broken lines are text too
                continue
            if isinstance(record, dict) and isinstance(record.get("text"), str):
                texts.append(record["text"])
    return texts


def _released_json() -> str:
    return load_tokenizer(RELEASED_TOKENIZER).to_str()


def _assert_same_ids(tokenizer_json: str, texts: list[str]) -> None:
    fast = load_encoder(tokenizer_json)
    assert fast.name == "tiktoken"
    reference = TokenizersEncoder(Tokenizer.from_str(tokenizer_json))
    expected, got = reference.encode_batch(texts), fast.encode_batch(texts)
    differing = [
        t for t, a, b in zip(texts, expected, got, strict=True) if not np.array_equal(a, b)
    ]
    assert not differing, differing[:3]


def _tiny_tokenizer(merges: list[tuple[str, str]], **pre_tokenizer) -> Tokenizer:
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {char: i for i, char in enumerate(sorted(alphabet))}
    for left, right in merges:
        vocab.setdefault(left + right, len(vocab))
    tokenizer = Tokenizer(models.BPE(vocab, merges))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, **pre_tokenizer)
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


def test_released_tokenizer_on_probes_and_sample():
    sample = _texts(ROOT / "examples" / "sample.jsonl")
    sample += _texts(ROOT / "examples" / "sample_html.jsonl.gz")
    _assert_same_ids(_released_json(), [*PROBES, *sample])


def test_special_tokens_and_removed_marker_encode_like_tokenizers():
    encoder = TiktokenEncoder(json.loads(_released_json()))
    tokenizer = Tokenizer.from_str(_released_json())
    for text in [
        "번호는<|tel|>입니다",
        "<|acc|><|rrn|>",
        "형태소\u0cf1분리",
        "\u0cf1\u0cf1",
        "<|tel",
    ]:
        expected = tokenizer.encode(text, add_special_tokens=False).ids
        assert encoder.encode(text).tolist() == expected, text
    assert encoder.encode("<|tel|>").tolist() == [30001]
    assert encoder.encode("\u0cf1").tolist() == []


def test_kprep_trained_tokenizer_on_the_sample(run_dir):
    tokenizer_json = (run_dir / "tokenizer" / "tokenizer.json").read_text()
    _assert_same_ids(tokenizer_json, [*PROBES, *_texts(ROOT / "examples" / "sample.jsonl")])


@pytest.mark.slow
@pytest.mark.parametrize("corpus", ["ko_docs.jsonl.gz", "ko_html_pages.jsonl.gz"])
def test_every_shared_corpus_document_gets_the_same_ids(corpus, run_dir):
    path = SHARED_CORPORA / corpus
    if not path.is_file():
        pytest.skip(f"{path} not present")
    texts = _texts(path)
    _assert_same_ids(_released_json(), texts)
    _assert_same_ids((run_dir / "tokenizer" / "tokenizer.json").read_text(), texts)


def test_a_vocabulary_tiktoken_would_encode_differently_falls_back(caplog):
    # "abc" is a token, but only through the pair (ab, c): tokenizers merges "b c" first and
    # stops at [a, bc]; tiktoken, merging any pair whose bytes are a token, reaches "abc".
    tokenizer = _tiny_tokenizer([("b", "c"), ("a", "b"), ("ab", "c")])
    assert tokenizer.encode("abc").tokens == ["a", "bc"]
    with caplog.at_level(logging.WARNING, logger="kprep"):
        encoder = load_encoder(tokenizer.to_str())
    assert encoder.name == "tokenizers"
    assert "disagree" in caplog.text


def test_a_tokenizer_tiktoken_cannot_express_uses_tokenizers(caplog):
    tokenizer = _tiny_tokenizer([("a", "b")], use_regex=False)
    spec = json.loads(tokenizer.to_str())
    assert "prefix space or has no split pattern" in unsupported_reason(spec)
    with caplog.at_level(logging.WARNING, logger="kprep"):
        assert load_encoder(tokenizer.to_str()).name == "tokenizers"
    assert "cannot encode this tokenizer exactly" in caplog.text


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"normalizer": {"type": "NFKC"}}, "normalizer"),
        ({"model": {"type": "WordPiece"}}, "not BPE"),
        (
            {"added_tokens": [{"id": 0, "content": "<x>", "lstrip": True}]},
            "strips spaces",
        ),
        (
            {"pre_tokenizer": {"type": "Whitespace"}},
            "does not end in ByteLevel",
        ),
    ],
)
def test_unsupported_parts_are_named(change, reason):
    spec = json.loads(_released_json())
    spec.update(change)
    assert reason in unsupported_reason(spec)


def test_released_tokenizer_is_supported():
    assert unsupported_reason(json.loads(_released_json())) is None


@pytest.mark.slow
def test_fast_and_reference_encoders_write_identical_shards(run_dir, tmp_path):
    shards = {}
    for fast in (True, False):
        config = build_config(overrides={"shards.fast_encoder": fast})
        out = tmp_path / f"fast_{fast}"
        stats = run_tokenize(
            config,
            str(run_dir / "clean"),
            str(run_dir / "tokenizer"),
            str(out / "shards"),
            str(out / "rejected"),
            ["--direct_running_mode=in_memory"],
        )
        assert stats["encoder"] == ("tiktoken" if fast else "tokenizers")
        shards[fast] = {
            path.name: path.read_bytes()
            for path in sorted((out / "shards").iterdir())
            if path.suffix in (".bin", ".idx")
        }
    assert shards[True] and shards[True] == shards[False]
