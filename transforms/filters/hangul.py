"""Share of Hangul among the letters of a document."""

import numpy as np

from transforms.filters.text_view import HANGUL, LETTER, TextView


def letter_counts(view: TextView) -> tuple[int, int]:
    """(Hangul letters, all letters); digits, punctuation and spaces are no letters."""
    hangul = int(np.count_nonzero(view.char_classes == HANGUL))
    return hangul, hangul + int(np.count_nonzero(view.char_classes == LETTER))


def hangul_share_of(view: TextView) -> float:
    """Hangul letters / all letters (0 without letters)."""
    hangul, letters = letter_counts(view)
    return hangul / letters if letters else 0.0


def hangul_share(view: TextView, min_share: float) -> str | None:
    hangul, letters = letter_counts(view)
    share = hangul / letters if letters else 0.0
    if share < min_share:
        return f"hangul_share={share:.3f} < {min_share} ({letters} letters)"
    return None
