"""The language of a document, by CLD2 (``pycld2``, its model compiled into the wheel).

CLD2 was chosen over nine other offline libraries, measured in docs/cleaning.md ("Language ID:
the choice and its threshold"): as accurate on Korean and mixed Korean/English text as fastText's
lid.176, 4-5 times faster (about 30 ns a byte), nothing to load or download. Its percentages are
shares of the text's bytes per language, so ``korean_share`` is the part of the document CLD2
reads as Korean, and ``score`` the share of the top language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pycld2

# What CLD2 refuses to read (it raises): control characters, noncharacters, lone surrogates.
_UNREADABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]"
)


@dataclass(frozen=True)
class Language:
    """CLD2's verdict: the top language's code (``un``: unknown) and share, and Korean's share."""

    code: str
    score: float
    korean_share: float


def identify(text: str) -> Language:
    """The language of ``text`` (plain text, not HTML)."""
    try:
        _, _, details = pycld2.detect(text, isPlainText=True, bestEffort=True)
    except (pycld2.error, UnicodeEncodeError):
        _, _, details = pycld2.detect(_UNREADABLE.sub(" ", text), isPlainText=True, bestEffort=True)
    korean = sum(percent for _, code, percent, _ in details if code == "ko")
    return Language(details[0][1], details[0][2] / 100, korean / 100)
