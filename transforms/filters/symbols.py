"""Gopher's symbol, bullet and ellipsis rules: hashtag walls, bare lists, teaser lists."""

from itertools import repeat
from operator import itemgetter

from transforms.filters.text_view import TextView

# Line openers that mark list items; "·" and "ㆍ" also join words ("3·1운동"), not at line start.
BULLETS = frozenset("•●○◦■□▪▫◆◇▶►▷‣⁃·ㆍ-*")
ELLIPSES = ("...", "…")


def symbol_word_ratio(view: TextView) -> float:
    """(hash signs + ellipses) per word."""
    text = view.text
    symbols = text.count("#") + sum(map(text.count, ELLIPSES))
    return symbols / max(view.words.lengths.size, 1)


def bullet_line_frac(view: TextView) -> float:
    """Share of lines that start with a bullet."""
    lines = view.lines
    return sum(map(BULLETS.__contains__, map(itemgetter(0), lines))) / max(len(lines), 1)


def ellipsis_line_frac(view: TextView) -> float:
    """Share of lines that end with an ellipsis, the mark of truncated teasers."""
    lines = view.lines
    return sum(map(str.endswith, lines, repeat(ELLIPSES))) / max(len(lines), 1)


def symbol_ratio(view: TextView, max_ratio: float) -> str | None:
    ratio = symbol_word_ratio(view)
    return f"symbol_ratio={ratio:.3f} > {max_ratio}" if ratio > max_ratio else None


def bullet_lines(view: TextView, max_frac: float) -> str | None:
    frac = bullet_line_frac(view)
    return f"bullet_line_frac={frac:.3f} > {max_frac}" if frac > max_frac else None


def ellipsis_lines(view: TextView, max_frac: float) -> str | None:
    frac = ellipsis_line_frac(view)
    return f"ellipsis_line_frac={frac:.3f} > {max_frac}" if frac > max_frac else None
