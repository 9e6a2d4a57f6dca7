import dataclasses
import gzip
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from transforms.boilerplate import strip_boilerplate_lines
from transforms.clean import filter_document
from transforms.filters import hangul, length, repetition, spam, symbols, words
from transforms.filters.base import RULES, Drop, FilterConfig, first_failing_filter
from transforms.filters.text_view import TextView
from transforms.langid import identify
from transforms.normalize import html_to_text, looks_like_html, normalize_text
from transforms.records import make_document

SHARED_DOCS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "ko_docs.jsonl.gz"
HTML_PAGES = Path(__file__).parent / "data" / "html_pages.jsonl"
PROSE_SOURCES = ("konlpy", "debian-faq-ko")

PROSE = (
    "대한민국은 민주공화국이다. 대한민국의 주권은 국민에게 있고, 모든 권력은 국민으로부터 나온다. "
    "국가는 개인이 가지는 불가침의 기본적 인권을 확인하고 이를 보장할 의무를 진다. "
    "모든 국민은 법 앞에 평등하다. 누구든지 성별·종교 또는 사회적 신분에 의하여 정치적·경제적·"
    "사회적·문화적 생활의 모든 영역에 있어서 차별을 받지 아니한다.\n"
    "오늘 아침 서울의 기온은 영하 5도까지 떨어졌고, 낮에도 찬 바람이 불어 체감 온도는 더 낮았다. "
    "기상청은 이번 추위가 주말까지 이어질 것으로 내다봤다."
)
ENGLISH = (
    "The committee met on Tuesday to review the budget. Members asked for clearer figures on "
    "road repairs, school meals and the new library, and agreed to publish a summary next week."
)


def view(text: str) -> TextView:
    return TextView(text)


def clean(text: str) -> str:
    text = html_to_text(text) if looks_like_html(text) else text
    return strip_boilerplate_lines(normalize_text(text))[0]


# --- the runner -----------------------------------------------------------------------------


def test_korean_prose_passes_every_default_filter():
    assert first_failing_filter(PROSE, FilterConfig()) is None


def test_drop_carries_the_rule_name_and_the_measured_value():
    drop = first_failing_filter("짧다", FilterConfig())
    assert drop == Drop("too_short", "chars=2 < 100")


def test_a_threshold_of_none_switches_its_rule_off():
    assert first_failing_filter(ENGLISH, FilterConfig()).reason == "hangul_share"
    no_hangul_rule = FilterConfig(min_hangul_share=None)
    assert first_failing_filter(ENGLISH, no_hangul_rule).reason == "korean_share"
    no_korean_rules = FilterConfig(min_hangul_share=None, min_korean_share=None)
    assert first_failing_filter(ENGLISH, no_korean_rules) is None


def test_language_id_reads_korean_and_rejects_english_with_its_measure():
    drop = first_failing_filter(ENGLISH, FilterConfig(min_hangul_share=None))
    assert drop.detail.startswith("korean_share=0.00 < 0.2 (cld2: en ")
    assert identify(PROSE).code == "ko" and identify(PROSE).korean_share >= 0.9
    assert identify("\x00\ufffe한국어 문장입니다. \ud800").code == "ko"  # CLD2 refuses these


def test_filter_document_keeps_the_language_of_kept_and_dropped_documents():
    kept = filter_document(make_document("k", PROSE, "s"), FilterConfig())
    assert kept["lang"] == "ko" and kept["korean_share"] >= 0.9
    dropped = filter_document(make_document("e", ENGLISH, "s"), FilterConfig())
    assert dropped.reason == "hangul_share" and dropped.language.code == "en"


def test_without_language_id_the_language_columns_stay_null(monkeypatch):
    def no_cld2(text):
        raise AssertionError("CLD2 called with language ID off")

    monkeypatch.setattr("transforms.filters.text_view.identify", no_cld2)
    no_korean_rule = FilterConfig(min_korean_share=None)
    kept = filter_document(make_document("k", PROSE, "s"), no_korean_rule, language_id=False)
    assert kept["lang"] is None and kept["korean_share"] is None and kept["chars"] > 0
    dropped = filter_document(make_document("e", ENGLISH, "s"), no_korean_rule, language_id=False)
    assert dropped.reason == "hangul_share" and dropped.language is None


def test_rejected_rows_leave_with_pii_masked_in_text_and_detail():
    from transforms.clean import scrub_rejected
    from transforms.pii import DEFAULT_PII_TOKENS
    from transforms.records import make_rejected

    row = make_rejected(
        "d",
        "decontaminate",
        "benchmark_overlap",
        "span: 연락처 010-2468-1357",
        "전화 010-2468-1357",
    )
    scrubbed = scrub_rejected(row, DEFAULT_PII_TOKENS)
    assert "010-2468-1357" not in scrubbed["text"] + scrubbed["detail"]
    assert scrubbed["detail"] == "span: 연락처 <|tel|>"


def test_all_rules_off_keeps_anything():
    off = FilterConfig(**{field.name: None for field in dataclasses.fields(FilterConfig)})
    assert first_failing_filter("", off) is None


def test_every_config_field_has_a_rule_and_every_rule_a_field():
    fields = {field.name for field in dataclasses.fields(FilterConfig)}
    assert sorted(field for _, _, field in RULES) == sorted(fields)


def test_rules_run_cheapest_first_and_the_first_failure_wins():
    # too short and not Korean: the length rule comes first
    assert first_failing_filter("hello", FilterConfig()).reason == "too_short"
    assert [reason for reason, _, _ in RULES][:3] == ["too_short", "too_long", "hangul_share"]


def test_config_values_from_yaml_lists_work_like_tuples():
    cfg = FilterConfig(max_top_ngram_char_frac=[[2, 0.282]], max_dup_ngram_char_frac=[[5, 0.2]])
    assert first_failing_filter(PROSE, cfg) is None


# --- length ---------------------------------------------------------------------------------


def test_length_edges():
    assert length.too_short(view("가" * 100), 100) is None
    assert length.too_short(view("가" * 99), 100) == "chars=99 < 100"
    assert length.too_long(view("가" * 100), 100) is None
    assert length.too_long(view("가" * 101), 100) == "chars=101 > 100"


# --- Hangul share ---------------------------------------------------------------------------


def test_hangul_share_counts_letters_only():
    # digits, punctuation and spaces do not dilute the share
    assert hangul.hangul_share(view("2023년 1월 15일: 12,345원!!! (100%)"), 1.0) is None
    # 3 Hangul letters of 6 letters
    assert hangul.hangul_share(view("한국어 abc"), 0.5) is None
    assert hangul.hangul_share(view("한국어 abcd"), 0.5) == "hangul_share=0.429 < 0.5 (7 letters)"


def test_hangul_share_compatibility_jamo_are_hangul_and_hanja_are_not():
    assert hangul.hangul_share(view("ㅋㅋㅋ ㅠㅠ"), 1.0) is None
    assert hangul.hangul_share(view("大韓民國 憲法"), 0.01) is not None


def test_hangul_share_without_letters_is_zero():
    assert (
        hangul.hangul_share(view("1234 5678 !!!"), 0.01) == "hangul_share=0.000 < 0.01 (0 letters)"
    )


def test_hangul_share_drops_english_and_japanese_keeps_mixed_korean():
    cfg = FilterConfig()
    assert first_failing_filter(ENGLISH, cfg) == Drop(
        "hangul_share", "hangul_share=0.000 < 0.08 (144 letters)"
    )
    japanese = "今日は天気がとても良いので、公園に散歩に行きました。" * 6
    assert first_failing_filter(japanese, cfg).reason == "hangul_share"
    mixed = (
        "Debian 패키지는 dpkg 로 설치합니다. apt-get install hello 를 실행하면 The GNU hello "
        "program produces a familiar, friendly greeting, which is an example of how to build "
        "a package 라는 설명과 함께 예제 패키지가 설치됩니다."
    )
    assert first_failing_filter(mixed, cfg) is None


# --- mean word length -----------------------------------------------------------------------


def test_mean_word_length_edges():
    assert words.words_too_short(view("가나 다라"), 2.0) is None
    assert words.words_too_short(view("가 나다"), 2.0) == "mean_word_length=1.50 < 2.0"
    assert words.words_too_long(view("가" * 10), 10.0) is None
    assert words.words_too_long(view("가" * 11), 10.0) == "mean_word_length=11.00 > 10.0"


def test_mean_word_length_drops_spaced_out_letters_and_unspaced_text():
    cfg = FilterConfig()
    assert first_failing_filter("ㅋ ㅎ " * 60, cfg).reason == "mean_word_length"
    unspaced = PROSE.replace(" ", "")
    assert first_failing_filter(unspaced, cfg).reason == "mean_word_length"


def test_words_are_eojeol_like_str_split():
    text = " 가나  다\n라마바\t사 abc 가나  "
    assert view(text).words.lengths.tolist() == [len(word) for word in text.split()]
    first, *_, last = view(text).words.hashes.tolist()
    assert first == last  # the same word at the start and before trailing spaces
    hashes = view("가나 다 가나 다라").words.hashes.tolist()
    assert hashes[0] == hashes[2] and len(set(hashes)) == 3
    assert view("").words.lengths.size == 0 and view(" \n ").words.hashes.size == 0


# --- symbols, bullets, ellipses -------------------------------------------------------------


def test_symbol_ratio():
    assert symbols.symbol_ratio(view("가 나 다 라 마 바 사 아 자 #차"), 0.1) is None
    assert symbols.symbol_ratio(view("가 나 다 라 마 바 사 아 자 #차 …"), 0.1) == (
        "symbol_ratio=0.182 > 0.1"  # 2 symbols, 11 words
    )
    hashtags = "#맛집 #서울 #카페 #데이트 #주말 " * 10 + PROSE
    assert first_failing_filter(hashtags, FilterConfig()).reason == "symbol_ratio"


def test_bullet_lines():
    bullets = "\n".join(["- 하나", "• 둘", "▶ 셋", "보통 줄"])
    assert symbols.bullet_lines(view(bullets), 0.75) is None
    assert symbols.bullet_lines(view(bullets), 0.7) == "bullet_line_frac=0.750 > 0.7"
    # a middle dot inside a word is no bullet
    assert symbols.bullet_lines(view("3·1운동\n4·19혁명"), 0.0) is None


def test_ellipsis_lines():
    teasers = "\n".join(["첫 기사 요약...", "둘째 기사 요약…", "셋째 기사 요약", "넷째"])
    assert symbols.ellipsis_lines(view(teasers), 0.5) is None
    assert symbols.ellipsis_lines(view(teasers), 0.4) == "ellipsis_line_frac=0.500 > 0.4"


# --- repetition -----------------------------------------------------------------------------


def test_duplicate_lines():
    text = "\n".join(["같은 줄", "다른 줄", "같은 줄", "", "같은 줄"])  # 2 of 4 lines repeat
    assert repetition.dup_lines(view(text), 0.5) is None
    assert repetition.dup_lines(view(text), 0.4) == "dup_line_frac=0.500 > 0.4"
    assert repetition.dup_line_chars(view(text), 0.4) == "dup_line_char_frac=0.500 > 0.4"


def reference_top_ngram_frac(text: str, n: int) -> float:
    """Gopher's top n-gram character fraction, spelled out in plain Python."""
    tokens = text.split()
    counts = Counter(zip(*(tokens[i:] for i in range(n)), strict=False))
    if not counts or max(counts.values()) == 1:
        return 0.0
    top = max(counts.values())
    longest = max(sum(map(len, gram)) for gram, count in counts.items() if count == top)
    return top * longest / sum(map(len, tokens))


def reference_dup_ngram_frac(text: str, n: int) -> float:
    """Characters of words covered by n-grams seen earlier, spelled out in plain Python."""
    tokens = text.split()
    seen, covered = set(), set()
    for i in range(len(tokens) - n + 1):
        gram = tuple(tokens[i : i + n])
        if gram in seen:
            covered.update(range(i, i + n))
        seen.add(gram)
    return sum(len(tokens[i]) for i in covered) / max(sum(map(len, tokens)), 1)


NGRAM_TEXTS = [
    PROSE,
    "가 나 다 라 가 나 다 라 가 나 다 라 마",
    "하나 둘 셋 넷 다섯 여섯 일곱 하나 둘 셋 넷 다섯 여섯 일곱 여덟 아홉",
    "a b a b a b a b a b a b",
    "같은 말 " * 30,
    "홀로",
    "",
]


@pytest.mark.parametrize("text", NGRAM_TEXTS)
@pytest.mark.parametrize("n", [2, 3, 4])
def test_top_ngram_char_frac_matches_the_plain_definition(text, n):
    frac = repetition.top_ngram_char_frac(view(text).words, n)
    assert frac == pytest.approx(reference_top_ngram_frac(text, n))


@pytest.mark.parametrize("text", NGRAM_TEXTS)
@pytest.mark.parametrize("n", [5, 6, 7, 8, 9, 10])
def test_dup_ngram_char_frac_matches_the_plain_definition(text, n):
    frac = repetition.dup_ngram_char_frac(view(text).words, n)
    assert frac == pytest.approx(reference_dup_ngram_frac(text, n))


def test_ngram_fractions_match_on_real_pages():
    with HTML_PAGES.open(encoding="utf-8") as lines:
        texts = [clean(json.loads(line)["html"]) for line in lines]
    for text in texts:
        for n in (2, 3, 4):
            frac = repetition.top_ngram_char_frac(view(text).words, n)
            assert frac == pytest.approx(reference_top_ngram_frac(text, n))
        for n in (5, 10):
            frac = repetition.dup_ngram_char_frac(view(text).words, n)
            assert frac == pytest.approx(reference_dup_ngram_frac(text, n))


def test_top_ngram_rule():
    repeated = "최저가 보장 " * 20 + PROSE
    drop = first_failing_filter(repeated, FilterConfig())
    assert drop.reason == "top_ngram"
    assert drop.detail.startswith("top_2gram_char_frac=")
    assert repetition.top_ngram(view(PROSE), ((2, 0.0),)) is None  # nothing repeats twice


def test_dup_ngram_rule():
    paragraph = PROSE.split("\n")[1]
    doubled = paragraph + "\n" + paragraph.replace(" ", "  ")  # same words, other spacing
    detail = repetition.dup_ngram(view(doubled), ((5, 0.4), (10, 0.3)))
    assert detail == "dup_5gram_char_frac=0.500 > 0.4"
    assert repetition.dup_ngram(view(doubled), ((5, 0.5), (10, 0.5))) is None


def test_dup_ngram_skips_larger_n_once_coverage_is_below_them():
    # coverage can only shrink as n grows, so a pass at n=5 under every threshold ends the rule
    text = "가 나 다 라 마 가 나 다 라 마 바 사 아 자 차 카 타 파 하 거 너 더 러 머 버 서 어 저"
    fracs = [repetition.dup_ngram_char_frac(view(text).words, n) for n in range(5, 11)]
    assert fracs == sorted(fracs, reverse=True)
    assert fracs[:2] == [pytest.approx(5 / 28), 0.0]
    assert repetition.dup_ngram(view(text), ((5, 0.15), (6, 0.1))) == (
        "dup_5gram_char_frac=0.179 > 0.15"
    )
    assert repetition.dup_ngram(view(text), ((5, 0.2), (6, 0.1))) is None


# --- spam -----------------------------------------------------------------------------------


def test_spam_word_list_loads():
    terms = spam.load_spam_words()
    assert "바카라" in terms and all(term == term.strip() and term for term in terms)


def test_spam_density_edges():
    # short documents count as 1,000 characters: 5 hits are a density of 5.0
    five = "바카라 토토사이트 먹튀검증 릴게임 꽁머니"
    assert spam.spam_words(view(five), 5.0) is None
    assert spam.spam_words(view(five + " 바카라"), 5.0) == (
        "spam_words_per_1k=6.00 > 5.0 (꽁머니, 릴게임, 먹튀검증)"
    )
    # longer documents: hits per 1,000 of their characters
    two_thousand = "바카라 " + "가" * 1996
    assert spam.spam_words(view(two_thousand), 0.5) is None
    assert spam.spam_words(view(two_thousand), 0.4) == "spam_words_per_1k=0.50 > 0.4 (바카라)"


def test_spam_document_is_dropped_and_news_about_gambling_is_kept():
    spam_page = (
        "안전놀이터 추천 토토사이트 먹튀검증 완료! 바카라 카지노사이트 가입머니 지급.\n"
        "첫충 매충 이벤트 진행 중. 온라인카지노 슬롯사이트 최고 환전보장.\n"
        "지금 가입하면 꽁머니 3만원을 드립니다. 24시간 상담 가능, 문의 주세요.\n"
        "실시간카지노와 라이브카지노를 한 곳에서 즐기세요. 릴게임도 준비되어 있습니다."
    )
    assert first_failing_filter(spam_page, FilterConfig()).reason == "spam_words"
    news = (
        "정부는 불법 토토사이트와 온라인카지노 광고를 집중 단속한다고 밝혔다. 경찰은 지난해 "
        "적발된 사설 도박 사이트 운영자 30여 명을 검거했으며, 올해는 해외 서버를 이용한 "
        "토토사이트의 자금 흐름을 추적하는 데 수사력을 모을 계획이다. 전문가들은 청소년이 "
        "바카라 같은 온라인 도박 광고에 쉽게 노출되는 점을 가장 큰 문제로 꼽았다."
    )
    assert spam.spam_words(view(news), 0.0) is not None  # four hits: a density of 4 per 1k
    assert first_failing_filter(news, FilterConfig()) is None


def test_spam_terms_inside_ordinary_words_are_not_listed():
    # 오피스 and 사건마다 contain 오피 and 건마, which are deliberately not terms
    ordinary = "오피스텔 사무실에서 사건마다 보고서를 썼다. " * 10
    assert spam.spam_words(view(ordinary), 0.0) is None


# --- real documents -------------------------------------------------------------------------


def test_real_korean_pages_from_the_fixture_pass():
    with HTML_PAGES.open(encoding="utf-8") as lines:
        pages = {page["id"].rsplit("/", 1)[-1]: page for page in map(json.loads, lines)}
    for name in ("kernel.ko.html", "faqinfo.ko.html", "12070000.html"):
        assert first_failing_filter(clean(pages[name]["html"]), FilterConfig()) is None, name


@pytest.mark.slow
def test_defaults_drop_at_most_one_percent_of_prose():
    if not SHARED_DOCS.is_file():
        pytest.skip(f"{SHARED_DOCS} not found: the shared corpora are not on this machine")
    with gzip.open(SHARED_DOCS, "rt", encoding="utf-8") as lines:
        docs = [json.loads(line) for line in lines]
    prose = [doc for doc in docs if doc["source"] in PROSE_SOURCES]
    assert len(prose) == 28
    drops = {doc["id"]: first_failing_filter(clean(doc["text"]), FilterConfig()) for doc in prose}
    dropped = {doc_id: drop for doc_id, drop in drops.items() if drop}
    assert len(dropped) <= 0.01 * len(prose), dropped
    # and the filters do drop: the untranslated help pages are mostly English
    drops = [first_failing_filter(clean(doc["text"]), FilterConfig()) for doc in docs]
    reasons = Counter(drop.reason if drop else "kept" for drop in drops)
    assert reasons["hangul_share"] > 0.2 * len(docs)
    assert sum(reasons.values()) == len(docs)


def test_word_segmentation_agrees_with_str_split_on_odd_input():
    text = "\u3000가\u00a0나\u2003다\t\t라\n\n마"
    assert view(text).words.lengths.tolist() == [len(word) for word in text.split()]
    assert np.array_equal(view("가나").words.hashes, view(" 가나 ").words.hashes)
