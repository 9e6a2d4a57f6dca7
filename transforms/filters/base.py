"""Document quality filters: the shared runner, its config and the drop record.

Each rule is a small pure function ``rule(view, threshold) -> detail | None`` in its own module;
it returns the measured value as text when the document fails. ``first_failing_filter`` runs the
rules cheapest first and stops at the first failure. A threshold of None switches its rule off.
Defaults are calibrated in docs/cleaning.md.
"""

from dataclasses import dataclass

from transforms.filters import hangul, lang, length, repetition, spam, symbols, words
from transforms.filters.text_view import TextView
from transforms.records import Drop


@dataclass(frozen=True)
class FilterConfig:
    """Every threshold of the document filters; None switches a rule off.

    Calibrated on the shared corpora (docs/cleaning.md): the defaults keep every document of the
    prose set (the konlpy constitution and bills, the Korean Debian FAQ).
    """

    min_chars: int | None = 100
    max_chars: int | None = 100_000
    # Hangul / letters; the Debian FAQ's half-translated chapters reach down to 0.09
    min_hangul_share: float | None = 0.08
    min_mean_word_length: float | None = 2.0  # eojeol; prose measures 2.9-4.9
    max_mean_word_length: float | None = 10.0
    max_symbol_word_ratio: float | None = 0.1
    max_bullet_line_frac: float | None = 0.9
    max_ellipsis_line_frac: float | None = 0.3
    max_dup_line_frac: float | None = 0.374
    max_dup_line_char_frac: float | None = 0.2
    # (n, max fraction) pairs: FineWeb-2's kor_Hang values ...
    max_top_ngram_char_frac: tuple[tuple[int, float], ...] | None = (
        (2, 0.282),
        (3, 0.228),
        (4, 0.185),
    )
    # ... and here those plus 0.03, since legal text repeats long phrases (bills reach 0.166)
    max_dup_ngram_char_frac: tuple[tuple[int, float], ...] | None = (
        (5, 0.231),
        (6, 0.214),
        (7, 0.198),
        (8, 0.184),
        (9, 0.17),
        (10, 0.157),
    )
    # a news story on gambling measures 4, spam pages 10 and more
    max_spam_words_per_1k: float | None = 5.0
    # CLD2's Korean share of the text; the prose set's lowest is 0.22 (a half-translated FAQ)
    min_korean_share: float | None = 0.2


# (reason, rule, FilterConfig field with its threshold), cheapest first as measured by
# bench/bench_cleaning.py; rules sharing a reason are the two sides of one measure.
RULES = (
    ("too_short", length.too_short, "min_chars"),
    ("too_long", length.too_long, "max_chars"),
    ("hangul_share", hangul.hangul_share, "min_hangul_share"),
    ("mean_word_length", words.words_too_short, "min_mean_word_length"),
    ("mean_word_length", words.words_too_long, "max_mean_word_length"),
    ("symbol_ratio", symbols.symbol_ratio, "max_symbol_word_ratio"),
    ("bullet_lines", symbols.bullet_lines, "max_bullet_line_frac"),
    ("ellipsis_lines", symbols.ellipsis_lines, "max_ellipsis_line_frac"),
    ("dup_lines", repetition.dup_lines, "max_dup_line_frac"),
    ("dup_line_chars", repetition.dup_line_chars, "max_dup_line_char_frac"),
    ("spam_words", spam.spam_words, "max_spam_words_per_1k"),
    ("top_ngram", repetition.top_ngram, "max_top_ngram_char_frac"),
    ("dup_ngram", repetition.dup_ngram, "max_dup_ngram_char_frac"),
    ("korean_share", lang.korean_share, "min_korean_share"),
)


# The rules a config switches on with their thresholds, for the last few configs (FilterConfig
# is frozen; a pipeline uses one): getattr for every rule of every document adds up.
_ACTIVE_RULES: dict[int, tuple[FilterConfig, tuple, tuple]] = {}


def _active_rules(cfg: FilterConfig) -> tuple:
    cached = _ACTIVE_RULES.get(id(cfg))
    if cached is None or cached[0] is not cfg or cached[1] is not RULES:
        if len(_ACTIVE_RULES) >= 8:
            _ACTIVE_RULES.clear()
        active = tuple(
            (reason, rule, getattr(cfg, field))
            for reason, rule, field in RULES
            if getattr(cfg, field) is not None
        )
        cached = _ACTIVE_RULES[id(cfg)] = (cfg, RULES, active)  # cfg kept: its id stays its own
    return cached[2]


def first_failing_filter(text: str | TextView, cfg: FilterConfig) -> Drop | None:
    """The first rule the text fails, or None when it passes them all."""
    view = text if isinstance(text, TextView) else TextView(text)
    for reason, rule, threshold in _active_rules(cfg):
        detail = rule(view, threshold)
        if detail is not None:
            return Drop(reason, detail)
    return None
