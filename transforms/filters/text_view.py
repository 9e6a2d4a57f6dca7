"""What the document filters measure, computed at most once per document and shared.

Words are eojeol, the whitespace-separated units of Korean spacing (docs/cleaning.md explains
why not Kiwi morphemes). They are found and hashed with numpy over the code points, which
measured faster than str.split() and hashing each word in Python. Most documents are a few
hundred words, where each numpy call costs more in overhead than in work, so the passes below
are arranged to make as few calls as possible.
"""

from collections.abc import Callable
from typing import Any, Generic, NamedTuple, TypeVar

import numpy as np

from transforms.langid import Language, identify

OTHER, LETTER, HANGUL, SPACE = 0, 1, 2, 3
_HASH_BASE = 0x100000001B3  # odd, so it has an inverse modulo 2**64
_HASH_BASE_INVERSE = pow(_HASH_BASE, -1, 2**64)
_NGRAM_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd, so n-gram keys depend on all of each word hash
_PAD = " "  # one space either side of the text: every word then has a space before and after


def _char_class_table() -> np.ndarray:
    """The class of every BMP code point; Hangul syllables and compatibility jamo are HANGUL."""
    table = np.array(
        [
            SPACE if chr(cp).isspace() else LETTER if chr(cp).isalpha() else OTHER
            for cp in range(0x10000)
        ],
        dtype=np.uint8,
    )
    table[0xAC00:0xD7A4] = HANGUL
    table[0x3131:0x318F] = HANGUL
    return table


# Code points above the BMP (emoji, rare Han) are clipped to U+FFFF, which is OTHER.
_CLASS_OF = _char_class_table()


def _powers(base: int, count: int) -> np.ndarray:
    """base**0 .. base**(count-1) modulo 2**64 (uint64 arithmetic wraps)."""
    powers = np.full(count, base, dtype=np.uint64)
    powers[0] = 1
    return np.cumprod(powers, dtype=np.uint64)


# Long enough for any document under FilterConfig's default max_chars; longer ones compute theirs.
_POWER_TABLE_SIZE = 1 << 18
_POWERS = _powers(_HASH_BASE, _POWER_TABLE_SIZE)
_INVERSE_POWERS = _powers(_HASH_BASE_INVERSE, _POWER_TABLE_SIZE)
_NO_WORDS = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64))
for _empty in _NO_WORDS:
    _empty.flags.writeable = False  # shared by every document without words
_COUNT_BUCKET_BITS = 12
_COUNT_BUCKET_SHIFT = np.uint64(64 - _COUNT_BUCKET_BITS)


def _mix_powers(n: int) -> np.ndarray:
    """MIX**(n-1), ..., MIX, 1 modulo 2**64."""
    powers = _MIX_POWERS.get(n)
    if powers is None:
        mix = int(_NGRAM_MIX)
        powers = _MIX_POWERS[n] = np.array(
            [pow(mix, n - 1 - i, 2**64) for i in range(n)], dtype=np.uint64
        )
    return powers


_MIX_POWERS: dict[int, np.ndarray] = {}


def _arange(n: int) -> np.ndarray:
    arange = _ARANGE.get(n)
    if arange is None:
        arange = _ARANGE[n] = np.arange(n)
    return arange


_ARANGE: dict[int, np.ndarray] = {}

T = TypeVar("T")


class _computed_once(Generic[T]):  # lower case: a decorator, like functools.cached_property
    """functools.cached_property without its per-instance lock (Python 3.11 takes one on every
    first access, which costs more than most of the values here)."""

    def __init__(self, compute: Callable[[Any], T]):
        self._compute = compute
        self._name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, view: Any, owner: type | None = None) -> T:
        if view is None:
            return self  # type: ignore[return-value]
        value = view.__dict__[self._name] = self._compute(view)
        return value


class Candidates(NamedTuple):
    """The n-grams of a document that may occur more than once (transforms/filters/repetition.py),
    grouped by key: positions, their sort order by key, the start and length of each run of
    equal keys in that order, the longest run (0 without candidates) and a mask of the positions
    whose n-gram does repeat (for words, may repeat)."""

    positions: np.ndarray
    order: np.ndarray
    starts: np.ndarray
    runs: np.ndarray
    top: int
    repeated: np.ndarray


class Words:
    """The words of a document: lengths, hashes and character offsets, and what the
    repetition rules derive from them, each made on first use and kept. (A plain class with
    slots: a frozen dataclass costs more to make than most of the arrays.)"""

    __slots__ = (
        "lengths",
        "hashes",
        "offsets",
        "_count_bounds",
        "fracs",
        "candidates",
    )

    def __init__(self, lengths: np.ndarray, hashes: np.ndarray, offsets: np.ndarray):
        self.lengths = lengths  # characters per word
        self.hashes = hashes  # a 64-bit polynomial hash of each word; equal words, equal hashes
        self.offsets = offsets  # characters of all words before each word, then of all words
        self._count_bounds: dict[int, np.ndarray] = {}
        self.fracs: dict[tuple[str, int], float] = {}  # the repetition measures, by (kind, n)
        self.candidates: dict[int, Candidates] = {}  # the n-grams that may repeat, by n

    def __repr__(self) -> str:
        return f"Words(lengths={self.lengths!r}, hashes={self.hashes!r}, offsets={self.offsets!r})"

    @staticmethod
    def of(lengths: np.ndarray, hashes: np.ndarray) -> "Words":
        offsets = np.zeros(len(lengths) + 1, dtype=lengths.dtype)
        np.cumsum(lengths, out=offsets[1:])
        return Words(lengths, hashes, offsets)

    def window_chars(self, n: int) -> np.ndarray:
        """Characters of the n words starting at each position."""
        return self.offsets[n:] - self.offsets[:-n]

    def ngram_keys(self, n: int, positions: np.ndarray) -> np.ndarray:
        """A 64-bit key for the n words starting at each of ``positions``: their hashes h_0 ..
        h_n-1 mixed as h_0 * MIX**(n-1) + h_1 * MIX**(n-2) + ... + h_n-1 (modulo 2**64). One
        product of the (positions x n) hashes with the powers of MIX."""
        return self.hashes[positions[:, None] + _arange(n)] @ _mix_powers(n)

    def count_bounds(self, n: int) -> np.ndarray:
        """For the n words starting at each position, a bound on how often that n-gram occurs
        in the document: the fewest occurrences of any of its words, counted by the top
        _COUNT_BUCKET_BITS bits of their mixed hashes (words sharing a bucket add up, so counts
        can only be too high). No sort: one bincount."""
        cache = self._count_bounds
        bounds = cache.get(n)
        if bounds is not None:
            return bounds
        if n < 1:
            raise ValueError(f"n-grams of {n} words")
        ones = cache.get(1)
        if ones is None:
            # multiplied first: the hashes of short words have no high bits
            buckets = ((self.hashes * _NGRAM_MIX) >> _COUNT_BUCKET_SHIFT).view(np.int64)
            ones = cache[1] = np.bincount(buckets, minlength=1 << _COUNT_BUCKET_BITS)[buckets]
            if n == 1:
                return ones
        known = n - 1
        while known not in cache:
            known -= 1
        bounds = cache[known]
        for m in range(known + 1, n + 1):
            bounds = cache[m] = np.minimum(bounds[:-1], ones[m - 1 :])
        return bounds


class TextView:
    """A document's text and the splits several rules need, each made on first use."""

    def __init__(self, text: str):
        self.text = text
        self.memos: dict[str, Any] = {}  # what a rule's module keeps for the next one that asks

    @_computed_once
    def language(self) -> Language:
        """CLD2's language of the text."""
        return identify(self.text)

    @_computed_once
    def lines(self) -> list[str]:
        """Non-blank lines, stripped."""
        return list(filter(None, map(str.strip, self.text.split("\n"))))

    @_computed_once
    def distinct_lines(self) -> set[str]:
        return set(self.lines)

    @_computed_once
    def mean_word_length(self) -> float:
        """Characters per word (0 without words)."""
        lengths = self.words.lengths
        return lengths.sum() / lengths.size if lengths.size else 0.0

    @_computed_once
    def padded_codepoints(self) -> np.ndarray:
        """The code points of the text with a space either side (uint32)."""
        return np.frombuffer((_PAD + self.text + _PAD).encode("utf-32-le"), dtype=np.uint32)

    @_computed_once
    def _padded_classes(self) -> np.ndarray:
        return _CLASS_OF.take(self.padded_codepoints, mode="clip")

    @_computed_once
    def codepoints(self) -> np.ndarray:
        return self.padded_codepoints[1:-1]

    @_computed_once
    def char_classes(self) -> np.ndarray:
        """OTHER, LETTER, HANGUL or SPACE for every character."""
        return self._padded_classes[1:-1]

    @_computed_once
    def words(self) -> Words:
        spaces = self._padded_classes == SPACE
        # The padding makes every word a run between two spaces, so the flips come in pairs:
        # the space before each word, then the word's last character.
        flips = (spaces[1:] != spaces[:-1]).nonzero()[0]
        if not flips.size:
            return Words.of(*_NO_WORDS)
        before, last = flips[0::2], flips[1::2]
        codepoints = self.padded_codepoints
        size = len(codepoints)
        if size < _POWER_TABLE_SIZE:
            powers, inverse_powers = _POWERS[:size], _INVERSE_POWERS[1 : size + 1]
        else:
            powers = _powers(_HASH_BASE, size)
            inverse_powers = _powers(_HASH_BASE_INVERSE, size + 1)[1:]
        # hash = sum of cp[j] * base**j over the word, times base**-start: equal for equal words.
        # Shifted by one character, the flips bound the segments word, spaces, word, ..., the
        # padding: keep every other sum. inverse_powers is shifted too: [before] is base**-start.
        sums = np.add.reduceat((codepoints * powers)[1:], flips)[0::2]
        return Words.of(last - before, sums * inverse_powers[before])
