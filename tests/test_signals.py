"""The quality signals: each is the value its rule compares, kept on clean and rejected rows."""

import json
import math
from pathlib import Path

import pyarrow as pa
import pytest

from transforms.clean import filter_document
from transforms.filters.base import RULES, Drop, FilterConfig
from transforms.filters.signals import (
    OTHER_FIELDS,
    SIGNAL_COLUMNS,
    SIGNALS,
    measure_signals,
    signal_columns,
)
from transforms.filters.text_view import TextView
from transforms.records import CLEAN_SCHEMA, REJECTED_SCHEMA, make_document

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sample.jsonl"
REPEATED = "\n".join(
    ["오늘의 특가 상품을 지금 바로 확인하세요 …"] * 4 + ["• 무료 배송 #이벤트 #할인"] * 3
)
PROSE = [json.loads(line) for line in SAMPLE.read_text().splitlines()[:12]]
TEXTS = [
    *(doc["text"] for doc in PROSE if "text" in doc),
    REPEATED,
    "가나다 " * 40,
    "짧은 글",
    "",
]


def _rules_with_values():
    """(rule, FilterConfig field, n or None, measure) for every rule."""
    for _, rule, field in RULES:
        if field in OTHER_FIELDS:
            column = OTHER_FIELDS[field]
            if column == "korean_share":
                yield rule, field, None, lambda view: view.language.korean_share
            else:
                signal = next(s for s in SIGNALS if s.column == column)
                yield rule, field, None, signal.measure
            continue
        for signal in (s for s in SIGNALS if s.field == field):
            yield rule, field, signal.n, signal.measure


RULE_VALUES = list(_rules_with_values())


def test_every_rule_has_its_measure_and_every_signal_a_rule():
    fields = {field for _, field, _, _ in RULE_VALUES}
    assert fields == {field for _, _, field in RULES}
    assert {s.field for s in SIGNALS} <= fields


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
@pytest.mark.parametrize(
    ("rule", "field", "n", "measure"),
    RULE_VALUES,
    ids=[f"{field}-{n}" if n else field for _, field, n, _ in RULE_VALUES],
)
def test_a_rule_passes_at_its_measured_value_and_fails_just_past_it(text, rule, field, n, measure):
    value = measure(TextView(text))
    minimum = field.startswith("min_")
    if isinstance(value, int):
        past = value + 1 if minimum else value - 1
    else:
        past = math.nextafter(value, math.inf if minimum else -math.inf)

    def threshold(limit):
        return [(n, limit)] if n is not None else limit

    assert rule(TextView(text), threshold(value)) is None
    if past >= 0:  # a measure of 0 fails no maximum a config can set
        assert rule(TextView(text), threshold(past)) is not None


def test_signals_are_measured_once_and_typed_like_the_schema():
    signals = measure_signals(TextView(REPEATED))
    assert list(signals) == list(SIGNAL_COLUMNS)
    for name, kind in zip(SIGNAL_COLUMNS, (s.type for s in SIGNALS), strict=True):
        assert CLEAN_SCHEMA.field(name).type == kind == REJECTED_SCHEMA.field(name).type
        assert isinstance(signals[name], int if kind == pa.int32() else float)
    assert signals["dup_line_frac"] > 0 and signals["top_2gram_char_frac"] > 0
    assert signals["bullet_line_frac"] == 3 / 7


def test_clean_and_rejected_documents_carry_every_signal():
    kept = filter_document(make_document("a", TEXTS[0], "s"), FilterConfig())
    assert isinstance(kept, dict)
    assert kept["chars"] == len(TEXTS[0]) and kept["korean_share"] is not None
    assert all(kept[name] is not None for name in SIGNAL_COLUMNS)
    dropped = filter_document(make_document("b", "짧은 글", "s"), FilterConfig())
    assert isinstance(dropped, Drop) and dropped.reason == "too_short"
    assert dropped.signals == measure_signals(TextView("짧은 글"))
    assert signal_columns(None) == dict.fromkeys(SIGNAL_COLUMNS)
    assert make_document("c", "x", "s")["chars"] is None  # not filtered yet
