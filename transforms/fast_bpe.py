"""Exact, fast encoding of byte-level BPE tokenizers through tiktoken.

A byte-level BPE ``tokenizer.json`` (kprep's or Polyglot-Ko's) is the GPT-2 scheme: split off
added tokens, split the rest with the GPT-2 pattern, merge each piece's bytes in merge order.
tiktoken does the same in Rust several times faster, given the tokens' bytes ranked in merge
order and the added tokens as special tokens. Its ranks are not the tokenizer's ids, so ids
are mapped back through a lookup table.

The two algorithms can differ on rare vocabularies (tiktoken merges any adjacent pair whose
concatenation is a token, tokenizers only the listed pairs), so exactness is checked, not
assumed: :func:`load_encoder` compares both on a fixed probe set plus every token of the
vocabulary, and uses tokenizers whenever anything differs or the tokenizer has a part tiktoken
cannot express (a normalizer, another model or pre-tokenizer).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import numpy as np
from tokenizers import Tokenizer

log = logging.getLogger("kprep")

# What tokenizers' ByteLevel(use_regex=True) splits with; tiktoken's r50k_base pattern.
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

PROBES = (
    "대한민국은 민주공화국이다. 모든 권력은 국민으로부터 나온다.",
    "안녕하세요!  반갑습니다 ^^ ㅋㅋㅋㅋ ㅎㅎ ㅠㅠ",
    "The quick brown fox jumps over the lazy dog's back; it's, we're, they'll, I'd, you've.",
    "0 12 345 6789 3.14159 1,000,000원 2024년 11월 27일 010-1234-5678",
    "tabs\tand\t\tspaces   and\n\nnew lines\r\n \n   trailing   ",
    "           ",
    "\n\n\n\t\t \u3000\u00a0\u2028\u2029",
    "emoji 😀👍🏽👨‍👩‍👧‍👦 🇰🇷 ❤️ flags and joiners",
    "전화 <|tel|>, 계좌 <|acc|> 주민번호<|rrn|>끝<|endoftext|><|sep|><pad><eos>",
    "<|tel <|te|> <|>|tel|> < | tel | >",
    "漢字 ひらがな カタカナ 한자 混用 Ελληνικά русский العربية עברית हिन्दी ไทย",
    "조합형 자모 ᄒᆞᆫ글 ㄱㄴㄷ 반각 ｶﾀｶﾅ 전각 ＡＢＣ１２３",
    "\ufffd\ufffd bad � bytes \x00\x01\x1f\x7f \u200b\u200c\u200d\ufeff \U0010fffd \ue000",
    "morpheme\u0cf1split\u0cf1마커\u0cf1는 지워진다 ೱ",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "ㅋ" * 200 + "!" * 100 + "하" * 150,
    "https://example.co.kr/path?q=한국어&x=1#frag user@example.com C:\\dir\\file.txt",
    "def f(x):\n    return {'a': [1, 2, 3]}  # 주석\n",
)


class Encoder(Protocol):
    name: str

    def encode_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Token ids of each text, as the tokenizer's ``encode(text).ids`` gives them."""
        ...


class TokenizersEncoder:
    """The reference: Hugging Face tokenizers."""

    name = "tokenizers"

    def __init__(self, tokenizer: Tokenizer):
        self._tokenizer = tokenizer

    def encode_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [np.asarray(encoding.ids, dtype=np.int64) for encoding in encodings]


@cache
def _byte_decoder() -> dict[str, int]:
    """GPT-2's map from the printable characters in a byte-level vocabulary to bytes."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    chars = {byte: chr(byte) for byte in printable}
    extra = 0
    for byte in range(256):
        if byte not in chars:
            chars[byte] = chr(256 + extra)
            extra += 1
    return {char: byte for byte, char in chars.items()}


@cache
def _to_latin1() -> dict[int, str]:
    """str.translate table: vocabulary characters -> the latin-1 character of their byte;
    anything else -> a character latin-1 cannot encode."""
    table = {code: "\u0100" for code in range(0x100)}
    table.update({ord(char): chr(byte) for char, byte in _byte_decoder().items()})
    return table


def _token_bytes(token: str) -> bytes | None:
    try:
        return token.translate(_to_latin1()).encode("latin-1")
    except UnicodeEncodeError:
        return None


def unsupported_reason(spec: dict[str, Any]) -> str | None:
    """Why tiktoken cannot express this tokenizer.json exactly, or None if it can."""
    if spec.get("normalizer"):
        return f"it has a normalizer ({spec['normalizer'].get('type')})"
    model = spec.get("model", {})
    if model.get("type") != "BPE":
        return f"its model is {model.get('type')}, not BPE"
    if model.get("dropout") or model.get("continuing_subword_prefix"):
        return "its BPE uses dropout or a continuing-subword prefix"
    if model.get("end_of_word_suffix"):
        return "its BPE uses an end-of-word suffix"
    for token in spec.get("added_tokens", []):
        if token.get("lstrip") or token.get("rstrip") or token.get("single_word"):
            return f"added token {token['content']!r} strips spaces or matches whole words only"
    pre = spec.get("pre_tokenizer") or {}
    steps = pre.get("pretokenizers", []) if pre.get("type") == "Sequence" else [pre]
    if not steps or steps[-1].get("type") != "ByteLevel":
        return "its pre-tokenizer does not end in ByteLevel"
    byte_level = steps[-1]
    if byte_level.get("add_prefix_space") or not byte_level.get("use_regex", True):
        return "its ByteLevel pre-tokenizer adds a prefix space or has no split pattern"
    for step in steps[:-1]:
        if (  # a literal string dropped, as kprep's morpheme marker U+0CF1
            step.get("type") != "Split"
            or "String" not in step.get("pattern", {})
            or step.get("behavior") != "Removed"
            or step.get("invert")
        ):
            return f"its pre-tokenizer has a step tiktoken cannot express ({step.get('type')})"
    removed = _removed_strings(spec)
    for token in spec.get("added_tokens", []):
        if any(string in token["content"] for string in removed):
            return f"added token {token['content']!r} holds a string the pre-tokenizer removes"
    return None


def _removed_strings(spec: dict[str, Any]) -> list[str]:
    pre = spec.get("pre_tokenizer") or {}
    steps = pre.get("pretokenizers", []) if pre.get("type") == "Sequence" else [pre]
    return [step["pattern"]["String"] for step in steps[:-1]]


@dataclass
class _Tables:
    ranks: dict[bytes, int]  # token bytes -> merge priority (tiktoken's token value)
    special: dict[str, int]  # added token -> its tiktoken value
    ids: np.ndarray  # tiktoken value -> the tokenizer's id


def _tables(spec: dict[str, Any]) -> _Tables:
    """tiktoken's tables for a supported spec; ValueError naming a token that does not fit."""
    vocab: dict[str, int] = spec["model"]["vocab"]
    ids: list[int] = []
    ranks: dict[bytes, int] = {}
    for byte, char in sorted((b, c) for c, b in _byte_decoder().items()):
        if char not in vocab:
            raise ValueError(f"byte {byte:#04x} has no token")
        ranks[bytes([byte])] = len(ids)
        ids.append(vocab[char])
    for merge in spec["model"]["merges"]:
        left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
        merged = _token_bytes(left + right)
        if merged is None or left + right not in vocab:
            raise ValueError(f"merge {left!r} + {right!r} has no byte-level token")
        if merged not in ranks:  # a string merged from two pairs keeps its first rank
            ranks[merged] = len(ids)
            ids.append(vocab[left + right])
    special = {}
    for token in spec.get("added_tokens", []):
        special[token["content"]] = len(ids)
        ids.append(token["id"])
    return _Tables(ranks, special, np.asarray(ids, dtype=np.int64))


class TiktokenEncoder:
    """A byte-level BPE tokenizer run by tiktoken; ids mapped back to the tokenizer's."""

    name = "tiktoken"

    def __init__(self, spec: dict[str, Any]):
        import tiktoken

        reason = unsupported_reason(spec)
        if reason is not None:
            raise ValueError(reason)
        tables = _tables(spec)
        self._ids = tables.ids
        self._special = set(tables.special)
        self._encoding = tiktoken.Encoding(
            "kprep-byte-level-bpe",
            pat_str=GPT2_PATTERN,
            mergeable_ranks=tables.ranks,
            special_tokens=tables.special,
        )
        removed = _removed_strings(spec)
        self._removed_strings = removed
        self._removed = re.compile("|".join(map(re.escape, removed))) if removed else None

    def encode(self, text: str) -> np.ndarray:
        if any(string in text for string in self._removed_strings):
            # The tokenizer splits on these strings (dropping them) before the byte-level pattern.
            pieces = [piece for piece in self._removed.split(text) if piece]
            if not pieces:
                return np.zeros(0, dtype=np.int64)
            return np.concatenate([self.encode(piece) for piece in pieces])
        ranks = self._encoding.encode_to_numpy(text, allowed_special=self._special)
        return self._ids[ranks]

    def encode_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        return [self.encode(text) for text in texts]


def vocabulary_probes(tokenizer: Tokenizer) -> list[str]:
    """Every token of the vocabulary that decodes to whole characters, as its own text."""
    texts = set()
    for token_id in range(tokenizer.get_vocab_size()):
        text = tokenizer.decode([token_id], skip_special_tokens=False)
        if text and "\ufffd" not in text:
            texts.add(text)
    return sorted(texts)


def first_mismatch(reference: Encoder, candidate: Encoder, texts: Sequence[str]) -> str | None:
    """The first text the two encoders encode differently, or None."""
    expected, got = reference.encode_batch(texts), candidate.encode_batch(texts)
    lengths = [len(ids) for ids in expected]
    if lengths == [len(ids) for ids in got] and np.array_equal(
        np.concatenate(expected), np.concatenate(got)
    ):
        return None
    pairs = zip(texts, expected, got, strict=True)
    return next(text for text, want, have in pairs if not np.array_equal(want, have))


@cache
def load_encoder(tokenizer_json: str, fast: bool = True) -> Encoder:
    """The fastest encoder that gives exactly the ids of this tokenizer.json's text.

    With ``fast``, a tiktoken encoder when the tokenizer can be expressed in it and agrees with
    tokenizers on :data:`PROBES` and on every vocabulary token; otherwise (with a warning saying
    why) tokenizers itself. Cached: a process checks a tokenizer once.
    """
    tokenizer = Tokenizer.from_str(tokenizer_json)
    reference = TokenizersEncoder(tokenizer)
    if not fast:
        return reference
    spec = json.loads(tokenizer_json)
    try:
        candidate = TiktokenEncoder(spec)
    except ImportError:
        log.warning("tokenize: tiktoken is not installed; encoding with tokenizers")
        return reference
    except ValueError as error:
        log.warning(
            "tokenize: tiktoken cannot encode this tokenizer exactly (%s); encoding with "
            "tokenizers",
            error,
        )
        return reference
    mismatch = first_mismatch(reference, candidate, [*PROBES, *vocabulary_probes(tokenizer)])
    if mismatch is not None:
        log.warning(
            "tokenize: tiktoken and tokenizers disagree on %r; encoding with tokenizers", mismatch
        )
        return reference
    return candidate
