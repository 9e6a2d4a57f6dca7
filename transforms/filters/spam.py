"""Density of Korean gambling, adult and pharmacy spam terms (list in data/spam_words_ko.txt)."""

import re
from importlib.resources import files

import numpy as np

from transforms.filters.text_view import TextView

SPAM_WORDS_FILE = "spam_words_ko.txt"
# Short documents count as this long, so two hits in a 40-character line are not a high density.
MIN_DENSITY_CHARS = 1000


def load_spam_words(name: str = SPAM_WORDS_FILE) -> list[str]:
    text = files("transforms").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


_WORDS = load_spam_words()
# Longest first, so a term is counted once and not also as the shorter term inside it.
_SPAM = re.compile("|".join(map(re.escape, sorted(_WORDS, key=len, reverse=True))))


def _opening_pairs_table(words: list[str]) -> np.ndarray | None:
    """For every BMP code point: bit b (b < 32) set where it is the first character of one of
    the term openings (first two characters) numbered b modulo 32, bit 32 + b where it is the
    second. None where there are no terms, or one is shorter than two characters or leaves
    the BMP."""
    if not words or any(len(word) < 2 or max(map(ord, word)) > 0xFFFE for word in words):
        return None
    table = np.zeros(0x10000, dtype=np.uint64)
    for number, (first, second) in enumerate(sorted({word[:2] for word in words})):
        table[ord(first)] |= np.uint64(1 << (number % 32))
        table[ord(second)] |= np.uint64(1 << (32 + number % 32))
    return table


# Code points above the BMP clip to U+FFFF, which opens and continues no term.
_OPENING_PAIRS = _opening_pairs_table(_WORDS)
_SECOND_HALF = np.uint64(32)


def most_spam_hits(view: TextView) -> int:
    """A bound on len(spam_hits(view)) without the regex: each hit starts where two characters
    could open a term, and hits do not overlap. Openings sharing a bit can pair up falsely,
    which only raises the bound."""
    bound = view.memos.get("most_spam_hits")
    if bound is None:
        if _OPENING_PAIRS is None:
            bound = len(spam_hits(view))
        else:
            bits = _OPENING_PAIRS.take(view.padded_codepoints, mode="clip")
            bound = int(np.count_nonzero(bits[:-1] & (bits[1:] >> _SECOND_HALF)))
        view.memos["most_spam_hits"] = bound
    return bound


def spam_hits(view: TextView) -> list[str]:
    """The spam terms in the text, in order (found once per document, then kept)."""
    hits = view.memos.get("spam_hits")
    if hits is None:
        hits = view.memos["spam_hits"] = _SPAM.findall(view.text)
    return hits


def spam_density(view: TextView, hits: int) -> float:
    """Hits per 1,000 characters."""
    return 1000 * hits / max(len(view.text), MIN_DENSITY_CHARS)


def spam_words_per_1k(view: TextView) -> float:
    """The measured density: spam_density of the hits; no regex where the bound finds none."""
    if not most_spam_hits(view):
        return 0.0
    return spam_density(view, len(spam_hits(view)))


def spam_words(view: TextView, max_per_1k: float) -> str | None:
    # the bound clears almost every document: no spam terms, or too few for the threshold
    if spam_density(view, most_spam_hits(view)) <= max_per_1k:
        return None
    hits = spam_hits(view)
    density = spam_density(view, len(hits))
    if density > max_per_1k:
        examples = ", ".join(sorted(set(hits))[:3])
        return f"spam_words_per_1k={density:.2f} > {max_per_1k} ({examples})"
    return None
