"""Repetition inside a document: Gopher's rules, FineWeb-2's Korean thresholds as a start.

Words are eojeol. Character fractions count the characters of words, spaces excluded, in
numerator and denominator alike. N-grams are compared by a 64-bit key mixed from their words'
hashes; within one document a collision is too unlikely to change a decision.
"""

from collections.abc import Sequence

import numpy as np

from transforms.filters.text_view import TextView, Words


def dup_line_frac(view: TextView) -> float:
    """Share of lines that repeat an earlier line (what a set of the lines leaves out)."""
    lines = len(view.lines)
    return (lines - len(view.distinct_lines)) / lines if lines else 0.0


def dup_line_char_frac(view: TextView) -> float:
    """Share of line characters in lines that repeat an earlier line."""
    chars = sum(map(len, view.lines))
    return (chars - sum(map(len, view.distinct_lines))) / chars if chars else 0.0


def dup_lines(view: TextView, max_frac: float) -> str | None:
    frac = dup_line_frac(view)
    return f"dup_line_frac={frac:.3f} > {max_frac}" if frac > max_frac else None


def dup_line_chars(view: TextView, max_frac: float) -> str | None:
    frac = dup_line_char_frac(view)
    return f"dup_line_char_frac={frac:.3f} > {max_frac}" if frac > max_frac else None


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equal keys grouped: (sort order, start of each run in that order, run lengths)."""
    order = keys.argsort()
    ordered = keys[order]
    starts = np.concatenate(([True], ordered[1:] != ordered[:-1])).nonzero()[0]
    return order, starts, np.concatenate((starts[1:], [len(keys)])) - starts


def top_ngram_char_frac(words: Words, n: int) -> float:
    """Characters covered by the most frequent n-gram, counted at every occurrence (among equally
    frequent n-grams the longest) / all characters."""
    keys = words.ngram_keys(n)
    if not keys.size:
        return 0.0
    order, starts, runs = _runs(keys)
    top = runs.max()
    if top == 1:  # nothing repeats; the longest n-gram of a short text is no repetition
        return 0.0
    longest = words.window_chars(n)[order[starts[runs == top]]].max()
    return float(top * longest / words.offsets[-1])


def dup_ngram_char_frac(words: Words, n: int) -> float:
    """Characters of words inside an n-gram that occurred earlier in the document / all."""
    keys = words.ngram_keys(n)
    if not keys.size:
        return 0.0
    order = keys.argsort()
    ordered = keys[order]
    run_starts = np.empty(len(keys), dtype=bool)
    run_starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=run_starts[1:])
    starts = run_starts.nonzero()[0]
    if len(starts) == len(keys):  # nothing repeats
        return 0.0
    repeated = np.ones(len(keys), dtype=np.int8)
    repeated[np.minimum.reduceat(order, starts)] = 0  # each n-gram's first occurrence
    # a word is covered when one of the n n-grams that contain it is a repeat
    covered = np.convolve(repeated, _ones(n)) > 0
    return float(words.lengths[covered].sum() / words.offsets[-1])


def _ones(n: int) -> np.ndarray:
    ones = _ONES.get(n)
    if ones is None:
        ones = _ONES[n] = np.ones(n, dtype=np.int8)
    return ones


_ONES: dict[int, np.ndarray] = {}


def top_ngram(view: TextView, max_fracs: Sequence[tuple[int, float]]) -> str | None:
    """Gopher's top n-gram rule; ``max_fracs`` holds (n, max fraction) pairs.

    Two exact bounds clear most documents before any n-gram is counted, both from a bound c_i
    on how often the word at each position i occurs (Words.count_bounds). An n-gram occurring
    c times has each of its words occurring c times or more, so it covers at most n x the
    largest c_i x (length of word i); and, tighter, at most the largest over positions i of
    min(c_i .. c_i+n-1) x (characters of the n words from i).
    """
    words = view.words
    if not words.lengths.size:
        return None
    total = words.offsets[-1]
    heaviest = None
    for n, max_frac in ((int(n), max_frac) for n, max_frac in max_fracs):
        if 0 < n <= len(words.lengths):
            if heaviest is None:
                heaviest = int((words.count_bounds(1) * words.lengths).max())
            if n * heaviest <= max_frac * total:
                continue
            if (words.count_bounds(n) * words.window_chars(n)).max() / total <= max_frac:
                continue
        frac = top_ngram_char_frac(words, n)
        if frac > max_frac:
            return f"top_{n}gram_char_frac={frac:.3f} > {max_frac}"
    return None


def dup_ngram(view: TextView, max_fracs: Sequence[tuple[int, float]]) -> str | None:
    """Gopher's duplicate n-gram rule; ``max_fracs`` holds (n, max fraction) pairs.

    A repeated (n+1)-gram implies two repeated n-grams, so coverage only shrinks as n grows:
    once it is under every larger n's threshold, the larger n need no computing.
    """
    pairs = sorted((int(n), max_frac) for n, max_frac in max_fracs)
    for index, (n, max_frac) in enumerate(pairs):
        frac = dup_ngram_char_frac(view.words, n)
        if frac > max_frac:
            return f"dup_{n}gram_char_frac={frac:.3f} > {max_frac}"
        if frac <= min(limit for _, limit in pairs[index:]):
            break
    return None
