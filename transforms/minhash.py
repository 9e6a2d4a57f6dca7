"""MinHash signatures and LSH banding: the Beam-free core of near-duplicate detection.

A document becomes a set of shingle ids (32-bit hashes of character, eojeol or morpheme
n-grams), then a MinHash signature of ``bands * rows`` values: for each of the hash functions
``h_i(x) = ((a_i * x + b_i) mod 2^64) >> 32``, the minimum over the document's shingles. Two
documents agree in one signature position with probability equal to the Jaccard similarity of
their shingle sets. LSH cuts the signature into ``bands`` bands of ``rows`` values; documents that
share a whole band become candidate duplicates.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Sequence
from functools import cache
from math import comb

import numpy as np

SHINGLE_KINDS = ("char", "word", "morpheme")
BAND_KEY_BYTES = 16

_NON_WORD = re.compile(r"[\W_]+")
# Shingles hashed at once (a hashes x shingles matrix): it bounds memory for very long documents.
_CHUNK = 1024
_POLY = np.uint64(0x100000001B3)  # FNV-1a 64-bit prime: multiplier of the n-gram polynomial

Tokenizer = Callable[[str], list[str]]


def simplify(text: str) -> str:
    """Lower case, every run of punctuation, symbols and spaces as one space.

    Shingles then ignore punctuation and spacing noise ("...", "!!", double spaces).
    """
    return _NON_WORD.sub(" ", text.lower()).strip()


@cache
def _kiwi():
    from kiwipiepy import Kiwi  # loads a ~100 MB model: only when morphemes are asked for

    return Kiwi()


def kiwi_morphemes(text: str) -> list[str]:
    """The morpheme forms of ``text`` by Kiwi, punctuation and symbols left out."""
    return [
        token.form for token in _kiwi().tokenize(text) if _NON_WORD.fullmatch(token.form) is None
    ]


def token_ids(text: str, kind: str, morphemes: Tokenizer = kiwi_morphemes) -> np.ndarray:
    """The document as a uint64 array of token ids, before n-grams are formed.

    ``char``: code points with all spaces and punctuation removed, so that Korean spacing
    variants (띄어쓰기) give the same shingles; ``word``: eojeols (space-separated words);
    ``morpheme``: Kiwi morphemes.
    """
    if kind == "char":
        compact = simplify(text).replace(" ", "")
        return np.frombuffer(compact.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if kind == "word":
        words = simplify(text).split()
    elif kind == "morpheme":
        words = [form.lower() for form in morphemes(text)]
    else:
        raise ValueError(f"unknown shingle kind {kind!r}; expected one of {SHINGLE_KINDS}")
    return np.fromiter((zlib.crc32(w.encode("utf-8")) for w in words), np.uint64, len(words))


def shingle_ids(text: str, kind: str, n: int, morphemes: Tokenizer = kiwi_morphemes) -> np.ndarray:
    """The sorted, distinct 32-bit ids of the document's token n-grams (uint64 array).

    A document shorter than ``n`` tokens is one shingle; an empty one has none.
    """
    return np.unique(shingle_hashes(text, kind, n, morphemes))


def shingle_hashes(
    text: str, kind: str, n: int, morphemes: Tokenizer = kiwi_morphemes
) -> np.ndarray:
    """The 32-bit ids of the document's token n-grams in text order, repeats included: what a
    MinHash signature needs (a minimum over a multiset is the minimum over its set), without
    the sort that :func:`shingle_ids` pays for distinctness."""
    tokens = token_ids(text, kind, morphemes)
    if tokens.size == 0:
        return tokens
    width = min(n, tokens.size)
    count = tokens.size - width + 1
    grams = np.zeros(count, dtype=np.uint64)
    for offset in range(width):
        grams *= _POLY
        grams += tokens[offset : offset + count]
    # A 64-bit finaliser spreads the polynomial's bits before the top 32 are kept.
    grams ^= grams >> np.uint64(31)
    grams *= np.uint64(0x94D049BB133111EB)
    grams ^= grams >> np.uint64(29)
    return grams >> np.uint64(32)


def _parameter(seed: int, index: int, name: str) -> np.uint64:
    """A uniform 64-bit hash parameter, fixed by (seed, index) in every process and version."""
    digest = hashlib.blake2b(f"{seed}:{index}:{name}".encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


class MinHasher:
    """``num_hashes`` multiply-add-shift hash functions of 32-bit shingle ids.

    ``((a * x + b) mod 2^64) >> 32`` with uniform 64-bit ``a`` and ``b`` is strongly universal
    from 32-bit keys to 32-bit values (Dietzfelbinger 1996), as good for MinHash as the textbook
    ``(a * x + b) mod p``, and numpy computes it with native wrapping uint64 arithmetic: one
    multiply, one add and one minimum per shingle and hash. The shift is monotonic, so it is
    applied once to the minima.
    """

    def __init__(self, num_hashes: int, seed: int):
        self.num_hashes = num_hashes
        self._a = np.array([_parameter(seed, i, "a") for i in range(num_hashes)])[:, None]
        self._b = np.array([_parameter(seed, i, "b") for i in range(num_hashes)])[:, None]
        self._buffer = np.empty((num_hashes, _CHUNK), dtype=np.uint64)

    def signature(self, shingles: np.ndarray) -> np.ndarray:
        """The MinHash signature (uint64 values < 2^32) of shingle ids below 2^32."""
        minima = np.full(self.num_hashes, np.iinfo(np.uint64).max, dtype=np.uint64)
        for start in range(0, shingles.size, _CHUNK):
            x = shingles[None, start : start + _CHUNK]
            hashed = self._buffer[:, : x.shape[1]]
            np.multiply(self._a, x, out=hashed)  # wraps mod 2^64, as intended
            np.add(hashed, self._b, out=hashed)
            np.minimum(minima, hashed.min(axis=1), out=minima)
        return minima >> np.uint64(32)


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[bytes]:
    """One 16-byte key per band: equal keys mean the band's ``rows`` values are all equal."""
    if signature.size < bands * rows:
        raise ValueError(f"signature of {signature.size} values is shorter than {bands}x{rows}")
    raw = signature.astype("<u8").tobytes()
    width = 8 * rows
    return [
        hashlib.blake2b(
            raw[band * width : (band + 1) * width],
            digest_size=BAND_KEY_BYTES,
            salt=band.to_bytes(16, "little"),
        ).digest()
        for band in range(bands)
    ]


def check_sketch(signature: np.ndarray) -> bytes:
    """The signature as 4-byte values (each is below 2^32): the compact form pairs compare."""
    return signature.astype("<u4").tobytes()


def estimated_jaccard(sketch_a: bytes, sketch_b: bytes) -> float:
    """The share of equal signature positions: an unbiased estimate of the Jaccard similarity."""
    a = np.frombuffer(sketch_a, dtype="<u4")
    b = np.frombuffer(sketch_b, dtype="<u4")
    if a.size != b.size or a.size == 0:
        raise ValueError(f"sketches of {a.size} and {b.size} values cannot be compared")
    return float(np.count_nonzero(a == b)) / a.size


def jaccard(a: Sequence[int] | np.ndarray, b: Sequence[int] | np.ndarray) -> float:
    """The exact Jaccard similarity of two shingle-id collections (1.0 for two empty ones)."""
    set_a, set_b = set(np.asarray(a).tolist()), set(np.asarray(b).tolist())
    union = len(set_a | set_b)
    return len(set_a & set_b) / union if union else 1.0


def detection_probability(jaccard: float, bands: int, rows: int) -> float:
    """P(two documents with this Jaccard similarity share at least one band): 1-(1-J^r)^b."""
    return 1.0 - (1.0 - jaccard**rows) ** bands


def detection_probability_with_check(
    jaccard: float, bands: int, rows: int, threshold: float
) -> float:
    """P(share a band and at least ``threshold`` of the signature positions agree).

    Exact when positions agree independently with probability ``jaccard``: a walk over the
    bands that tracks (positions agreeing so far, whether a whole band agreed yet).
    """
    needed = int(np.ceil(threshold * bands * rows - 1e-9))
    band_dist = [comb(rows, k) * jaccard**k * (1 - jaccard) ** (rows - k) for k in range(rows + 1)]
    # state[matched][agree]: probability after the bands seen so far
    state = {(False, 0): 1.0}
    for _ in range(bands):
        following: dict[tuple[bool, int], float] = {}
        for (matched, agree), p in state.items():
            for k, pk in enumerate(band_dist):
                key = (matched or k == rows, agree + k)
                following[key] = following.get(key, 0.0) + p * pk
        state = following
    return sum(p for (matched, agree), p in state.items() if matched and agree >= needed)
