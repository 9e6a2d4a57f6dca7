import json
import sys
import unicodedata
from pathlib import Path

import pytest

from transforms.normalize import (
    collapse_whitespace,
    full_width_to_ascii,
    html_to_text,
    looks_like_html,
    normalize_text,
    reduce_repeated_chars,
    remove_invisible,
    to_nfc,
    unescape_entities,
    unify_line_breaks,
)

HTML_PAGES = Path(__file__).parent / "data" / "html_pages.jsonl"


def load_pages() -> dict[str, dict]:
    with HTML_PAGES.open(encoding="utf-8") as lines:
        return {page["id"].rsplit("/", 1)[-1]: page for page in map(json.loads, lines)}


# --- Unicode --------------------------------------------------------------------------------


def test_nfc_composes_conjoining_jamo_into_syllables():
    decomposed = "\u1112\u1161\u11ab\u1100\u1173\u11af"  # 한글 as conjoining jamo
    assert to_nfc(decomposed) == "한글"
    assert normalize_text(decomposed) == "한글"


def test_nfc_leaves_normalised_text_alone():
    text = "이미 정규화된 문장입니다."
    assert to_nfc(text) is text


def test_jamo_that_nfc_cannot_compose_are_removed():
    # a lone leading consonant, a lone vowel and a trailing consonant with nothing to attach to
    assert normalize_text("가\u1100 나 \u1161다 \u11a8라") == "가 나 다 라"
    # a syllable followed by a trailing consonant does compose
    assert normalize_text("다\u11a8") == "닥"
    # Hangul Jamo Extended-A and -B (old Korean) are conjoining jamo too
    assert remove_invisible("a\ua960b\ud7b0c") == "abc"


def test_compatibility_jamo_are_kept():
    assert normalize_text("ㅋㅋ 진짜 웃기다 ㅠㅠ ㄱㄴㄷ") == "ㅋㅋ 진짜 웃기다 ㅠㅠ ㄱㄴㄷ"


def test_no_nfkc_compatibility_jamo_would_become_conjoining_jamo():
    # the reason normalize_text does not run NFKC: it would rewrite ㅋ and the jamo rule eat it
    assert unicodedata.normalize("NFKC", "ㅋ") == "\u110f"
    assert normalize_text("ㅋ") == "ㅋ"


def test_full_width_ascii_is_mapped_one_to_one():
    text = "ＡＢＣ１２３！　끝"
    mapped = full_width_to_ascii(text)
    assert mapped == "ABC123! 끝"
    assert len(mapped) == len(text)
    assert normalize_text("２０２３년 １월") == "2023년 1월"


def test_invisible_characters_are_removed():
    text = "\ufeff가\u200b나\u200c다\u200d라\x00마\x07바\u00ad사\u202e아\u2060자"
    assert remove_invisible(text) == "가나다라마바사아자"


def test_hangul_filler_is_removed():
    assert normalize_text("이름:\u3164\u3164") == "이름:"


def test_line_breaks_are_unified():
    assert unify_line_breaks("a\r\nb\rc\x0bd\x0ce\u2028f\u2029g\x85h") == "a\nb\nc\nd\ne\nf\ng\nh"


def test_entities_are_unescaped_only_when_complete():
    assert unescape_entities("AT&amp;T &lt;보기&gt; &#44032; &#xAC00;") == "AT&T <보기> 가 가"
    # no semicolon, or no such entity: left as written (URLs keep their query strings)
    assert unescape_entities("?a=1&copy=2 R&D &nosuch;") == "?a=1&copy=2 R&D &nosuch;"


# --- whitespace -----------------------------------------------------------------------------


def test_whitespace_collapses_within_lines_and_lines_are_stripped():
    assert collapse_whitespace("  가  나\t다\u00a0라\u3000마  \n  바 ") == "가 나 다 라 마\n바"


def test_blank_line_runs_become_one_blank_line():
    assert collapse_whitespace("\n\n가\n\n\n\n나\n \n \n다\n\n") == "가\n\n나\n\n다"


def test_collapse_treats_every_unicode_space_as_space():
    spaces = "".join(chr(cp) for cp in range(sys.maxunicode + 1) if chr(cp).isspace())
    assert collapse_whitespace(f"가{spaces.replace(chr(10), '')}나") == "가 나"


def test_normalize_text_is_idempotent():
    text = "  ＡＢＣ  가\u200b나 \r\n\r\n\r\n ㅋㅋㅋㅋ &amp; 끝 "
    once = normalize_text(text, reduce_repeats=True)
    assert normalize_text(once, reduce_repeats=True) == once


def test_empty_and_blank_text():
    assert normalize_text("") == ""
    assert normalize_text(" \n\t\u3000\u200b\n ") == ""


# --- repeated characters --------------------------------------------------------------------


def test_repeated_characters_are_left_alone_by_default():
    assert normalize_text("ㅋㅋㅋㅋㅋ") == "ㅋㅋㅋㅋㅋ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ㅋㅋㅋㅋㅋ", "ㅋㅋ"),
        ("ㅠㅠㅠㅠ 너무해", "ㅠㅠ 너무해"),
        ("하하하하하", "하하"),
        ("ㅋㅋ", "ㅋㅋ"),  # two stay two
        ("ㅋㅋㅋ", "ㅋㅋ"),
        ("정말!!!!!!", "정말!!!"),
        ("그래서...", "그래서..."),  # an ellipsis is three dots and stays
        ("그래서.......", "그래서..."),
        ("www.example.com", "www.example.com"),  # Latin letters are left alone
        ("1000000원", "1000000원"),  # so are digits
    ],
)
def test_reduce_repeated_chars(text, expected):
    assert reduce_repeated_chars(text) == expected
    assert normalize_text(text, reduce_repeats=True) == expected


# --- HTML -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE html><html><body>본문</body></html>",
        '<?xml version="1.0"?>\n<html><body>본문</body></html>',
        "<p>첫 문단</p><p>둘째 문단</p>",
        "첫 줄<br>둘째 줄<br>셋째 줄",
        '<div class="a">안녕 <b>하세요</b></div>',
    ],
)
def test_looks_like_html_on_markup(text):
    assert looks_like_html(text)


@pytest.mark.parametrize(
    "text",
    [
        "<보기> 다음 중 옳은 것은? a < b 이고 c > d 이다.",
        "부칙 <헌법 제10호, 1987.10.29.>",
        "Vector<int> v; if (a<b && c>d) return;",
        "HTML 문서의 표제는 <h1> 태그로 표시됩니다. " + "설명이 이어집니다. " * 40,
        "",
    ],
)
def test_looks_like_html_on_text(text):
    assert not looks_like_html(text)


def test_html_to_text_blocks_become_lines_and_inline_elements_do_not():
    html = "<div><p>안녕 <b>하세요</b>, <a href='#'>여러분</a></p><ul><li>하나<li>둘</ul></div>"
    assert html_to_text(html) == "안녕 하세요, 여러분\n하나\n둘"


def test_html_to_text_drops_scripts_styles_and_comments():
    html = (
        "<html><head><title>제목</title><style>p {color: red}</style></head><body>"
        "<script>var 광고 = 1;</script><noscript>자바스크립트를 켜세요</noscript>"
        "<!-- 주석 --><p>본문</p></body></html>"
    )
    assert html_to_text(html) == "본문"


def test_html_to_text_unescapes_entities_and_collapses_source_whitespace():
    html = "<p>AT&amp;T &lt;보기&gt;\n   줄바꿈은\n공백&nbsp;입니다</p>"
    assert normalize_text(html_to_text(html)) == "AT&T <보기> 줄바꿈은 공백 입니다"


def test_html_to_text_keeps_line_breaks_inside_pre_and_br():
    assert html_to_text("<p>코드:</p><pre>a = 1\nb = 2</pre>끝") == "코드:\na = 1\nb = 2\n끝"
    assert html_to_text("첫 줄<br>둘째 줄<br/>셋째 줄") == "첫 줄\n둘째 줄\n셋째 줄"


def test_html_to_text_of_empty_input():
    assert html_to_text("") == ""
    assert html_to_text("<html><body></body></html>") == ""


def test_real_pages_from_the_fixture():
    pages = load_pages()
    assert all(looks_like_html(page["html"]) for page in pages.values())
    texts = {name: normalize_text(html_to_text(page["html"])) for name, page in pages.items()}
    for text in texts.values():
        assert "<" not in text.replace("<doc-debian@packages.debian.org>", "")
        assert "function" not in text and "{" not in text.replace("{ ", "")
    # DocBook page: entities decoded, paragraphs joined across the source's hard line wraps
    faq = texts["faqinfo.ko.html"]
    assert "<doc-debian@packages.debian.org>" in faq
    assert "다시 쓴 Debian GNU/Linux FAQ의 저자는" in faq
    # <pre> keeps its lines
    assert "dpkg --purge linux-image-NNN" in texts["kernel.ko.html"].split("\n")
    # LibreOffice page: scripts gone, the Basic example still one statement per line
    dialog = texts["show_dialog.html"].split("\n")
    assert "Sub Dialog1Show" in dialog and "End Sub" in dialog
    assert "setupModules" not in texts["show_dialog.html"]
    assert "디지컬 카메라를 세로로 해서" in texts["gimp-tutorial-quickie-rotate.html"]
