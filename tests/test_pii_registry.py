"""Every PII kind has all of its parts; one row of ``transforms.pii.PII_REGISTRY`` gives them.

The tests enumerate the registry, so a new row is checked as soon as it is added: its token, its
detectors and their priorities, its keywords, its labelled cases, its pii_counts field and zero
count, its special token in a trained tokenizer, its counter and its row in the report.
"""

import json
import re
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pytest

from pipeline.prepare import counters
from pipeline.report import collect, sections
from runners.options import make_pipeline
from tokenizer_training.train import PII_TOKEN_ORDER, train_bpe
from transforms import pii
from transforms.pii import DEFAULT_PII_TOKENS, PII_KINDS, PII_REGISTRY
from transforms.records import CLEAN_SCHEMA, make_document
from transforms.steps.io import WriteSortedParquet
from transforms.steps.mask_pii import MaskPii

CASES_PATH = Path(__file__).parent / "data" / "pii_cases.jsonl"
CASES = [json.loads(line) for line in CASES_PATH.read_text(encoding="utf-8").splitlines()]
ARGS = ["--direct_running_mode=in_memory"]
VOCAB = 300  # 4 specials + 256 bytes + a few merges: the labelled texts teach that many
EACH_KIND = pytest.mark.parametrize("kind", PII_REGISTRY, ids=PII_KINDS)


def first_case_per_kind() -> dict[str, dict]:
    """Per kind, the first labelled case that masks numbers of that kind and of no other."""
    examples: dict[str, dict] = {}
    for case in CASES:
        if len(case["kinds"]) == 1:
            examples.setdefault(case["kinds"][0], case)
    return examples


EXAMPLES = first_case_per_kind()


def test_the_released_layout_is_kept():
    """What the outputs depend on: pii_counts' field order, config.json's token table, the
    tokenizer's ids 30000-30002 and the counter names."""
    assert PII_KINDS == ("acc", "rrn", "tel")
    assert list(DEFAULT_PII_TOKENS.items()) == [
        ("acc", "<|acc|>"),
        ("rrn", "<|rrn|>"),
        ("tel", "<|tel|>"),
    ]
    assert PII_TOKEN_ORDER == ("acc", "tel", "rrn")
    assert [kind.counter for kind in PII_REGISTRY] == ["pii.acc", "pii.rrn", "pii.tel"]


def test_names_tokens_positions_priorities_and_keywords_are_each_unique():
    assert len(set(PII_KINDS)) == len(PII_REGISTRY)
    assert len(set(DEFAULT_PII_TOKENS.values())) == len(PII_REGISTRY)
    assert sorted(kind.token_position for kind in PII_REGISTRY) == list(range(len(PII_REGISTRY)))
    # Tied priorities would settle an overlap by position alone, whichever detector found it.
    priorities = [detector.priority for kind in PII_REGISTRY for detector in kind.detectors]
    assert len(set(priorities)) == len(priorities)
    words = [word for kind in PII_REGISTRY for word in kind.keywords]
    assert len(set(words)) == len(words)


@pytest.fixture(scope="module")
def tokenizer():
    return train_bpe([case["expected"] for case in CASES], VOCAB, DEFAULT_PII_TOKENS)


@pytest.fixture(scope="module")
def masked_run(tmp_path_factory):
    """A run directory whose clean/ is one masked example per kind, and prepare's counters."""
    run = tmp_path_factory.mktemp("run")
    docs = [make_document(kind, case["text"], "test") for kind, case in EXAMPLES.items()]
    pipeline = make_pipeline(ARGS)
    _ = (
        pipeline
        | beam.Create(docs)
        | MaskPii(DEFAULT_PII_TOKENS)
        | WriteSortedParquet(str(run / "clean"), CLEAN_SCHEMA, 1)
    )
    result = pipeline.run()
    result.wait_until_finish()
    return run, counters(result)


@pytest.fixture(scope="module")
def report_rows(masked_run):
    """The report's PII table over the masked run, by kind."""
    run, masked = masked_run
    facts = collect(str(run))
    facts.stats = {"prepare": {"records_in": len(EXAMPLES), "counters": masked}}
    (rows,) = [rows for key, _, _, rows, _ in sections(facts) if key == "pii"]
    return {row[0]: row for row in rows}


@EACH_KIND
def test_kind_has_a_token(kind):
    assert DEFAULT_PII_TOKENS[kind.name] == kind.token
    # <|...|> without digits: the context rules treat it like the number it replaced, so
    # scrubbing stays idempotent.
    assert re.fullmatch(r"<\|[^0-9|]+\|>", kind.token)


@EACH_KIND
def test_kind_has_detectors_and_keywords(kind):
    assert kind.detectors
    assert all(callable(detector.find) for detector in kind.detectors)
    assert kind.keywords
    for word in kind.keywords:
        assert word == word.lower(), "keywords are looked up lower-cased"
        # No other kind, and no word that says "not PII", claims it.
        assert pii._KIND_OF_KEYWORD[word] == kind.name


@EACH_KIND
def test_kind_glued_labels_are_latin_words(kind):
    for label in kind.glued_labels:
        # Matched case-insensitively as the whole Latin word glued before a number.
        assert re.fullmatch("[a-z]+", label)
        assert kind.name in pii._KINDS_OF_GLUED_LABEL[label]


@EACH_KIND
def test_kind_has_labelled_cases(kind):
    cases = [case for case in CASES if kind.name in case["kinds"]]
    assert len(cases) >= 10, "add cases to bench/make_pii_cases.py and rerun it"
    assert kind.name in EXAMPLES, "add a case that masks this kind alone"


@EACH_KIND
def test_kind_has_a_pii_counts_field_and_a_zero_count(kind):
    counts = CLEAN_SCHEMA.field("pii_counts").type
    assert counts.field(kind.name).type == pa.int32()
    assert make_document("id", "text", "source")["pii_counts"][kind.name] == 0


def test_pii_counts_fields_are_the_registry_rows_in_order():
    counts = CLEAN_SCHEMA.field("pii_counts").type
    assert [counts.field(i).name for i in range(counts.num_fields)] == list(PII_KINDS)
    document = make_document("id", "text", "source")
    assert pa.Table.from_pylist([document], schema=CLEAN_SCHEMA).num_rows == 1


@EACH_KIND
def test_kind_has_a_special_token_at_its_position(kind, tokenizer):
    added = {
        token.content: (i, token.special)
        for i, token in tokenizer.get_added_tokens_decoder().items()
    }
    assert added[kind.token] == (VOCAB + kind.token_position, True)


@EACH_KIND
def test_kind_is_counted_and_reported(kind, masked_run, report_rows):
    _, masked = masked_run
    numbers = EXAMPLES[kind.name]["expected"].count(kind.token)
    assert masked.get(kind.counter) == numbers
    assert report_rows[kind.name] == (kind.name, kind.token, f"{numbers:,}", "1")
