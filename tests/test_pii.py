import json
import random
from pathlib import Path

import pytest

from transforms.pii import (
    DEFAULT_PII_TOKENS,
    PII_KINDS,
    PiiSpan,
    find_pii,
    scrub_pii,
    scrub_pii_with_counts,
)

CASES_PATH = Path(__file__).parent / "data" / "pii_cases.jsonl"
CASES = [json.loads(line) for line in CASES_PATH.read_text(encoding="utf-8").splitlines()]
ACC, RRN, TEL = (DEFAULT_PII_TOKENS[kind] for kind in ("acc", "rrn", "tel"))


def with_rrn_check_digit(first12: str) -> str:
    """A synthetic registration number whose last digit passes the pre-2020 check."""
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    total = sum(int(d) * w for d, w in zip(first12, weights, strict=True))
    return first12 + str((11 - total % 11) % 10)


def with_wrong_check_digit(first12: str) -> str:
    valid = with_rrn_check_digit(first12)
    return first12 + str((int(valid[-1]) + 1) % 10)


def test_labelled_set_is_large_and_varied():
    unchanged = [case for case in CASES if case["text"] == case["expected"]]
    assert len(CASES) >= 400 and len(unchanged) >= 150
    assert len({case["register"] for case in CASES}) >= 8
    for case in CASES:
        assert case["kinds"] == sorted(
            k for k in PII_KINDS if DEFAULT_PII_TOKENS[k] in case["expected"]
        )


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{i}-{case['register']}-{case['note']}" for i, case in enumerate(CASES)]
)
def test_labelled_case(case):
    assert scrub_pii(case["text"]) == case["expected"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # phones: every prefix family, separator and bracket form
        ("010-4821-7730", TEL),
        ("010.4821.7730", TEL),
        ("010 4821 7730", TEL),
        ("01048217730", TEL),
        ("010ㅡ4821ㅡ7730", TEL),
        ("010ㆍ4821ㆍ7730", TEL),
        ("010 - 4821 - 7730", TEL),
        ("011-482-7730", TEL),
        ("019-4821-7730", TEL),
        ("02-318-4471", TEL),
        ("02-3180-4471", TEL),
        ("(02)318-4471", TEL),
        ("(02) 3180-4471", TEL),
        ("02)318-4471", TEL),
        ("031-552-7190", TEL),
        ("(064)752-7190", TEL),
        ("055-1234567", TEL),
        ("070-4821-7730", TEL),
        ("0504-4821-7730", TEL),
        ("080-482-7730", TEL),
        ("060-4821-7730", TEL),
        ("1588-3082", TEL),
        ("1644-3082", TEL),
        ("1899-3082", TEL),
        ("대표번호 15883082", f"대표번호 {TEL}"),
        ("+82-10-4821-7730", TEL),
        ("+82 10 4821 7730", TEL),
        ("+82 (0)10-4821-7730", TEL),
        ("+821048217730", TEL),
        ("0082-2-318-4471", TEL),
        ("00821048217730", TEL),
        ("번호는010-4821-7730이야", f"번호는{TEL}이야"),
        # registration numbers
        ("880101-1234567", RRN),
        ("880101 - 1234567", RRN),
        ("880101 1234567", RRN),
        ("880101-1******", RRN),
        ("880101-*******", RRN),
        ("880101-2xxxxxx", RRN),
        ("030415-4123456", RRN),
        ("900101-5123456", RRN),
        ("주민번호 8801011234567", f"주민번호 {RRN}"),
        # accounts and cards
        ("3333-01-4821773", ACC),
        ("110-482-177301", ACC),
        ("1002-482-177301", ACC),
        ("302-4821-7730-11", ACC),
        ("123-456789-01-234", ACC),
        ("123-456789-01234", ACC),
        ("123456-01-234567", ACC),
        ("1000-4821-7730", ACC),
        ("9002-01-482177-3", ACC),
        ("신한 계좌 48217730112", f"신한 계좌 {ACC}"),
        ("입금 482-17-730112 (SC제일)", f"입금 {ACC} (SC제일)"),
        ("4111-1111-1111-1111", ACC),
        ("4111 1111 1111 1111", ACC),
        ("4111111111111111", ACC),
        # bank layouts joined by single spaces, beside an account or transfer word
        ("송금은 3333 01 1234567 (카카오)", f"송금은 {ACC} (카카오)"),
        ("신한 계좌 110 482 177301", f"신한 계좌 {ACC}"),
        ("3333 01 4821773로 입금", f"{ACC}로 입금"),
        # 82 without + or 00
        ("연락처 82-10-1234-5678", f"연락처 {TEL}"),
        ("82 10 4821 7730", TEL),
        ("82-010-4821-7730", TEL),
        ("Tel 82-2-318-4471", f"Tel {TEL}"),
        # 15-digit cards: American Express, 4-6-5
        ("카드 3782 822463 10005", f"카드 {ACC}"),
        ("3782-822463-10005", ACC),
        ("카드번호 378282246310005", f"카드번호 {ACC}"),
        # partly masked, eight digits or more still shown
        ("010-1234-5***", TEL),
        ("010-12**-7730", TEL),
        ("010.48xx.7730", TEL),
        ("02-1234-56**", TEL),
        ("+82-10-4821-77**", TEL),
        ("01048217***", TEL),
        ("카드 1234-5678-****-3456", f"카드 {ACC}"),
        ("4111-11**-****-1111", ACC),
        ("4111 **** **** 1111", ACC),
        ("3782-82****-10005", ACC),
        # glued to Latin letters or symbols
        ("ID01012345678", f"ID{TEL}"),
        ("acct#110123456789", f"acct#{ACC}"),
        ("HP01048217730", f"HP{TEL}"),
        ("tel_0231844710", f"tel_{TEL}"),
        ("ID0231844710", f"ID{TEL}"),
        ("acct4111111111111111", f"acct{ACC}"),
        ("abc01048217730xyz", f"abc{TEL}xyz"),
        ("https://example.com/call?tel=0231844710", f"https://example.com/call?tel={TEL}"),
        ("https://example.com/u/01048217730", f"https://example.com/u/{TEL}"),
    ],
)
def test_must_mask(text, expected):
    assert scrub_pii(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2023-01-15",
        "2023.01.15 14:30:00",
        "20230115",
        "1600-1700년대",
        "임진왜란(1592-1598)",
        "1500-2000만원",
        "1,000,000원",
        "좌표 37.566535, 126.977969",
        "3.14159265358979",
        "192.168.0.1",
        "10.0.19041.1234",
        "ISBN 978-89-7914-063-0",
        "ISBN 9788979140630",
        "우편번호 06236",
        "123-45-67890",
        "법인등록번호 110111-1234567",
        "8801234567893",
        "주문번호 20240315-0012345",
        "운송장번호 6012-3456-7890",
        "예약번호 2024031500123",
        "특허 제10-1234567호, 출원번호 10-2019-0123456",
        "학번 2019123456",
        "운전면허번호 11-12-345678-90",
        "010-1234-567",
        "010-123-45678",
        "010-XXXX-XXXX",
        "010-0000-0000",
        "0101234567890123",
        "2024-010-1234-5678",
        "MA 02110-1301 USA",
        "shared0102110000xml",
        "881301-1234567",
        "1234-5678-9012-3456",
        # spaced groups: no account word, not a bank's layout, a unit, more groups, wider gaps
        "3333 01 1234567",
        "계좌 1234 56 7890123",
        "송금 1000 1234 5678원",
        "이체 3333 01 1234567 8",
        "이체 3333  01  1234567",
        "입금 2024 03 15 14 30",
        "은행 좌표 37 566535 126 977969",
        # 82 look-alikes
        "1982-10-12",
        "82.10.1234.5678",
        "82-31-123-4567",
        "821048217730",
        # 15 digits that are not an Amex number
        "3782-822463-10006",
        "378282246310005",
        "1234-567890-12345",
        # partly masked, seven digits or fewer shown
        "010-1234-****",
        "010-****-7730",
        "02-123-45**",
        "4111-****-****-****",
        "1234-****-****-5678",
        "1920x1080x60",
        # glued: identifiers, labels inside longer names, letters after, URLs
        "SM0231844710",
        "NO0231844710X",
        "hd_id0231844710",
        "buildID8801011234568",
        "shared021234567xml",
        "ID4111111111111111",
        "No4111111111111111",
        "https://news.example.com/article/0231844710",
        "https://shop.example.com/goods?id=0231844710&page=2",
        "www.example.co.kr/board/0312345678",
    ],
)
def test_must_not_touch(text):
    assert scrub_pii(text) == text


def test_check_digit_is_evidence_not_a_gate():
    random_tail = with_wrong_check_digit("201015312345")  # issued after 2020-10-05
    assert scrub_pii(f"{random_tail[:6]}-{random_tail[6:]}") == RRN
    # A bare 13-digit run needs the check digit or a registration word.
    assert scrub_pii(with_rrn_check_digit("880101123456")) == RRN
    assert scrub_pii(random_tail) == random_tail
    assert scrub_pii(f"주민등록번호 {random_tail}") == f"주민등록번호 {RRN}"
    # Sex digits 9 and 0 (born in the 1800s) are believed only with a valid check digit.
    old = with_rrn_check_digit("890101912345")
    assert scrub_pii(f"{old[:6]}-{old[6:]}") == RRN
    wrong = with_wrong_check_digit("890101912345")
    assert scrub_pii(f"{wrong[:6]}-{wrong[6:]}") == f"{wrong[:6]}-{wrong[6:]}"


def test_bank_words_are_needed_for_generic_account_numbers():
    assert scrub_pii("번호 48217730112") == "번호 48217730112"
    assert scrub_pii("국민은행 48217730112") == f"국민은행 {ACC}"
    assert scrub_pii("48217730112 (예금주 홍길동)") == f"{ACC} (예금주 홍길동)"


def test_spans_cover_brackets_and_country_prefix():
    assert find_pii("(02)318-4471로") == [PiiSpan("tel", 0, 12)]
    assert find_pii("+82 (0)10-4821-7730") == [PiiSpan("tel", 0, 19)]
    assert find_pii("Tel +82-2-318-4471.") == [PiiSpan("tel", 4, 18)]
    # Brackets around a number that has no area code in them are the sentence's own.
    assert scrub_pii("전화(010-4821-7730)") == f"전화({TEL})"


def test_full_width_digits():
    assert scrub_pii("주민등록번호 ８８０１０１－１２３４５６７") == f"주민등록번호 {RRN}"
    assert scrub_pii("연락처 ０１０－４８２１－７７３０") == f"연락처 {TEL}"
    assert scrub_pii("번호 01０-4821-7730") == f"번호 {TEL}"


def test_hangul_glued_on_both_sides():
    assert (
        scrub_pii("계좌는3333-01-4821773이고번호는02-318-4471임") == f"계좌는{ACC}이고번호는{TEL}임"
    )
    assert scrub_pii("주민번호880101-1234567입니다") == f"주민번호{RRN}입니다"


def test_token_override_keeps_other_defaults():
    text = "전화 010-4821-7730, 계좌 3333-01-4821773"
    assert scrub_pii(text, {"tel": "<|tell|>"}) == f"전화 <|tell|>, 계좌 {ACC}"
    assert scrub_pii(text, {}) == scrub_pii(text)
    with pytest.raises(ValueError, match="phone"):
        scrub_pii(text, {"phone": "<|tel|>"})


def test_counts_include_every_kind():
    text = "주민번호 880101-1234567, 전화 010-4821-7730 / 02-318-4471"
    scrubbed, counts = scrub_pii_with_counts(text)
    assert scrubbed == f"주민번호 {RRN}, 전화 {TEL} / {TEL}"
    assert counts == {"acc": 0, "rrn": 1, "tel": 2}
    assert scrub_pii_with_counts("숫자가 없는 글") == (
        "숫자가 없는 글",
        dict.fromkeys(PII_KINDS, 0),
    )


def test_spans_are_sorted_and_disjoint():
    for case in CASES:
        spans = find_pii(case["text"])
        assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False)), case["text"]


def test_scrubbing_is_idempotent():
    for case in CASES:
        once = scrub_pii(case["text"])
        assert scrub_pii(once) == once


def test_digit_soup_gives_valid_spans_and_stable_output():
    rng = random.Random(7)
    alphabet = [
        *"0123456789" * 4,
        *"-. ()+*xㅡㆍ０－가는_a/:,",
        "82",
        "010",
        "주민",
        "계좌",
        "전화",
    ]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 60)))
        spans = find_pii(text)
        assert all(0 <= span.start < span.end <= len(text) for span in spans), text
        once = scrub_pii(text)
        assert scrub_pii(once) == once, text
