"""Benchmark decontamination's pure core: benchmark items, their n-gram index, document matches.

A training document is removed when it shares a long n-gram with any benchmark item:

- **character n-grams** over the *matching form* of the text: every character folded one to one
  (NFKC of the single character, then case folding), and only letters and digits kept, so
  spacing, punctuation and full-width forms do not matter ("학교에 갔다." = "학교에갔다");
- **eojeol n-grams**: n consecutive whitespace-separated words, each in the same matching form
  (a word of punctuation only is no word).

Both are hashed with a polynomial rolling hash over code points (uint64 arithmetic, which wraps
mod 2^64; the base is odd, so its powers are invertible and every window's hash comes from two
prefix sums), vectorised with numpy. The index holds the sorted hashes of every item's n-grams
with the item and position of each, and a two-bit Bloom filter in front of them: most document
windows are answered by two table reads, and only the Bloom filter's hits (about 1%) are looked
up. A hit counts only when the code points (or the word hashes) of the window equal the item's,
so a hash collision cannot remove a document.

Items shorter than the character n-gram (after folding) but with at least ``min_item_chars``
letters (a KoBEST COPA premise, a KLUE-NLI hypothesis) are matched **whole**: a document must
contain the entire item in the matching form, not just a run of it. Shorter items still (a
KoBEST WiC word) are **skipped**: they share their text with ordinary Korean too often to be a
sign of contamination (with the eojeol rule on, an item with enough words is indexed by it too).
The contamination table counts the items indexed either way (``items_indexed`` against
``items``). Characters beyond the BMP (emoji) are not
part of the matching form. See docs/decontamination.md for the n sizes and how they were chosen.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from apache_beam.io.filesystems import FileSystems

from transforms.config_flags import option
from transforms.records import Drop

REASON = "benchmark_overlap"
BENCHMARK_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".parquet", ".arrow")
DEFAULT_FIELDS = [
    "text",
    "question",
    "premise",
    "hypothesis",
    "sentence",
    "sentence1",
    "sentence2",
    "paragraph",
    "passage",
    "context",
    "alternative_1",
    "alternative_2",
    "ending_1",
    "ending_2",
    "ending_3",
    "ending_4",
    "choices",
    "A",
    "B",
    "C",
    "D",
]

CHUNK_CHARS = 1 << 20  # benchmark text hashed at a time while the index is built
_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd: invertible mod 2^64
_WORD_BASE = np.uint64(0xC2B2AE3D27D4EB4F)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_S29, _S32 = np.uint64(29), np.uint64(32)


@dataclass(frozen=True)
class DecontaminateConfig:
    """The ``[decontaminate]`` section: benchmark files and how to match them."""

    paths: list[str] = option(
        default_factory=list,
        flag="--decontaminate",
        unset="off",
        help="benchmark files or directories (JSONL, Parquet, a `datasets` save_to_disk "
        "directory), joined by commas: remove training documents sharing a long n-gram with "
        "any of their items",
    )
    fields: list[str] = option(
        default_factory=lambda: list(DEFAULT_FIELDS),
        flag="--decontaminate-fields",
        help="the item fields whose text is matched (those present, joined; a list field's "
        "strings are joined too)",
    )
    id_field: str = option(
        "id",
        flag="--decontaminate-id-field",
        help="the item field that names an item; without it, the item's position",
    )
    char_ngram: int = option(
        50,
        flag="--decontaminate-char-ngram",
        help="letters and digits (spacing and punctuation left out) that a document must share "
        "with an item; 0: off",
    )
    eojeol_ngram: int = option(
        0,
        flag="--decontaminate-eojeol-ngram",
        help="consecutive words (eojeol) that a document must share with an item; 0: off",
    )
    min_item_chars: int = option(
        30,
        flag="--decontaminate-min-item-chars",
        help="an item with fewer letters and digits than char_ngram but at least this many is "
        "matched whole (a document must contain all of it); shorter items are skipped; 0: off",
    )

    def __post_init__(self) -> None:
        for name in ("char_ngram", "eojeol_ngram", "min_item_chars"):
            if getattr(self, name) < 0:
                raise ValueError(f"decontaminate.{name} must be 0 (off) or more")
        if self.paths and not (self.char_ngram or self.eojeol_ngram):
            raise ValueError("decontaminate: char_ngram and eojeol_ngram cannot both be 0")

    @property
    def enabled(self) -> bool:
        return bool(self.paths)


class BenchmarkError(ValueError):
    """A benchmark file that cannot be read; the message names it and what to do."""


@dataclass(frozen=True)
class BenchmarkItem:
    benchmark: str
    item_id: str
    text: str


# --- reading benchmark files ------------------------------------------------------------------


def benchmark_name(path: str) -> str:
    """A benchmark's name: its file name without suffixes, or its directory's name."""
    base = os.path.basename(path.rstrip("/"))
    for suffix in BENCHMARK_SUFFIXES:
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def item_text(record: dict[str, Any], fields: Iterable[str]) -> str:
    """The text of the ``fields`` a record has, joined by newlines."""
    parts: list[str] = []
    for name in fields:
        value = record.get(name)
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list | tuple):
            parts.extend(str(v) for v in value if isinstance(v, str | int | float))
        elif isinstance(value, dict):  # e.g. {"text": [...], "label": [...]}
            parts.extend(v for v in value.get("text", []) if isinstance(v, str))
    return "\n".join(p for p in parts if p)


def _files_of(path: str) -> list[str]:
    if os.path.isdir(path):
        found = []
        for root, dirs, names in os.walk(path):
            dirs.sort()
            found.extend(
                os.path.join(root, n)
                for n in sorted(names)
                if n.endswith(BENCHMARK_SUFFIXES)
                and n not in ("dataset_info.json", "state.json")
                and n != "dataset_dict.json"
            )
        if not found:
            raise BenchmarkError(
                f"benchmark directory {path} holds no .jsonl, .parquet or .arrow files; pass "
                "benchmark files or a `datasets` save_to_disk directory to --decontaminate"
            )
        return found
    if not FileSystems.exists(path):
        raise BenchmarkError(
            f"benchmark file {path} not found; check the path given to --decontaminate "
            "(files or directories joined by commas)"
        )
    return [path]


def _records(path: str) -> Iterator[dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.ipc
    import pyarrow.parquet as pq

    if path.endswith(".parquet"):
        with FileSystems.open(path) as stream:
            yield from pq.read_table(stream).to_pylist()
    elif path.endswith(".arrow"):  # `datasets` writes IPC streams; plain Arrow files work too
        with FileSystems.open(path) as stream:
            data = pa.BufferReader(stream.read())
        try:
            table = pyarrow.ipc.open_stream(data).read_all()
        except pa.ArrowInvalid:
            data.seek(0)
            table = pyarrow.ipc.open_file(data).read_all()
        yield from table.to_pylist()
    else:
        with FileSystems.open(path) as stream:  # decompresses .gz by extension
            for number, line in enumerate(stream, 1):
                if line.strip():
                    try:
                        record = json.loads(line, strict=False)
                    except ValueError as err:
                        raise BenchmarkError(f"{path}:{number}: not a JSON line ({err})") from err
                    if isinstance(record, dict):
                        yield record


def _checked_records(file: str) -> Iterator[dict[str, Any]]:
    """The records of one benchmark file; any reader error becomes a :class:`BenchmarkError`."""
    try:
        yield from _records(file)
    except BenchmarkError:
        raise
    except Exception as err:  # noqa: BLE001 - any reader error, said plainly
        raise BenchmarkError(
            f"benchmark file {file} could not be read ({type(err).__name__}: {err}); "
            "--decontaminate takes JSONL, Parquet or `datasets` .arrow files"
        ) from err


def benchmark_files(paths: Iterable[str]) -> list[tuple[str, int]]:
    """(file, size) of every benchmark file, for the prepare stage's fingerprint: a changed
    benchmark reruns prepare."""
    found = []
    for path in paths:
        for file in _files_of(path):
            found.append((file, FileSystems.match([file])[0].metadata_list[0].size_in_bytes))
    return found


def check_benchmarks(paths: Iterable[str]) -> None:
    """Raise :class:`BenchmarkError` naming the first benchmark file that is missing or whose
    first record cannot be read: the launching process checks, a worker reads them all."""
    for path in paths:
        for file in _files_of(path):
            next(_checked_records(file), None)


def load_benchmarks(
    paths: Iterable[str], fields: Iterable[str], id_field: str
) -> list[BenchmarkItem]:
    """Every item of every benchmark path; an item without text in ``fields`` is left out.
    Raises :class:`BenchmarkError` naming the file that cannot be read."""
    fields = list(fields)
    items: list[BenchmarkItem] = []
    for path in paths:
        name = benchmark_name(path)
        for file in _files_of(path):
            prefix = os.path.relpath(file, path) + ":" if file != path else ""
            for position, record in enumerate(_checked_records(file)):
                text = item_text(record, fields)
                if not text:
                    continue
                given = record.get(id_field)
                item_id = str(given) if given is not None else f"{prefix}{position}"
                items.append(BenchmarkItem(name, item_id, unicodedata.normalize("NFC", text)))
    return items


# --- the matching form and its hashes -----------------------------------------------------------


_BEYOND_BMP = 0x10000  # every code point past the BMP looks up this entry: not kept, no space


def _fold_table() -> tuple[np.ndarray, np.ndarray]:
    """For every BMP code point: its folded code point, 0 where it is not kept (not a letter or
    digit); and whether it is whitespace."""
    fold = np.zeros(_BEYOND_BMP + 1, dtype=np.uint64)
    space = np.zeros(_BEYOND_BMP + 1, dtype=bool)
    for cp in range(0x10000):
        ch = chr(cp)
        if ch.isspace():
            space[cp] = True
            continue
        if 0xD800 <= cp < 0xE000:
            continue
        folded = unicodedata.normalize("NFKC", ch).casefold()
        if len(folded) == 1 and folded.isalnum():
            fold[cp] = ord(folded)
        elif ch.isalnum():
            fold[cp] = cp
    return fold, space


_FOLD, _SPACE = _fold_table()


def _mix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _S29)
    h = h * _MIX
    return h ^ (h >> _S32)


class _Powers:
    """B^i and B^-i mod 2^64 for i < size, grown on demand."""

    def __init__(self, base: np.uint64):
        self.base = base
        self.inverse = np.uint64(pow(int(base), -1, 1 << 64))
        self.up = np.ones(1, dtype=np.uint64)
        self.down = np.ones(1, dtype=np.uint64)

    def get(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        if size > len(self.up):
            size = max(size, 2 * len(self.up), 4096)
            self.up = np.cumprod(np.full(size, self.base, dtype=np.uint64)) * self.inverse
            self.down = np.cumprod(np.full(size, self.inverse, dtype=np.uint64)) * self.base
        return self.up[:size], self.down[:size]


_CHAR_POWERS = _Powers(_BASE)
_WORD_POWERS = _Powers(_WORD_BASE)


class MatchingForm:
    """A text's letters and digits, folded (``codes``), where each is in the text (``at``), and
    its words (computed when asked for): the index in ``codes`` where each starts and ends."""

    def __init__(self, text: str):
        cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        self._bmp = np.minimum(cps, _BEYOND_BMP)
        folded = _FOLD[self._bmp]
        self.at = np.flatnonzero(folded)
        self.codes = folded[self.at]
        up, _ = _CHAR_POWERS.get(len(self.codes) + 1)
        self.prefix = np.zeros(len(self.codes) + 1, dtype=np.uint64)  # polynomial prefix sums
        np.cumsum(self.codes * up[: len(self.codes)], out=self.prefix[1:])
        self._words: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def of(cls, text: str) -> MatchingForm:
        return cls(text)

    def _word_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        if self._words is None:
            # a word: kept characters with no whitespace between them
            if len(self.at):
                spaces_before = np.cumsum(_SPACE[self._bmp])[self.at]
                starts = np.flatnonzero(np.diff(spaces_before, prepend=-1))
            else:
                starts = self.at
            ends = np.append(starts[1:], len(self.at)).astype(np.int64)
            self._words = (starts.astype(np.int64), ends)
        return self._words

    @property
    def word_start(self) -> np.ndarray:
        return self._word_bounds()[0]

    @property
    def word_end(self) -> np.ndarray:
        return self._word_bounds()[1]

    def _window_hashes(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        _, down = _CHAR_POWERS.get(len(self.codes) + 1)
        return _mix((self.prefix[ends] - self.prefix[starts]) * down[starts])

    def char_ngrams(self, n: int) -> np.ndarray:
        """The hash of every window of n codes (window k: codes[k:k+n])."""
        count = len(self.codes) - n + 1
        if n <= 0 or count <= 0:
            return np.zeros(0, dtype=np.uint64)
        _, down = _CHAR_POWERS.get(len(self.codes) + 1)
        return _mix((self.prefix[n:] - self.prefix[:count]) * down[:count])

    def word_hashes(self) -> np.ndarray:
        return self._window_hashes(self.word_start, self.word_end)

    def eojeol_ngrams(self, n: int) -> np.ndarray:
        """The hash of every run of n words (run k: words k..k+n-1)."""
        return _word_ngrams(self.word_hashes(), n) if n > 0 else np.zeros(0, dtype=np.uint64)

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Text offsets [start, end) from the code at ``first`` to the code at ``last``."""
        return int(self.at[first]), int(self.at[last]) + 1


# --- the index ---------------------------------------------------------------------------------


class _Table:
    """Sorted n-gram hashes with the position of each (in the items' joined codes or words),
    behind a two-bit Bloom filter."""

    def __init__(self, hashes: np.ndarray, positions: np.ndarray):
        order = np.argsort(hashes, kind="stable")  # equal hashes: in the order given
        self.hashes = hashes[order]
        self.positions = positions.astype(np.int32, copy=False)[order]
        del order
        bits = 1 << max(20, int(16 * max(1, len(hashes)) - 1).bit_length())
        self.shift = np.uint64(64 - (bits.bit_length() - 1))
        self.bloom = np.zeros(bits // 8, dtype=np.uint8)  # bit i: byte i >> 3, bit i & 7
        span = min(bits, 1 << 24)  # set as booleans a slice at a time, then packed
        for key in self._keys(self.hashes):
            for first in range(0, bits, span):
                marks = np.zeros(span, dtype=bool)
                marks[key[(key >= first) & (key < first + span)] - first] = True
                self.bloom[first >> 3 : (first + span) >> 3] |= np.packbits(
                    marks, bitorder="little"
                )

    def _keys(self, hashes: np.ndarray) -> Iterator[np.ndarray]:
        yield (hashes >> self.shift).astype(np.int64)
        yield ((hashes * _MIX) >> self.shift).astype(np.int64)

    def candidates(self, hashes: np.ndarray) -> np.ndarray:
        """The indices of ``hashes`` that are in the table."""
        if not len(hashes) or not len(self.hashes):
            return np.zeros(0, dtype=np.int64)
        one, two = list(self._keys(hashes))
        maybe = (self.bloom[one >> 3] >> (one & 7).astype(np.uint8)) & (
            self.bloom[two >> 3] >> (two & 7).astype(np.uint8)
        )
        where = np.flatnonzero(maybe & 1)
        if not len(where):
            return where
        found = np.searchsorted(self.hashes, hashes[where])
        inside = found < len(self.hashes)
        where, found = where[inside], found[inside]
        return where[self.hashes[found] == hashes[where]]

    def positions_of(self, value: np.uint64) -> np.ndarray:
        lo = int(np.searchsorted(self.hashes, value, side="left"))
        hi = int(np.searchsorted(self.hashes, value, side="right"))
        return self.positions[lo:hi]


@dataclass(frozen=True)
class Match:
    benchmark: str
    item_id: str
    start: int  # offsets of the matched span in the document's text
    end: int
    kind: str  # "char" (a run of char_ngram letters), "item" (a whole short item) or "eojeol"

    def detail(self, text: str) -> str:
        return json.dumps(
            {
                "benchmark": self.benchmark,
                "item": self.item_id,
                "match": self.kind,
                "start": self.start,
                "end": self.end,
                "span": text[self.start : self.end],
            },
            ensure_ascii=False,
        )


def _shared_run(ours: np.ndarray, k: int, theirs: np.ndarray, pos: int, lo: int, hi: int):
    """The run of equal values around ours[k] == theirs[pos], theirs limited to [lo, hi):
    (first index in ours, length)."""
    before = 0
    while k - before > 0 and pos - before > lo and ours[k - before - 1] == theirs[pos - before - 1]:
        before += 1
    after = 0
    while k + after < len(ours) and pos + after < hi and ours[k + after] == theirs[pos + after]:
        after += 1
    return k - before, before + after


class BenchmarkIndex:
    """The n-grams of every benchmark item; :meth:`match` finds a document's first overlap.

    Character matching is exact for runs of ``char_ngram`` letters with a fraction of the
    lookups: the index holds every window of ``w = char_ngram - stride + 1`` letters of every
    item, and a document is looked up only at every ``stride``-th position. A shared run of at
    least ``char_ngram`` letters covers ``stride`` consecutive window starts, so one of them is
    looked up; a hit then counts only when the run of equal letters around it, extended both
    ways, is at least ``char_ngram`` long.

    Whole-item matching of the items with ``min_item_chars`` to ``char_ngram - 1`` letters works
    the same way: every window of ``min_item_chars - stride + 1`` letters of those items only,
    in the same table (after the long items' windows), looked up at the same document positions
    from the same prefix sums, in the same Bloom filter read. An
    item of at least ``min_item_chars`` letters contained in a document covers ``stride``
    consecutive window starts; a hit counts only when the run of equal letters around it is the
    whole item (it starts at the item's first letter and ends at its last).
    """

    def __init__(
        self,
        items: list[BenchmarkItem],
        char_ngram: int,
        eojeol_ngram: int = 0,
        stride: int = 8,
        min_item_chars: int = 0,
    ):
        self.char_ngram = char_ngram
        self.eojeol_ngram = eojeol_ngram
        self.stride = max(1, min(stride, char_ngram))
        self.window = char_ngram - self.stride + 1
        # whole-item matching: items of [min_item_chars, char_ngram) letters (none when off)
        self.min_item_chars = min_item_chars if 0 < min_item_chars < char_ngram else 0
        self.item_stride = max(1, min(stride, self.min_item_chars))
        self.item_window = self.min_item_chars - self.item_stride + 1
        self.benchmarks = sorted({item.benchmark for item in items})
        number = {name: k for k, name in enumerate(self.benchmarks)}
        self.item_benchmark = np.array([number[i.benchmark] for i in items], dtype=np.int32)
        self.item_ids = [item.item_id for item in items]
        parts: dict[str, list[np.ndarray]] = {
            name: [] for name in ("codes", "starts", "chars", "at", "words", "word_starts")
        }
        char_hashes, char_positions, word_ngrams, word_positions = [], [], [], []
        item_hashes: list[np.ndarray] = []
        item_positions: list[np.ndarray] = []
        codes_before = words_before = 0
        for chunk in _chunks(items, CHUNK_CHARS):  # a bounded amount of scratch memory
            # The chunk's items as one text, a line break apart: no letter run or word crosses
            # two items.
            text_starts = np.cumsum([0] + [len(item.text) + 1 for item in chunk])
            form = MatchingForm("\n".join(item.text for item in chunk))
            code_starts = np.searchsorted(form.at, text_starts).astype(np.int64)
            parts["codes"].append(form.codes.astype(np.uint16))  # BMP code points
            parts["starts"].append(code_starts[:-1] + codes_before)
            sizes = np.diff(code_starts)
            if char_ngram:
                hashes, positions = _item_windows(
                    form, code_starts, sizes >= char_ngram, self.window
                )
                char_hashes.append(hashes)
                char_positions.append(positions + codes_before)
            if self.min_item_chars:
                short = (sizes >= self.min_item_chars) & (sizes < char_ngram)
                hashes, positions = _item_windows(form, code_starts, short, self.item_window)
                item_hashes.append(hashes)
                item_positions.append(positions + codes_before)
            if eojeol_ngram:
                words = form.word_hashes()
                word_starts = np.searchsorted(form.word_start, code_starts)
                parts["words"].append(words)
                parts["word_starts"].append(word_starts[:-1] + words_before)
                hashes = _word_ngrams(words, eojeol_ngram)
                starts = np.arange(len(hashes))
                owner = np.searchsorted(word_starts, starts, side="right") - 1
                keep = starts + eojeol_ngram <= word_starts[owner + 1]
                word_ngrams.append(hashes[keep])
                word_positions.append((starts[keep] + words_before).astype(np.int32))
                words_before += len(words)
            codes_before += len(form.codes)
        self.codes = _joined(parts["codes"], np.uint16)
        self.code_starts = np.append(_joined(parts["starts"], np.int64), codes_before)
        # One table for both rules (one Bloom filter read per document window): the long items'
        # windows, then the short items'. A document window of one length that meets an entry
        # of the other is a hash collision, which the check of the letters turns away.
        char_hashes += item_hashes
        char_positions += item_positions
        del item_hashes, item_positions
        self.chars = _Table(_joined(char_hashes, np.uint64), _joined(char_positions, np.int32))
        del char_hashes, char_positions
        self.word_hashes = _joined(parts["words"], np.uint64)
        self.word_starts = np.append(_joined(parts["word_starts"], np.int64), words_before)
        self.words = _Table(_joined(word_ngrams, np.uint64), _joined(word_positions, np.int32))
        indexed = np.zeros(len(items), dtype=bool)
        if char_ngram:
            indexed |= np.diff(self.code_starts) >= char_ngram
        if self.min_item_chars:
            indexed |= np.diff(self.code_starts) >= self.min_item_chars
        if eojeol_ngram:
            indexed |= np.diff(self.word_starts) >= eojeol_ngram
        self.indexed = indexed

    def totals(self) -> dict[str, dict[str, int]]:
        """Per benchmark: items, and items long enough to be indexed."""
        out = {}
        for number, name in enumerate(self.benchmarks):
            mine = self.item_benchmark == number
            out[name] = {"items": int(mine.sum()), "items_indexed": int(self.indexed[mine].sum())}
        return out

    def match(self, text: str) -> Match | None:
        """The first benchmark overlap of ``text`` (char n-grams first, then whole short items,
        then eojeol n-grams), or None."""
        form = MatchingForm.of(text)
        size = len(form.codes)
        rules = []  # (window, stride): char_ngram's, then the whole-item rule's
        if self.char_ngram and size >= self.char_ngram:
            rules.append((self.window, self.stride))
        if self.min_item_chars and size >= self.min_item_chars:
            rules.append((self.item_window, self.item_stride))
        if rules:
            _, down = _CHAR_POWERS.get(size + 1)
            prefix = form.prefix
            # the window at k (k = 0, stride, 2 * stride, ...): prefix[k + window] - prefix[k]
            parts = [
                (prefix[window::stride] - prefix[: size - window + 1 : stride])
                * down[: size - window + 1 : stride]
                for window, stride in rules
            ]
            hashes = _mix(parts[0] if len(parts) == 1 else np.concatenate(parts))
            first = len(parts[0])
            for where in self.chars.candidates(hashes):  # in order: char_ngram's hits first
                k = where * rules[0][1] if where < first else (where - first) * rules[-1][1]
                found = self._check_chars(form, hashes[where], int(k))
                if found:
                    return found
        if self.eojeol_ngram and len(form.word_start) >= self.eojeol_ngram:
            words = form.word_hashes()
            hashes = _word_ngrams(words, self.eojeol_ngram)
            for where in self.words.candidates(hashes):
                found = self._check_words(form, words, hashes[where], int(where))
                if found:
                    return found
        return None

    def _item(self, item: int) -> tuple[str, str]:
        return self.benchmarks[self.item_benchmark[item]], self.item_ids[item]

    def _check_chars(self, form: MatchingForm, value: np.uint64, k: int) -> Match | None:
        for pos in self.chars.positions_of(value):
            item = int(np.searchsorted(self.code_starts, pos, side="right")) - 1
            lo, hi = int(self.code_starts[item]), int(self.code_starts[item + 1])
            first, length = _shared_run(form.codes, k, self.codes, int(pos), lo, hi)
            if hi - lo >= self.char_ngram:  # a long item: a run of char_ngram letters
                kind = "char" if length >= self.char_ngram else ""  # (a collision: shorter)
            else:  # a short item: all of it (the run lies in [lo, hi))
                kind = "item" if length == hi - lo else ""
            if kind:
                start, end = form.span(first, first + length - 1)
                return Match(*self._item(item), start, end, kind)
        return None

    def _check_words(
        self, form: MatchingForm, words: np.ndarray, value: np.uint64, k: int
    ) -> Match | None:
        for pos in self.words.positions_of(value):
            item = int(np.searchsorted(self.word_starts, pos, side="right")) - 1
            lo, hi = int(self.word_starts[item]), int(self.word_starts[item + 1])
            first, length = _shared_run(words, k, self.word_hashes, int(pos), lo, hi)
            if length >= self.eojeol_ngram:
                last = int(form.word_end[first + length - 1]) - 1
                start, end = form.span(int(form.word_start[first]), last)
                return Match(*self._item(item), start, end, "eojeol")
        return None


def _item_windows(
    form: MatchingForm, code_starts: np.ndarray, eligible: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Hashes and positions (in ``form``) of every ``window``-letter window lying inside one
    item that ``eligible`` marks; the items of ``form`` start at ``code_starts``."""
    hashes = form.char_ngrams(window)
    starts = np.arange(len(hashes))
    owner = np.searchsorted(code_starts, starts, side="right") - 1
    keep = eligible[owner] & (starts + window <= code_starts[owner + 1])
    return hashes[keep], starts[keep].astype(np.int32)


def _chunks(items: list[BenchmarkItem], chars: int) -> Iterator[list[BenchmarkItem]]:
    chunk: list[BenchmarkItem] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item.text)
        if size >= chars:
            yield chunk
            chunk, size = [], 0
    if chunk or not items:
        yield chunk


def _joined(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    """The arrays concatenated; the list is emptied, so its parts can be freed."""
    joined = np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)
    arrays.clear()
    return joined


def _word_ngrams(words: np.ndarray, n: int) -> np.ndarray:
    """The hash of every run of n word hashes (run k: words k..k+n-1)."""
    if n <= 0 or len(words) < n:
        return np.zeros(0, dtype=np.uint64)
    up, down = _WORD_POWERS.get(len(words) + 1)
    prefix = np.zeros(len(words) + 1, dtype=np.uint64)
    np.cumsum(words * up[: len(words)], out=prefix[1:])
    count = len(words) - n + 1
    return _mix((prefix[n:] - prefix[:count]) * down[:count] + np.uint64(n))


def build_index(config: DecontaminateConfig) -> BenchmarkIndex:
    """The index of the configured benchmarks (raises :class:`BenchmarkError`)."""
    items = load_benchmarks(config.paths, config.fields, config.id_field)
    return BenchmarkIndex(
        items, config.char_ngram, config.eojeol_ngram, min_item_chars=config.min_item_chars
    )


def decontaminate_document(doc: dict[str, Any], index: BenchmarkIndex) -> dict[str, Any] | Drop:
    """The document, or a :class:`Drop` naming the benchmark item it overlaps and the span."""
    found = index.match(doc["text"])
    if found is None:
        return doc
    return Drop(REASON, found.detail(doc["text"]))


def overlap_of(detail: str) -> tuple[str, str]:
    """(benchmark, item id) of a rejected row's detail."""
    parsed = json.loads(detail)
    return parsed["benchmark"], parsed["item"]
