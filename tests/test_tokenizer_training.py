"""Morpheme-aware BPE training: Kiwi boundaries, the released layout, the Beam sample, loading."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tokenizers import Tokenizer, pre_tokenizers

from pipeline.prepare import NothingKept
from pipeline.train_tokenizer import run_train_tokenizer
from tokenizer_training.config import TokenizerTrainingConfig
from tokenizer_training.morphemes import (
    MORPHEME_BOUNDARY,
    crosses_boundary,
    is_hangul,
    load_kiwi,
    morpheme_boundaries,
    split_morphemes,
)
from tokenizer_training.report import RELEASED_TOKENIZER
from tokenizer_training.sample import (
    held_out_from_clean,
    held_out_from_jsonl,
    held_out_sample,
    read_sample,
)
from tokenizer_training.train import SPECIAL_TOKENS, train_bpe
from transforms.layout import load_tokenizer
from transforms.records import CLEAN_SCHEMA, make_document

ARGS = ["--direct_running_mode=in_memory"]
PII = {"acc": "<|acc|>", "rrn": "<|rrn|>", "tel": "<|tel|>"}
SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sample.jsonl"
SAMPLE_BYTES = 150_000
VOCAB = 1000


def byte_level(text: str) -> str:
    """How a byte-level vocabulary spells ``text``."""
    return "".join(
        t
        for t, _ in pre_tokenizers.ByteLevel(
            add_prefix_space=False, use_regex=False
        ).pre_tokenize_str(text)
    )


@pytest.fixture(scope="module")
def kiwi():
    return load_kiwi()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """RUN_DIR with a clean/ made of the bundled sample's Korean documents, some PII-masked."""
    run = tmp_path_factory.mktemp("run")
    rows, seen = [], set()
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        # Distinct texts only (the sample has copies under new ids): held-out is checked by text.
        if isinstance(record.get("text"), str) and record["text"].strip() not in seen:
            seen.add(record["text"].strip())
            text = record["text"]
            if len(rows) % 4 == 0:  # as prepare leaves them: masked numbers inside the text
                text = f"문의 전화<|tel|>로 연락주세요. 계좌<|acc|>입니다.\n{text}"
            rows.append(make_document(record["id"], text, record["source"]))
    (run / "clean").mkdir()
    for shard in range(2):
        part = sorted(rows[shard::2], key=lambda r: r["id"])
        table = pa.Table.from_pylist(part, schema=CLEAN_SCHEMA)
        pq.write_table(table, run / "clean" / f"part-{shard:05d}-of-00002.parquet")
    return run


@pytest.fixture(scope="module")
def trained(run_dir) -> dict:
    stats = run_train_tokenizer(
        str(run_dir / "clean"),
        str(run_dir / "tokenizer"),
        VOCAB,
        SAMPLE_BYTES,
        PII,
        show_progress=False,
        beam_args=ARGS,
    )
    return stats


# --- morpheme boundaries (pure) ---


def test_boundaries_fall_between_morphemes_inside_eojeols(kiwi):
    split = split_morphemes(kiwi, "나는 학교에서 공부했다.")
    assert split.replace(MORPHEME_BOUNDARY, "|") == "나|는 학교|에서 공부|했|다|."
    assert split.replace(MORPHEME_BOUNDARY, "") == "나는 학교에서 공부했다."


def test_shared_surfaces_whitespace_and_pii_tokens_are_never_split(kiwi):
    text = "전화<|tel|>로 연락  주세요\n<|acc|>입니다"
    split = split_morphemes(kiwi, text, PII.values()).replace(MORPHEME_BOUNDARY, "|")
    assert "<|tel|>" in split and "<|acc|>" in split
    assert "입니다" in split  # 이 + ᆸ니다 share their surface
    assert "| " not in split and " |" not in split and "|\n" not in split
    assert split_morphemes(kiwi, "") == "" and split_morphemes(kiwi, " \n") == " \n"


def test_only_korean_is_split(kiwi):
    # Kiwi cuts some English words before a full stop (subm|enu.): such cuts are not kept.
    text = "the submenu. For more dialog. 大韓民國에서 GNU/Linux은"
    split = split_morphemes(kiwi, text).replace(MORPHEME_BOUNDARY, "|")
    assert split == "the submenu. For more dialog. 大韓民國|에서 GNU/Linux|은"


def test_crosses_boundary_means_strictly_inside():
    bounds = [2, 5]
    assert crosses_boundary(bounds, 1, 3) and crosses_boundary(bounds, 0, 7)
    assert not crosses_boundary(bounds, 0, 2) and not crosses_boundary(bounds, 2, 5)
    assert not crosses_boundary([], 0, 9)


def test_boundaries_are_sorted_character_offsets(kiwi):
    text = "😀 학교에서 2023년"
    bounds = morpheme_boundaries(kiwi, text)
    assert bounds == sorted(bounds) and text[bounds[0] :] == "에서 2023년"


# --- BPE training (pure) ---


def test_released_layout_and_pipeline_of_the_released_tokenizer():
    texts = ["학교ೱ에서 공부ೱ했ೱ다.", "나ೱ는 집ೱ에 간다."] * 40
    ours = json.loads(train_bpe(texts, 280, PII).to_str())
    released = json.loads(load_tokenizer(RELEASED_TOKENIZER).to_str())
    assert [t["content"] for t in ours["added_tokens"][:4]] == list(SPECIAL_TOKENS)
    assert {t: i for t, i in ours["model"]["vocab"].items() if i < 260} == {
        t: i for t, i in released["model"]["vocab"].items() if i < 260
    }
    assert [(t["id"], t["content"], t["special"]) for t in ours["added_tokens"][4:]] == [
        (280, "<|acc|>", True),
        (281, "<|tel|>", True),
        (282, "<|rrn|>", True),
    ]
    for part in ("normalizer", "pre_tokenizer", "post_processor", "decoder"):
        assert ours[part] == released[part], part


def test_no_merge_crosses_a_morpheme_boundary():
    words = ["학교에서", "공부했다", "도서관에서"]
    split = ["학교ೱ에서", "공부ೱ했ೱ다", "도서관ೱ에서"]
    learned = train_bpe([" " + " ".join(split)] * 50, 400, PII).get_vocab()
    plain = train_bpe([" " + " ".join(words)] * 50, 400, PII).get_vocab()
    assert byte_level(" 학교에서") in plain
    assert not any(byte_level(w) in t for w in ("교에", "부했", "관에") for t in learned)
    assert byte_level(" 학교") in learned and byte_level("에서") in learned


def test_special_and_pii_tokens_are_not_learned_as_merges():
    tokenizer = train_bpe(["전화<|tel|>로 <|endoftext|> 문의 <|acc|>"] * 50, 400, PII)
    learned = [t for t, i in tokenizer.get_vocab(with_added_tokens=False).items() if i >= 260]
    assert learned and not any("|" in t or "tel" in t for t in learned)
    assert tokenizer.encode("전화<|tel|>로").tokens[1] == "<|tel|>"


def test_raw_text_encodes_as_plain_byte_level_bpe():
    tokenizer = train_bpe(["학교ೱ에서 공부ೱ했ೱ다. 나ೱ는 집ೱ에 간다."] * 40, 320, PII)
    plain = Tokenizer.from_str(tokenizer.to_str())
    plain.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    text = "나는 학교에서 공부했다. 전화<|tel|>로"
    assert tokenizer.encode(text).ids == plain.encode(text).ids
    assert tokenizer.decode(tokenizer.encode(text).ids, skip_special_tokens=False) == text


def test_vocab_size_must_leave_room_for_merges():
    with pytest.raises(ValueError, match="must exceed 260"):
        train_bpe(["가"], 260, PII)


def test_config_is_frozen_and_checked():
    config = TokenizerTrainingConfig()
    assert (config.vocab_size, config.morpheme_split) == (30000, True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.vocab_size = 5  # type: ignore[misc]
    with pytest.raises(ValueError, match="positive"):
        TokenizerTrainingConfig(sample_bytes=0)


# --- the Beam sample and the saved directory ---


def test_train_tokenizer_figures_and_layout(trained, run_dir):
    assert trained["vocab_size"] == VOCAB + 3 and trained["merges"] == VOCAB - 260
    assert trained["morpheme_split"] and trained["analyser"].startswith("kiwipiepy")
    assert 0.5 * SAMPLE_BYTES < trained["sample_bytes"] < 1.5 * SAMPLE_BYTES  # ~130 documents
    assert not trained["sample_reused"]
    sample = list(read_sample(str(run_dir / "tokenizer_sample")))
    assert len(sample) == trained["sample_documents"]
    korean = [text for text in sample if sum(map(is_hangul, text)) > 20]
    assert korean and all(MORPHEME_BOUNDARY in text for text in korean)
    assert any("<|tel|>" in text for text in sample)  # intact in the split sample


def test_same_input_gives_the_same_tokenizer_and_reuses_the_sample(trained, run_dir, tmp_path):
    again = run_train_tokenizer(
        str(run_dir / "clean"),
        str(tmp_path / "tok"),
        VOCAB,
        SAMPLE_BYTES,
        PII,
        show_progress=False,
        beam_args=ARGS,
        sample_dir=str(tmp_path / "sample"),
    )
    first = (run_dir / "tokenizer" / "tokenizer.json").read_bytes()
    assert (tmp_path / "tok" / "tokenizer.json").read_bytes() == first
    assert again["sample_documents"] == trained["sample_documents"]
    reused = run_train_tokenizer(
        str(run_dir / "clean"),
        str(tmp_path / "tok2"),
        VOCAB,
        SAMPLE_BYTES,
        PII,
        show_progress=False,
        beam_args=ARGS,
        sample_dir=str(tmp_path / "sample"),
    )
    assert reused["sample_reused"] and (tmp_path / "tok2" / "tokenizer.json").read_bytes() == first


def test_missing_clean_output_or_an_empty_sample_is_a_clear_error(run_dir, tmp_path):
    with pytest.raises(NothingKept, match="kprep prepare"):
        run_train_tokenizer(str(tmp_path / "clean"), str(tmp_path / "tok"), VOCAB, 1, PII)
    with pytest.raises(ValueError, match="sample .* is empty"):
        run_train_tokenizer(
            str(run_dir / "clean"), str(tmp_path / "tok"), VOCAB, 1, PII,
            beam_args=ARGS, sample_dir=str(tmp_path / "sample"),
        )  # fmt: skip


def test_loads_with_transformers(trained, run_dir):
    transformers = pytest.importorskip("transformers")
    for loader in (transformers.AutoTokenizer, transformers.PreTrainedTokenizerFast):
        tokenizer = loader.from_pretrained(run_dir / "tokenizer")
        assert tokenizer.eos_token == "<|endoftext|>" and tokenizer.eos_token_id == 2
        assert tokenizer.pad_token_id == 0
        ids = tokenizer.convert_tokens_to_ids(["<|acc|>", "<|tel|>", "<|rrn|>"])
        assert ids == [VOCAB, VOCAB + 1, VOCAB + 2]
        text = "문의 전화<|tel|>로 연락주세요."
        assert tokenizer.decode(tokenizer(text)["input_ids"]) == text


def test_loads_as_gpt_neox_hf_tokenizer(trained, run_dir):
    # GPT-NeoX's HFTokenizer: Tokenizer.from_file(vocab_file), eod by name, encode(text).ids.
    tokenizer = Tokenizer.from_file(str(run_dir / "tokenizer" / "tokenizer.json"))
    assert tokenizer.token_to_id("<|endoftext|>") == 2
    text = "학교에서 공부했다 <|rrn|>"
    ids = tokenizer.encode(text).ids
    assert ids == tokenizer.encode(text, add_special_tokens=False).ids
    assert ids[-1] == VOCAB + 2 and tokenizer.decode(ids, skip_special_tokens=False) == text


# --- held-out text ---


def test_held_out_documents_are_outside_the_sample(trained, run_dir):
    held_out = held_out_from_clean(str(run_dir / "clean"), SAMPLE_BYTES, 10**9)
    sample = {
        t.replace(MORPHEME_BOUNDARY, "") for t in read_sample(str(run_dir / "tokenizer_sample"))
    }
    assert held_out and not sample & set(held_out)
    assert held_out_sample(str(run_dir), SAMPLE_BYTES, 10**9) == held_out
    small = held_out_from_clean(str(run_dir / "clean"), SAMPLE_BYTES, 20_000)
    assert set(small) < set(held_out)
    with pytest.raises(ValueError, match="every document"):
        held_out_from_clean(str(run_dir / "clean"), 10**12, 10**6)


def test_held_out_from_jsonl(tmp_path):
    path = tmp_path / "held.jsonl.gz"
    lines = [{"text": "가나다"}, {"text": ""}, {"id": "x"}, {"text": "라마바"}, {"text": "사아자"}]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r, ensure_ascii=False) for r in lines) + "\n")
    assert held_out_from_jsonl(str(path), 10**6) == ["가나다", "라마바", "사아자"]
    assert held_out_sample(str(path), 0, 12) == ["가나다", "라마바"]
