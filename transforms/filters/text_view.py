"""What the document filters measure, computed at most once per document and shared.

Words are eojeol, the whitespace-separated units of Korean spacing (docs/cleaning.md explains
why not Kiwi morphemes). They are found and hashed with numpy over the code points, which
measured faster than str.split() and hashing each word in Python.
"""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

OTHER, LETTER, HANGUL, SPACE = 0, 1, 2, 3
_HASH_BASE = 0x100000001B3  # odd, so it has an inverse modulo 2**64
_HASH_BASE_INVERSE = pow(_HASH_BASE, -1, 2**64)
_NGRAM_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd, so n-gram keys depend on all of each word hash


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


@dataclass(frozen=True)
class Words:
    lengths: np.ndarray  # characters per word
    hashes: np.ndarray  # a 64-bit polynomial hash of each word; equal words, equal hashes
    offsets: np.ndarray  # characters of all words before each word, then of all words
    _ngram_keys: dict[int, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @staticmethod
    def of(lengths: np.ndarray, hashes: np.ndarray) -> "Words":
        return Words(lengths, hashes, np.concatenate(([0], lengths.cumsum())))

    def window_chars(self, n: int) -> np.ndarray:
        """Characters of the n words starting at each position."""
        return self.offsets[n:] - self.offsets[:-n]

    def ngram_keys(self, n: int) -> np.ndarray:
        """A 64-bit key for the n words starting at each position, made from the (n-1)-gram keys
        and kept, since the repetition rules ask for n = 2, 3, 4 and then 5 and up."""
        if n == 1:
            return self.hashes
        if n not in self._ngram_keys:
            shorter = self.ngram_keys(n - 1)
            self._ngram_keys[n] = shorter[:-1] * _NGRAM_MIX + self.hashes[n - 1 :]
        return self._ngram_keys[n]


class TextView:
    """A document's text and the splits several rules need, each made on first use."""

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def lines(self) -> list[str]:
        """Non-blank lines, stripped."""
        return list(filter(None, map(str.strip, self.text.split("\n"))))

    @cached_property
    def distinct_lines(self) -> set[str]:
        return set(self.lines)

    @cached_property
    def codepoints(self) -> np.ndarray:
        return np.frombuffer(self.text.encode("utf-32-le"), dtype=np.uint32)

    @cached_property
    def char_classes(self) -> np.ndarray:
        """OTHER, LETTER, HANGUL or SPACE for every character."""
        return _CLASS_OF.take(self.codepoints, mode="clip")

    @cached_property
    def words(self) -> Words:
        in_word = np.concatenate(([False], self.char_classes != SPACE, [False]))
        # where in_word flips: the first character of each word, then the one after its end
        edges = (in_word[1:] != in_word[:-1]).nonzero()[0]
        if not edges.size:
            return Words.of(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64))
        starts, ends = edges[0::2], edges[1::2]
        size = len(self.codepoints)
        if size <= _POWER_TABLE_SIZE:
            powers, inverse_powers = _POWERS[:size], _INVERSE_POWERS[:size]
        else:
            powers, inverse_powers = _powers(_HASH_BASE, size), _powers(_HASH_BASE_INVERSE, size)
        # hash = sum of cp[j] * base**j over the word, times base**-start: equal for equal words.
        # Sums between consecutive edges alternate word, spaces, word...: keep every other one
        # (reduceat sums the last segment to the end, so an edge at the very end is left out).
        bounds = edges[:-1] if edges[-1] == size else edges
        sums = np.add.reduceat(self.codepoints * powers, bounds)[0::2]
        return Words.of(ends - starts, sums * inverse_powers[starts])
