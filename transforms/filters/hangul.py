"""Share of Hangul among the letters of a document."""

import numpy as np

from transforms.filters.text_view import HANGUL, LETTER, TextView


def hangul_share(view: TextView, min_share: float) -> str | None:
    """Hangul letters / all letters; digits, punctuation and spaces count neither way."""
    hangul = np.count_nonzero(view.char_classes == HANGUL)
    letters = hangul + np.count_nonzero(view.char_classes == LETTER)
    share = hangul / letters if letters else 0.0
    if share < min_share:
        return f"hangul_share={share:.3f} < {min_share} ({letters} letters)"
    return None
