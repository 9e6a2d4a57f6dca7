"""Morpheme boundaries inside eojeols, found with Kiwi and marked with U+0CF1 (pure core).

Polyglot-Ko's tokenizer was trained on text with U+0CF1 between the morphemes of each eojeol
(``학교에서`` -> ``학교\\u0cf1에서``); its pre-tokenizer splits on and removes the mark, so no BPE
merge crosses a morpheme boundary. Boundaries are only placed where Kiwi's morphemes meet
cleanly and next to Hangul: never at whitespace, never inside a surface span two morphemes share
(``했`` = 하+었), never inside a protected string such as a PII token, and never between two
non-Hangul characters (Kiwi cuts some English words before a full stop: ``subm|enu.``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable

import kiwipiepy
from kiwipiepy import Kiwi

MORPHEME_BOUNDARY = "\u0cf1"
ANALYSER = f"kiwipiepy {kiwipiepy.__version__}"
HANGUL_RANGES = (("\uac00", "\ud7a3"), ("\u1100", "\u11ff"), ("\u3130", "\u318f"))


def is_hangul(char: str) -> bool:
    """Hangul syllables, jamo and compatibility jamo."""
    return any(low <= char <= high for low, high in HANGUL_RANGES)


def load_kiwi() -> Kiwi:
    # One thread: Beam runs one analyser per worker process, so parallelism comes from workers.
    return Kiwi(num_workers=1)


def protected_spans(text: str, protected: Iterable[str]) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of a protected string, left to right."""
    tokens = sorted(set(protected), key=len, reverse=True)
    if not tokens:
        return []
    pattern = re.compile("|".join(re.escape(token) for token in tokens))
    return [match.span() for match in pattern.finditer(text)]


def morpheme_boundaries(kiwi: Kiwi, text: str, protected: Iterable[str] = ()) -> list[int]:
    """Sorted offsets where one morpheme ends and the next begins inside a Korean eojeol."""
    spans = protected_spans(text, protected)
    # Kiwi keeps a pretokenized span as one token, so nothing is split inside a PII token.
    tokens = kiwi.tokenize(text, pretokenized=spans) if text.strip() else []
    candidates = set()
    for token in tokens:
        candidates.add(token.start)
        candidates.add(token.end)
    # Offsets strictly inside some token's span (shared or contracted surface) are not boundaries.
    inside = [False] * (len(text) + 1)
    for start, end in [(token.start, token.end) for token in tokens] + spans:
        for offset in range(start + 1, end):
            inside[offset] = True
    return sorted(
        offset
        for offset in candidates
        if 0 < offset < len(text)
        and not inside[offset]
        and not text[offset - 1].isspace()
        and not text[offset].isspace()
        and (is_hangul(text[offset - 1]) or is_hangul(text[offset]))
    )


def mark_boundaries(text: str, boundaries: list[int]) -> str:
    """``text`` with MORPHEME_BOUNDARY inserted at each offset (sorted, ascending)."""
    pieces = []
    previous = 0
    for offset in boundaries:
        pieces.append(text[previous:offset])
        previous = offset
    pieces.append(text[previous:])
    return MORPHEME_BOUNDARY.join(pieces)


def split_morphemes(kiwi: Kiwi, text: str, protected: Iterable[str] = ()) -> str:
    """Training text for morpheme-aware BPE: U+0CF1 between the morphemes of each eojeol."""
    return mark_boundaries(text, morpheme_boundaries(kiwi, text, protected))


def crosses_boundary(boundaries: list[int], start: int, end: int) -> bool:
    """Whether a span [start, end) has a morpheme boundary strictly inside it."""
    following = bisect_right(boundaries, start)
    return following < len(boundaries) and boundaries[following] < end
