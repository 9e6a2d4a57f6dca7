"""The quality signals: every value the document filters compare with a threshold, measured for
every document that reaches the filters and kept as typed columns of clean/ and rejected/.

:data:`SIGNALS` is the one list of them (column, Parquet type, measure, FilterConfig field);
transforms/records.py builds both schemas' signal columns from :data:`SIGNAL_FIELDS`. Each
measure is the function its rule (transforms/filters/*.py) compares, through the same
TextView caches, so measuring all of them first and then running the rules computes nothing
twice, and ``value OP threshold`` on a column decides exactly as the rule did (fractions are
float64 for that reason: the stored value is the compared value, not a rounding of it).

The n-gram rules take (n, fraction) pairs; a column is kept for each n of Gopher's rules
(top n-gram: 2-4, duplicate n-grams: 5-10), the n of FilterConfig's defaults. A config that
uses another n is still applied, but that n has no column. The Korean share rule's value is the
``korean_share`` language column (transforms/records.py LANGUAGE_FIELDS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from transforms.filters import hangul, repetition, spam, symbols
from transforms.filters.text_view import TextView

TOP_NGRAM_NS = (2, 3, 4)
DUP_NGRAM_NS = (5, 6, 7, 8, 9, 10)


@dataclass(frozen=True)
class Signal:
    column: str
    type: pa.DataType
    measure: Callable[[TextView], float | int]
    field: str  # the FilterConfig field whose threshold the rule compares it with
    n: int | None = None  # for the n-gram rules: the n of the (n, fraction) pair


def _ngram_signal(kind: str, n: int) -> Signal:
    """The top_/dup_ n-gram coverage for one n of its (n, fraction) rule."""
    measure = getattr(repetition, f"{kind}_ngram_char_frac")
    return Signal(
        f"{kind}_{n}gram_char_frac",
        pa.float64(),
        lambda view: measure(view.words, n),
        f"max_{kind}_ngram_char_frac",
        n,
    )


SIGNALS: tuple[Signal, ...] = (
    Signal("chars", pa.int32(), lambda view: len(view.text), "min_chars"),
    Signal("hangul_share", pa.float64(), hangul.hangul_share_of, "min_hangul_share"),
    Signal(
        "mean_word_length", pa.float64(), lambda view: view.mean_word_length, "min_mean_word_length"
    ),
    Signal("symbol_ratio", pa.float64(), symbols.symbol_word_ratio, "max_symbol_word_ratio"),
    Signal("bullet_line_frac", pa.float64(), symbols.bullet_line_frac, "max_bullet_line_frac"),
    Signal(
        "ellipsis_line_frac", pa.float64(), symbols.ellipsis_line_frac, "max_ellipsis_line_frac"
    ),
    Signal("dup_line_frac", pa.float64(), repetition.dup_line_frac, "max_dup_line_frac"),
    Signal(
        "dup_line_char_frac",
        pa.float64(),
        repetition.dup_line_char_frac,
        "max_dup_line_char_frac",
    ),
    Signal("spam_words_per_1k", pa.float64(), spam.spam_words_per_1k, "max_spam_words_per_1k"),
    *(_ngram_signal("top", n) for n in TOP_NGRAM_NS),
    *(_ngram_signal("dup", n) for n in DUP_NGRAM_NS),
)
SIGNAL_FIELDS = [(signal.column, signal.type) for signal in SIGNALS]
_INT32 = pa.int32()
SIGNAL_COLUMNS = tuple(signal.column for signal in SIGNALS)
# The other thresholds' values: chars also bounds max_chars, mean_word_length max_mean_word_length;
# min_korean_share compares the language column korean_share.
OTHER_FIELDS = {
    "max_chars": "chars",
    "max_mean_word_length": "mean_word_length",
    "min_korean_share": "korean_share",
}


def measure_signals(view: TextView) -> dict[str, Any]:
    """Every signal of the document, by column, as Python int or float (numpy scalars cost
    several times more to pickle and encode between Beam steps)."""
    return {
        signal.column: int(value) if signal.type == _INT32 else float(value)
        for signal in SIGNALS
        for value in (signal.measure(view),)
    }


def signal_columns(signals: dict[str, Any] | None) -> dict[str, Any]:
    """The signal fields of a row (all None for a record that never reached the filters)."""
    if signals is None:
        return dict.fromkeys(SIGNAL_COLUMNS)
    return {column: signals[column] for column in SIGNAL_COLUMNS}


def signals_of(row: dict[str, Any]) -> dict[str, Any] | None:
    """The signals a row was given by the filter step, if it got there."""
    if row.get(SIGNAL_COLUMNS[0]) is None:
        return None
    return {column: row[column] for column in SIGNAL_COLUMNS}
