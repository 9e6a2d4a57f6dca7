"""Repetition inside a document: Gopher's rules, FineWeb-2's Korean thresholds as a start.

Words are eojeol. Character fractions count the characters of words, spaces excluded, in
numerator and denominator alike. N-grams are compared by a 64-bit key mixed from their words'
hashes; within one document a collision is too unlikely to change a decision.
"""

from collections.abc import Sequence

import numpy as np

from transforms.filters.text_view import TextView, Words


def _duplicate_lines(view: TextView) -> tuple[int, int]:
    """(lines that repeat an earlier line, their characters): what a set of the lines drops."""
    distinct = set(view.lines)
    return (
        len(view.lines) - len(distinct),
        sum(map(len, view.lines)) - sum(map(len, distinct)),
    )


def dup_lines(view: TextView, max_frac: float) -> str | None:
    """Share of lines that repeat an earlier line."""
    repeated, _ = _duplicate_lines(view)
    frac = repeated / max(len(view.lines), 1)
    return f"dup_line_frac={frac:.3f} > {max_frac}" if frac > max_frac else None


def dup_line_chars(view: TextView, max_frac: float) -> str | None:
    """Share of line characters in lines that repeat an earlier line."""
    _, repeated_chars = _duplicate_lines(view)
    frac = repeated_chars / max(sum(map(len, view.lines)), 1)
    return f"dup_line_char_frac={frac:.3f} > {max_frac}" if frac > max_frac else None


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equal keys grouped: (sort order, start of each run in that order, run lengths)."""
    order = np.argsort(keys)
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return order, starts, np.concatenate((starts[1:], [len(keys)])) - starts


def top_ngram_count_and_frac(words: Words, n: int) -> tuple[int, float]:
    """How often the most frequent n-gram occurs, and the characters it covers (counted at every
    occurrence; among equally frequent n-grams the longest) / all characters."""
    keys = words.ngram_keys(n)
    if not keys.size:
        return 0, 0.0
    order, starts, runs = _runs(keys)
    top = int(runs.max())
    if top == 1:  # nothing repeats; the longest n-gram of a short text is no repetition
        return 1, 0.0
    longest = words.window_chars(n)[order[starts[runs == top]]].max()
    return top, float(top * longest / words.offsets[-1])


def dup_ngram_char_frac(words: Words, n: int) -> float:
    """Characters of words inside an n-gram that occurred earlier in the document / all."""
    keys = words.ngram_keys(n)
    if not keys.size:
        return 0.0
    order, starts, runs = _runs(keys)
    if len(runs) == len(keys):
        return 0.0
    repeated = np.ones(len(keys), dtype=np.int8)
    repeated[np.minimum.reduceat(order, starts)] = 0  # each n-gram's first occurrence
    # a word is covered when one of the n n-grams that contain it is a repeat
    covered = np.convolve(repeated, np.ones(n, dtype=np.int8)) > 0
    return float(words.lengths[covered].sum() / words.offsets[-1])


def _heaviest_word_chars(words: Words) -> int:
    """The largest count x length of any one word."""
    order, starts, runs = _runs(words.hashes)
    return int((runs * words.lengths[order[starts]]).max())


def top_ngram(view: TextView, max_fracs: Sequence[tuple[int, float]]) -> str | None:
    """Gopher's top n-gram rule; ``max_fracs`` holds (n, max fraction) pairs.

    Two bounds clear most documents without counting n-grams: each word of an n-gram occurring
    c times occurs c times too, so the n-gram covers at most n x the heaviest word's characters;
    and it occurs at most as often as the top (n-1)-gram, each time at most the longest n words.
    """
    words = view.words
    if not words.lengths.size:
        return None
    total, heaviest, top = words.offsets[-1], _heaviest_word_chars(words), len(words.lengths)
    for n, max_frac in sorted((int(n), max_frac) for n, max_frac in max_fracs):
        if n > len(words.lengths):
            break
        if min(n * heaviest, top * words.window_chars(n).max()) <= max_frac * total:
            continue
        top, frac = top_ngram_count_and_frac(words, n)
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
