"""Repetition inside a document: Gopher's rules, FineWeb-2's Korean thresholds as a start.

Words are eojeol. Character fractions count the characters of words, spaces excluded, in
numerator and denominator alike. N-grams are compared by a 64-bit key mixed from their words'
hashes; within one document a collision is too unlikely to change a decision.
"""

from collections.abc import Sequence

import numpy as np

from transforms.filters.text_view import Candidates, TextView, Words


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
    if not order.size:
        return order, order, order
    ordered = keys[order]
    starts = np.concatenate(([True], ordered[1:] != ordered[:-1])).nonzero()[0]
    return order, starts, np.concatenate((starts[1:], [len(keys)])) - starts


def _repeat_candidates(words: Words, n: int) -> Candidates:
    """The n-grams that can occur more than once, grouped by key; kept for the next n.

    An n-gram that occurs twice is made of two (n-1)-grams that each occur twice (at i and
    i+1), so only those positions are keyed and sorted: most n-grams of prose occur once, and
    the candidates thin out as n grows. Words (n = 1) start from Words.count_bounds, a bound
    on each word's count from one bincount: a superset of the repeated words, no sort.
    Every n-gram that occurs more than once is a candidate, so the measures below equal those
    over all n-grams (up to a collision of 64-bit keys, as there).
    """
    found = words.candidates.get(n)
    if found is not None:
        return found
    if n == 1:
        repeated = words.count_bounds(1) >= 2
        positions = repeated.nonzero()[0]
        order, starts, runs = _runs(words.hashes[positions])
    else:
        before = _repeat_candidates(words, n - 1)
        if before.top < 2:  # no (n-1)-gram repeats: no n-gram does
            words.candidates[n] = before
            return before
        repeated = before.repeated[:-1] & before.repeated[1:]
        positions = repeated.nonzero()[0]
        keys = words.ngram_keys(n, positions)
        order, starts, runs = _runs(keys)
    top = int(runs.max()) if runs.size else 0
    if top >= 2 and n > 1:
        repeated = np.zeros(len(repeated), dtype=bool)
        repeated[positions[order[np.repeat(runs >= 2, runs)]]] = True
    found = words.candidates[n] = Candidates(positions, order, starts, runs, top, repeated)
    return found


def _once(words: Words, kind: str, n: int, measure) -> float:
    """``measure(words, n)``, computed once per document (the signal and the rule share it)."""
    frac = words.fracs.get((kind, n))
    if frac is None:
        frac = words.fracs[kind, n] = measure(words, n)
    return frac


def top_ngram_char_frac(words: Words, n: int) -> float:
    """Characters covered by the most frequent n-gram, counted at every occurrence (among equally
    frequent n-grams the longest) / all characters. Computed once per document and n."""
    return _once(words, "top", n, _top_ngram_char_frac)


def _top_ngram_char_frac(words: Words, n: int) -> float:
    if not 1 <= n <= len(words.lengths):
        return 0.0
    found = _repeat_candidates(words, n)
    top = found.top
    if top < 2:  # nothing repeats; the longest n-gram of a short text is no repetition
        return 0.0
    firsts = found.positions[found.order[found.starts[found.runs == top]]]
    longest = words.window_chars(n)[firsts].max()
    return float(top * longest / words.offsets[-1])


def dup_ngram_char_frac(words: Words, n: int) -> float:
    """Characters of words inside an n-gram that occurred earlier in the document / all.
    Computed once per document and n."""
    return _once(words, "dup", n, _dup_ngram_char_frac)


def _dup_ngram_char_frac(words: Words, n: int) -> float:
    if not 1 <= n <= len(words.lengths):
        return 0.0
    found = _repeat_candidates(words, n)
    if found.top < 2:  # nothing repeats
        return 0.0
    repeated = np.zeros(len(words.lengths) - n + 1, dtype=np.int8)
    ordered = found.positions[found.order]
    repeated[ordered] = 1
    repeated[np.minimum.reduceat(ordered, found.starts)] = 0  # each n-gram's first occurrence
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
