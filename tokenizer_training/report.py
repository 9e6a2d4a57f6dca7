"""``kprep tokenizer-report``: how a tokenizer compresses held-out Korean text, beside another.

Per tokenizer: UTF-8 bytes and characters per token on the held-out texts, the share of the
vocabulary that holds Hangul and the share that is an incomplete UTF-8 byte fragment, and the
share of held-out tokens that cross a Kiwi morpheme boundary (a morpheme-split vocabulary keeps
this near zero; merges learned across boundaries raise it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tokenizers import Tokenizer

from tokenizer_training.morphemes import (
    ANALYSER,
    crosses_boundary,
    is_hangul,
    load_kiwi,
    morpheme_boundaries,
)
from transforms.layout import load_tokenizer

RELEASED_TOKENIZER = str(Path(__file__).parent / "data" / "polyglot-ko-1.3b-tokenizer.json.gz")
RELEASED_NAME = "polyglot-ko-1.3b (released)"


def vocabulary_shares(tokenizer: Tokenizer) -> tuple[float, float]:
    """(Hangul share, byte-fragment share) of the learned vocabulary (added tokens excluded)."""
    added = set(tokenizer.get_added_tokens_decoder())
    ids = [i for i in tokenizer.get_vocab(with_added_tokens=False).values() if i not in added]
    texts = [tokenizer.decode([i], skip_special_tokens=False) for i in ids]
    hangul = sum(1 for text in texts if any(is_hangul(ch) for ch in text))
    fragments = sum(1 for text in texts if "\ufffd" in text)
    return hangul / len(ids), fragments / len(ids)


def _measure(
    name: str, tokenizer: Tokenizer, texts: list[str], boundaries: list[list[int]]
) -> dict[str, Any]:
    encodings = tokenizer.encode_batch(texts, add_special_tokens=False)
    tokens = sum(len(e.ids) for e in encodings)
    crossing = sum(
        crosses_boundary(bounds, start, end)
        for encoding, bounds in zip(encodings, boundaries, strict=True)
        for start, end in encoding.offsets
    )
    hangul, fragments = vocabulary_shares(tokenizer)
    total_bytes = sum(len(t.encode("utf-8")) for t in texts)
    return {
        "name": name,
        "vocab_size": tokenizer.get_vocab_size(with_added_tokens=True),
        "tokens": tokens,
        "bytes_per_token": round(total_bytes / max(tokens, 1), 4),
        "chars_per_token": round(sum(len(t) for t in texts) / max(tokens, 1), 4),
        "vocab_hangul_share": round(hangul, 4),
        "vocab_fragment_share": round(fragments, 4),
        "boundary_crossing_share": round(crossing / max(tokens, 1), 4),
    }


def tokenizer_report(
    tokenizer_path: str, texts: list[str], compare_to: str | None = RELEASED_TOKENIZER
) -> dict[str, Any]:
    """Figures for ``tokenizer_path`` and, beside it, ``compare_to`` (None: no comparison)."""
    if not texts:
        raise ValueError("no held-out texts to measure the tokenizer on")
    named = [(tokenizer_path, load_tokenizer(tokenizer_path))]
    if compare_to:
        name = RELEASED_NAME if compare_to == RELEASED_TOKENIZER else compare_to
        named.append((name, load_tokenizer(compare_to)))
    # Never count a boundary inside a special token such as <|tel|>.
    protected = {t.content for _, tok in named for t in tok.get_added_tokens_decoder().values()}
    kiwi = load_kiwi()
    boundaries = [morpheme_boundaries(kiwi, text, protected) for text in texts]
    return {
        "held_out": {
            "documents": len(texts),
            "bytes": sum(len(t.encode("utf-8")) for t in texts),
            "chars": sum(len(t) for t in texts),
            "morpheme_boundaries": sum(len(b) for b in boundaries),
            "analyser": ANALYSER,
        },
        "tokenizers": [_measure(name, tok, texts, boundaries) for name, tok in named],
    }


ROWS = (
    ("vocabulary (with added tokens)", "vocab_size", "{:,}"),
    ("tokens on the held-out text", "tokens", "{:,}"),
    ("bytes per token", "bytes_per_token", "{:.3f}"),
    ("characters per token", "chars_per_token", "{:.3f}"),
    ("Hangul tokens in the vocabulary", "vocab_hangul_share", "{:.1%}"),
    ("byte fragments in the vocabulary", "vocab_fragment_share", "{:.1%}"),
    ("tokens crossing a morpheme boundary", "boundary_crossing_share", "{:.2%}"),
)


def format_report(report: dict[str, Any]) -> str:
    """The report as a plain-text table, one column per tokenizer."""
    held = report["held_out"]
    columns = report["tokenizers"]
    label_width = max(len(label) for label, _, _ in ROWS)
    width = max(12, *(len(c["name"]) for c in columns))
    lines = [
        f"held-out: {held['documents']:,} documents, {held['bytes']:,} bytes, "
        f"{held['chars']:,} characters, {held['morpheme_boundaries']:,} morpheme boundaries "
        f"({held['analyser']})",
        "",
        " " * label_width + "".join(f"  {c['name']:>{width}}" for c in columns),
    ]
    for label, key, fmt in ROWS:
        cells = "".join(f"  {fmt.format(c[key]):>{width}}" for c in columns)
        lines.append(f"{label:<{label_width}}{cells}")
    return "\n".join(lines)
