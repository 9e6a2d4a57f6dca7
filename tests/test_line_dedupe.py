import apache_beam as beam
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from transforms.line_dedupe import MIN_LINE_CHARS, line_keys, removals_for_line, remove_lines
from transforms.steps.line_dedupe import RemoveRepeatedLines

FOOTER = "Copyright 2024 예시 신문사. 모든 권리 보유."
MENU = "홈 > 뉴스 > 정치 > 국회"
SHORT = "감사합니다."  # under MIN_LINE_CHARS: never counted


def doc(doc_id: str, *lines: str) -> dict:
    return {"id": doc_id, "text": "\n".join(lines), "source": "test", "metadata": '{"n": 1}'}


# --- pure helpers ---------------------------------------------------------------------------


def test_line_keys_are_distinct_and_skip_short_and_blank_lines():
    keys = line_keys(f"{FOOTER}\n\n{SHORT}\n  {FOOTER}  \n{MENU}")
    assert len(keys) == 2
    assert line_keys(FOOTER) <= keys and line_keys(MENU) <= keys
    assert line_keys(SHORT) == set() and line_keys("") == set()


def test_line_keys_are_stable_bytes():
    (key,) = line_keys(FOOTER)
    assert isinstance(key, bytes) and len(key) == 16
    assert line_keys(FOOTER) == line_keys(FOOTER + "\n" + FOOTER)


def test_min_line_chars_edge():
    assert line_keys("가" * MIN_LINE_CHARS)
    assert not line_keys("가" * (MIN_LINE_CHARS - 1))
    assert line_keys("가나다", min_line_chars=3)


def test_remove_lines_removes_every_copy_and_counts_them():
    text = f"본문 첫 문단입니다. 내용이 있습니다.\n{MENU}\n\n{FOOTER}\n{SHORT}\n{MENU}"
    result, removed = remove_lines(text, line_keys(MENU))
    assert result == f"본문 첫 문단입니다. 내용이 있습니다.\n\n{FOOTER}\n{SHORT}"
    assert removed == 2


def test_remove_lines_without_matches_returns_the_same_text():
    text = f"본문\n{FOOTER}"
    result, removed = remove_lines(text, line_keys(MENU))
    assert result is text and removed == 0


def test_remove_lines_never_touches_short_lines():
    assert remove_lines(SHORT, line_keys(SHORT, min_line_chars=1)) == (SHORT, 0)


def test_removals_for_line_spare_the_smallest_id():
    (key,) = line_keys(FOOTER)
    entries = [(b"text c", "doc-c"), (b"text a", "doc-a"), (b"text b", "doc-b")]
    assert sorted(removals_for_line((key, entries), min_docs=2)) == [
        ("doc-b", key),
        ("doc-c", key),
    ]
    assert list(removals_for_line((key, entries), min_docs=3)) == []  # in 3 documents, not more


def test_exact_copies_count_once_and_keep_the_keepers_lines():
    # 1,000 copies of one text are one document to the line rule: their lines are not
    # boilerplate, and exact dedupe, not line removal, must see them.
    (key,) = line_keys(FOOTER)
    copies = [(b"same text", f"copy-{n:04d}") for n in range(1000)]
    assert list(removals_for_line((key, copies), min_docs=5)) == []
    # Once the line is in more than min_docs distinct texts, copies of the keeper's text keep
    # it too (they stay exact copies), and every other text loses it.
    others = [(f"text {n}".encode(), f"other-{n}") for n in range(5)]
    removed = sorted(doc_id for doc_id, _ in removals_for_line((key, copies + others), 5))
    assert removed == [f"other-{n}" for n in range(5)]


# --- the Beam composite ---------------------------------------------------------------------


def run(docs: list[dict], expected: list[dict], min_docs: int) -> dict[str, int]:
    pipeline = beam.Pipeline(
        runner=FnApiRunner(), options=PipelineOptions(flags=[], direct_running_mode="in_memory")
    )
    output = pipeline | beam.Create(docs) | RemoveRepeatedLines(min_docs=min_docs)
    assert_that(output, equal_to(expected))
    result = pipeline.run()
    result.wait_until_finish()
    counters = result.metrics().query(MetricsFilter().with_namespace("kprep"))["counters"]
    return {counter.key.metric.name: counter.committed for counter in counters}


def test_repeated_lines_stay_only_in_the_keeper():
    docs = [
        doc("b", "둘째 기사의 본문입니다. 내용이 길게 이어집니다.", MENU, FOOTER),
        doc("a", "첫째 기사의 본문입니다. 내용이 길게 이어집니다.", MENU, FOOTER, SHORT),
        doc("c", "셋째 기사의 본문입니다. 내용이 길게 이어집니다.", FOOTER, SHORT),
        doc("d", "넷째 기사의 본문입니다. 내용이 길게 이어집니다.", SHORT),
    ]
    expected = [
        docs[1],  # "a" is the keeper of both lines and keeps everything
        doc("b", "둘째 기사의 본문입니다. 내용이 길게 이어집니다."),
        doc("c", "셋째 기사의 본문입니다. 내용이 길게 이어집니다.", SHORT),
        docs[3],
    ]
    counters = run(docs, expected, min_docs=1)
    assert counters == {"repeated_lines.docs_changed": 2, "repeated_lines.lines_removed": 3}


def test_lines_in_at_most_min_docs_documents_stay_everywhere():
    docs = [doc(name, f"{name} 문서의 본문 문장입니다.", FOOTER) for name in "abc"]
    run(docs, docs, min_docs=3)  # in 3 documents, not more than 3: kept
    expected = [docs[0]] + [doc(name, f"{name} 문서의 본문 문장입니다.") for name in "bc"]
    run(docs, expected, min_docs=2)


def test_result_does_not_depend_on_input_order():
    docs = [doc(f"id-{i:02d}", f"{i}번 문서의 고유한 본문 문장입니다.", FOOTER) for i in range(12)]
    expected = [docs[0]] + [doc(d["id"], d["text"].split("\n")[0]) for d in docs[1:]]
    run(docs, expected, min_docs=5)
    run(list(reversed(docs)), expected, min_docs=5)


def test_a_document_can_lose_every_line_and_fields_pass_through():
    docs = [doc("a", FOOTER, MENU), doc("b", MENU, FOOTER)]
    docs[1]["metadata"] = '{"url": "https://example.com"}'
    expected = [docs[0], dict(docs[1], text="")]
    run(docs, expected, min_docs=1)


def test_exact_copies_keep_their_lines_for_dedupe():
    docs = [
        doc(f"copy-{n}", "같은 기사의 본문입니다. 내용이 길게 이어집니다.", FOOTER)
        for n in range(8)
    ]
    docs.append(doc("other", "다른 기사의 본문입니다. 내용이 길게 이어집니다.", FOOTER))
    run(docs, docs, min_docs=5)  # FOOTER is in 2 distinct texts, not more than 5


def test_min_docs_must_be_positive():
    with pytest.raises(ValueError, match="min_docs"):
        RemoveRepeatedLines(min_docs=0)
