"""kprep select's expression language: what it means, and what it refuses."""

import pyarrow as pa
import pytest

from transforms.records import CLEAN_SCHEMA
from transforms.where import WhereError, canonical, columns_of, parse_where

TABLE = pa.table(
    {
        "id": ["a", "b", "c", "d"],
        "lang": ["ko", "en", None, "ja"],
        "chars": pa.array([50, 150, 300, 1000], pa.int32()),
        "korean_share": [0.1, 0.5, None, 0.9],
        "pii_counts": pa.array(
            [{"tel": 0}, {"tel": 2}, {"tel": 0}, {"tel": 1}],
            pa.struct([("tel", pa.int32())]),
        ),
    }
)


def ids(expression: str) -> list[str]:
    return TABLE.filter(parse_where(expression, TABLE.schema)).column("id").to_pylist()


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("chars >= 150", ["b", "c", "d"]),
        ("150 <= chars", ["b", "c", "d"]),
        ("korean_share >= 0.5", ["b", "d"]),  # null: no match
        ("not korean_share < 0.5", ["b", "d"]),
        ("0.2 <= korean_share < 0.9", ["b"]),
        ("chars > 100 and (lang == 'ko' or lang == 'ja')", ["d"]),
        ("lang in ('ko', 'ja')", ["a", "d"]),
        ("lang not in ['ko']", ["b", "d"]),
        ("chars in (50, 300)", ["a", "c"]),
        ("korean_share is None", ["c"]),
        ("korean_share is not None and chars != 150", ["a", "d"]),
        ("pii_counts.tel > 0", ["b", "d"]),
        ("chars > -1e3", ["a", "b", "c", "d"]),
        ("korean_share * 1 > 0", None),
    ],
)
def test_expressions_select_what_they_say(expression, expected):
    if expected is None:
        with pytest.raises(WhereError, match="not allowed"):
            ids(expression)
    else:
        assert ids(expression) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os').system('touch /tmp/x')", "Call.*not allowed"),
        ("open('/etc/passwd')", "Call.*not allowed"),
        ("chars.__class__ > 1", "no struct column"),
        ("[c for c in chars]", "not allowed"),
        ("lambda: 1", "not allowed"),
        ("chars[0] > 1", "not allowed"),
        ("chars > 1; import os", "cannot parse"),
        ("korean_shar > 0.2", "did you mean korean_share"),
        ("lang == ko", "quote it"),
        ("chars > '100'", "no number"),
        ("lang > 1", "no string"),
        ("pii_counts > 0", "struct: compare one of its fields"),
        ("pii_counts.phone > 0", "unknown field of pii_counts"),
        ("chars", "no condition"),
        ("1 < 2", "compares no column"),
        ("chars is 3", "only with None"),
        ("chars > True", "no literal"),
        ("chars > float('nan')", "not allowed"),
        ("", "empty"),
        ("(" * 1000 + "chars > 1" + ")" * 1000, "nested|cannot parse"),
        ("not " * 50_000 + "chars > 1", "longer than"),
    ],
)
def test_unsafe_or_wrong_input_is_refused_with_a_reason(expression, message):
    with pytest.raises(WhereError, match=message):
        parse_where(expression, CLEAN_SCHEMA)


def test_the_unknown_column_message_lists_the_columns():
    with pytest.raises(WhereError) as error:
        parse_where("dup_line_fraction < 0.3", CLEAN_SCHEMA)
    assert "did you mean dup_line_frac?" in str(error.value)
    assert "top_2gram_char_frac" in str(error.value) and "cluster_size" in str(error.value)


def test_canonical_form_and_columns_read():
    assert canonical("(korean_share>=0.5)  and lang=='ko'") == (
        "korean_share >= 0.5 and lang == 'ko'"
    )
    assert columns_of("chars > 1 and (pii_counts.tel > 0 or chars < korean_share)") == [
        "chars",
        "pii_counts.tel",
        "korean_share",
    ]
