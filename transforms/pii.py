"""Mask Korean PII: registration numbers (rrn), phone numbers (tel), accounts and cards (acc).

What is masked and what is left alone is listed in ``docs/pii.md``. How it works:

- One character-class scan finds *windows*: runs of digits and separators that hold at least seven
  digits. Most Korean text has none, so most documents cost that one scan.
- Inside a window, one regex per detector proposes candidates. Digit boundaries are explicit
  lookarounds: ``\\b`` does not fire between Hangul and digits (번호는010-...), and a number glued
  to ``digit-`` or ``digit.`` is part of a longer one (a date, an IP address, a version string).
- Python code validates each candidate (a real birth date, check digits, bank layouts) and, for the
  shapes that are ambiguous on their own, reads the nearest keyword around the number: 주민번호,
  전화, 계좌 ... or a word that says it is something else (주문번호, 법인등록번호, ISBN ...).
- Overlapping candidates are settled by the detectors' priorities: rrn, card, bank layout, phone,
  generic account. A number written without separators that is glued to an identifier or sits in
  a URL is dropped there unless a label or a keyword claims it (``_is_part_of_name``).

Each kind is one row of ``PII_REGISTRY`` at the end of this module: its token, its place in the
tokenizer's ids, its keywords and its detectors (each with a priority). Everything else that lists
kinds (``PII_KINDS``, the default tokens, the ``pii_counts`` columns, the tokenizer's PII ids, the
counters, the report) derives from it; ``docs/pii.md`` says how to add one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache


@dataclass(frozen=True)
class PiiSpan:
    """``text[start:end]`` is one number of ``kind``, with its separators and prefix."""

    kind: str
    start: int
    end: int


# (text, the ASCII-translated window of it, the window's offset in text) -> (start, end) in text.
Finder = Callable[[str, str, int], Iterator[tuple[int, int]]]


@dataclass(frozen=True)
class PiiDetector:
    """One shape of number that proves its kind, e.g. a card number for ``acc``."""

    name: str
    # Where candidates of different detectors overlap, the lowest priority keeps its span. Priority
    # belongs to detectors, not kinds: acc's card and bank layouts beat phones, its generic
    # accounts do not.
    priority: int
    find: Finder


@dataclass(frozen=True)
class PiiKind:
    """One PII kind: the row that everything naming, finding, masking and counting it reads."""

    name: str  # the pii_counts field, the key of its token in [pii] tokens, its cases' label
    token: str  # the default replacement
    # The token's place among the tokenizer's PII ids, which follow the vocabulary (released
    # Polyglot-Ko: vocab 30000, so id 30000 + token_position).
    token_position: int
    keywords: tuple[str, ...]  # lower-case words near a number that say it is of this kind
    detectors: tuple[PiiDetector, ...]
    # Lower-case Latin labels that, glued before a number written without separators
    # (TEL0231844710), say it is of this kind rather than part of an identifier.
    glued_labels: tuple[str, ...] = ()

    @property
    def counter(self) -> str:
        """The name of the ``kprep`` Beam counter of the numbers masked."""
        return f"pii.{self.name}"


# Full-width digits and brackets map one-to-one onto ASCII, so offsets survive the translation.
_TO_ASCII = str.maketrans("０１２３４５６７８９＋（）＊", "0123456789+()*")
_FULL_WIDTH = re.compile("[０-９＋（）＊]")

_WINDOW = re.compile("[0-9０-９][-0-9０-９*＊xX●○ \t.()（）ㅡㆍ·・\u2010-\u2015\u2212\uff0d]{6,}")
_DIGIT_OR_MASK = re.compile("[0-9０-９*＊xX●○]")
_NON_DIGIT = re.compile("[^0-9]")
_DIGIT_RUN = re.compile("[0-9]+")
_IDENTIFIER_BEFORE = re.compile("[A-Za-z_]")
_IDENTIFIER_AFTER = re.compile(r"[A-Za-z_]|\.[A-Za-z]")  # ...0102110000xml, .../020010100.html
# A mobile number is the one shape specific enough to mask whatever it is glued to.
_STRICT_MOBILE = re.compile("010[0-9]{8}")
_URL_BEFORE = re.compile(r"(?:://|www\.)\S*\Z")  # the text before a number continues a URL
_URL_LOOKBACK = 200
_MIN_WINDOW_DIGITS = 7  # the shortest masked shape is a partly masked RRN: 880101-1******
_WINDOW_MARGIN_BEFORE = 8  # room for "+82 (", "(" and the lookbehinds
_WINDOW_MARGIN_AFTER = 2

# Detectors run on ASCII-translated windows, so [0-9] below also covers full-width digits.
# Hyphen-minus, the Unicode hyphens and dashes, minus sign, full-width hyphen.
_DASH = r"\-\u2010-\u2015\u2212\uff0d"
# Each detector's regex is tried at every position of a window: a cheap lookahead for the first
# character turns most positions away before the lookbehinds run.
_LEFT = rf"(?=[0-9])(?<![0-9])(?<![0-9][.{_DASH}])"
_RIGHT = rf"(?![0-9])(?![.{_DASH}][0-9])"
_JOIN = rf"[ \t]?[{_DASH}][ \t]?"  # how registration, account and card numbers join their groups
_MASK = "*xX●○"
_DIGITS_AND_MASKS = re.compile(rf"[0-9０-９{_MASK}＊]+")  # a number written without separators
_MASK_CHAR = re.compile(f"[{_MASK}]")
_LETTER_MASK = re.compile("[xX]")
# A partly masked phone or card number is masked while it still shows this many digits:
# 010-1234-5*** leaves a thousand numbers to try, 010-1234-**** ten thousand.
_MIN_SHOWN_DIGITS = 8

_RRN = re.compile(
    rf"{_LEFT}(?P<birth>[0-9]{{6}})(?P<sep>{_JOIN}|[ \t]?)(?P<tail>[0-9{_MASK}]{{7}})"
    rf"(?![{_MASK}]){_RIGHT}"
)
_RRN_TAIL = re.compile(rf"(?P<digits>[0-9]*)[{_MASK}]*")
_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_CENTURY_BY_SEX_DIGIT = {
    **dict.fromkeys("1256", 1900),  # citizens 1-2, foreigners 5-6
    **dict.fromkeys("3478", 2000),
    **dict.fromkeys("90", 1800),
}

# 4-4-4-4 and American Express' 4-6-5, grouped (later groups may hold mask characters) or bare.
_CARD = re.compile(
    rf"{_LEFT}[0-9]{{4}}(?:"
    rf"(?P<sep>{_JOIN}|[ \t])(?:[0-9{_MASK}]{{4}}(?P=sep)){{2}}[0-9{_MASK}]{{4}}"
    rf"|(?P<amex_sep>{_JOIN}|[ \t])[0-9{_MASK}]{{6}}(?P=amex_sep)[0-9{_MASK}]{{5}}"
    rf"|[0-9]{{11,12}}"
    rf"){_RIGHT}"
)
# Contiguous 16-digit runs are cards only with an issuer's first digits (Visa, Mastercard, Amex,
# JCB, Korean domestic 9...), which keeps out order numbers that start with a date (2023...).
_CARD_ISSUER_PREFIXES = ("3", "4", "5", "6", "9", "22", "23", "24", "25", "26", "27")
_AMEX_PREFIXES = ("34", "37")  # the only 15-digit cards

_GROUPED = re.compile(rf"{_LEFT}[0-9]+(?:{_JOIN}[0-9]+){{0,4}}{_RIGHT}")
# Three or four groups joined by single spaces, and no more: a space also separates the numbers of
# a list, a date or a score, so a run with a digit group beside it has no telling where it ends.
_SPACED = re.compile(rf"{_LEFT}(?<![0-9] )[0-9]+(?: [0-9]+){{2,3}}(?! [0-9]){_RIGHT}")
_DIGIT_SPACE_DIGIT = re.compile("[0-9] [0-9]")  # most windows have none: skip _SPACED there
# Group lengths -> first digits. These layouts are specific enough to mask without a bank word.
_BANK_LAYOUTS: dict[tuple[int, ...], tuple[str, ...]] = {
    (4, 2, 7): ("3333", "3355", "3388", "7777", "7979"),  # KakaoBank
    (3, 3, 6): ("1",),  # Shinhan 110-, K bank 100-
    (4, 3, 6): ("1002",),  # Woori
    (3, 4, 4, 2): tuple("123456789"),  # NH Nonghyup 3xx-, BNK Busan
    (3, 6, 2, 3): ("",),  # IBK
    (3, 6, 5): ("",),  # Hana
    (6, 2, 6): ("",),  # KB Kookmin, post office
    (3, 2, 4, 3): ("",),  # KB Kookmin, older accounts
    (4, 4, 4): ("1000", "1001"),  # Toss Bank
    (4, 2, 6, 1): ("9",),  # MG Saemaul Geumgo
    (3, 6, 3): ("",),  # Citi
}
# Layouts of numbers that are not accounts even beside a bank word.
_NOT_ACCOUNT_LAYOUTS = {
    (3, 2, 5),  # business registration number
    (6, 7),  # resident or corporate registration number that failed the RRN checks
    (2, 2, 6, 2),  # driver's licence
}
_ACCOUNT_DIGITS = range(10, 15)
_DATE_PREFIX = re.compile(r"(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])")

_TEL_SEP = rf"(?:[ \t]?[.{_DASH}ㅡㆍ·・][ \t]?|[ \t])"
# Area and service codes after the trunk 0: mobile, Seoul, provinces, 070, 050x, 080, 060.
_TEL_AREA = r"1[016789]|2|3[1-3]|4[1-4]|5[1-5]|6[1-4]|70|50[2-8]|[68]0"
_TEL = re.compile(
    rf"""
    (?=[+0(8])(?<![0-9+])(?<![0-9][.{_DASH}])
    (?:
        (?:
            (?:\+|00)82[ \t]?-?[ \t]?(?:\(0\)[ \t]?)?
          | (?P<bare_cc>82)(?:[ \t]?[{_DASH}][ \t]?|[ \t])  # 82-10-..., 82 10 ...: no + or 00
        )
        (?P<intl_area>0?(?:{_TEL_AREA}))
      | (?P<paren>\()?(?P<area>0(?:{_TEL_AREA}))(?(paren)\))
    )
    (?P<sep1>{_TEL_SEP}|\)[ \t]?)?
    (?P<middle>[0-9{_MASK}]{{3,4}})(?P<sep2>{_TEL_SEP})?(?P<last>[0-9{_MASK}]{{4}})
    {_RIGHT}
    """,
    re.VERBOSE,
)
# 8-digit nationwide business numbers (1588-xxxx, 1600-xxxx, 1800-xxxx ...).
_BUSINESS_TEL = re.compile(
    rf"(?<![0-9+])(?<![0-9][.{_DASH}])(?P<head>1[568][0-9]{{2}})(?P<sep>{_TEL_SEP})?"
    rf"(?P<tail>[0-9]{{4}}){_RIGHT}"
)
# A year range (1600-1700, 1592-1598) reads like a business number; real ones rarely ascend so.
_YEAR_RANGE_SPAN = 300

# A unit right after a number makes it a quantity or a year range, not a phone or an account.
_UNIT_AFTER = re.compile(r"년|원|만|억|천|명|개|회|세|살|층|호|평|도|배|건|%|％|℃|달러|[kmgKMG]")

# Words that say a nearby number is something else than PII; each kind's own words are in its row.
_NOT_PII = "neg"
_NOT_PII_KEYWORDS = (
    *("법인", "사업자", "주문", "송장", "운송장", "택배"),
    *("예약번호", "접수번호", "학번", "수험번호", "면허", "특허"),
    *("출원", "바코드", "일련번호", "시리얼", "제품번호", "상품번호"),
    *("모델", "승인번호", "거래번호", "인보이스", "관리번호", "우편번호"),
    *("등기번호", "회원번호", "확인번호", "확인 번호", "인증번호", "인증 번호"),
    *("isbn", "ean", "serial", "invoice", "order"),
)
_LATIN_LETTER = re.compile("[A-Za-z]")
_CONTEXT_BEFORE = 20  # characters searched for a keyword before the number
_CONTEXT_AFTER = 12  # and after it, when none came before
_CONTEXT_BARRIER = re.compile(r"[0-9０-９]|<\||\|>")  # a digit, or the edge of a <|token|>

_Candidate = tuple[int, int, int, str]  # (priority, start, end, kind)


def find_pii(text: str) -> list[PiiSpan]:
    """The PII numbers in ``text``: sorted by position, non-overlapping."""
    spans: list[PiiSpan] = []
    for window_start, window_end in _windows(text):
        segment = text[window_start:window_end]
        if _FULL_WIDTH.search(segment):
            segment = segment.translate(_TO_ASCII)
        candidates = [
            (priority, start, end, kind)
            for priority, kind, find in _DETECTORS
            for start, end in find(text, segment, window_start)
        ]
        # Windows are disjoint and in order, so settling each one keeps the whole list sorted.
        spans += _settle(text, candidates)
    return spans


def scrub_pii(text: str, tokens: Mapping[str, str] | None = None) -> str:
    """``text`` with every PII number replaced by its kind's token (``tokens`` overrides them)."""
    return scrub_pii_with_counts(text, tokens)[0]


def scrub_pii_with_counts(
    text: str, tokens: Mapping[str, str] | None = None
) -> tuple[str, dict[str, int]]:
    """``scrub_pii(text, tokens)`` and how many numbers of each kind it replaced, zeros included."""
    replacements = _replacement_tokens(tokens)
    counts = dict.fromkeys(PII_KINDS, 0)
    pieces: list[str] = []
    cursor = 0
    for span in find_pii(text):
        pieces += (text[cursor : span.start], replacements[span.kind])
        counts[span.kind] += 1
        cursor = span.end
    if not pieces:
        return text, counts
    pieces.append(text[cursor:])
    return "".join(pieces), counts


def _replacement_tokens(tokens: Mapping[str, str] | None) -> dict[str, str]:
    if not tokens:
        return DEFAULT_PII_TOKENS
    unknown = sorted(set(tokens) - set(PII_KINDS))
    if unknown:
        raise ValueError(
            f"unknown PII kind(s) {unknown} in tokens; the kinds are {list(PII_KINDS)}"
        )
    return {**DEFAULT_PII_TOKENS, **tokens}


def _windows(text: str) -> Iterator[tuple[int, int]]:
    """Merged ranges around the digit runs long enough to hold a PII number."""
    window_start = window_end = -1
    for match in _WINDOW.finditer(text):
        if len(_DIGIT_OR_MASK.findall(match[0])) < _MIN_WINDOW_DIGITS:
            continue
        start = max(0, match.start() - _WINDOW_MARGIN_BEFORE)
        end = min(len(text), match.end() + _WINDOW_MARGIN_AFTER)
        if start > window_end:
            if window_end >= 0:
                yield window_start, window_end
            window_start = start
        window_end = end
    if window_end >= 0:
        yield window_start, window_end


def _settle(text: str, candidates: list[_Candidate]) -> list[PiiSpan]:
    """Keep candidates by priority, then position, dropping any that overlap one already kept."""
    starts: list[int] = []
    kept: list[PiiSpan] = []  # sorted by start, disjoint
    for _, start, end, kind in sorted(candidates):
        if _is_placeholder(text[start:end]) or _is_part_of_name(text, kind, start, end):
            continue
        at = bisect_right(starts, start)
        if (at and kept[at - 1].end > start) or (at < len(kept) and kept[at].start < end):
            continue
        starts.insert(at, start)
        kept.insert(at, PiiSpan(kind, start, end))
    return kept


def _is_placeholder(number: str) -> bool:
    """010-0000-0000, 0000-0000-0000-0000: no assigned number ends in seven zeros."""
    return _NON_DIGIT.sub("", number.translate(_TO_ASCII)).endswith("0000000")


def _is_part_of_name(text: str, kind: str, start: int, end: int) -> bool:
    """Whether a number without separators is part of an identifier, a file name or a URL.

    Glued to Latin letters or ``_`` (before), or to letters, ``_`` or an extension (after), it is,
    unless one of its kind's ``glued_labels`` is glued before it (ID, Tel, acct ...) and nothing
    after. In a URL it is, unless a keyword of its kind names it (?tel=...). A strict mobile
    number never is.
    """
    if _DIGITS_AND_MASKS.fullmatch(text, start, end) is None:
        return False
    if _STRICT_MOBILE.fullmatch(text[start:end].translate(_TO_ASCII)):
        return False
    glued_after = _IDENTIFIER_AFTER.match(text, end) is not None
    if _IDENTIFIER_BEFORE.match(text, max(start - 1, 0), start):
        label = _GLUED_LABEL.search(text, max(0, start - _GLUED_LABEL_LOOKBACK), start)
        return glued_after or label is None or kind not in _KINDS_OF_GLUED_LABEL[label[1].lower()]
    if glued_after:
        return True
    in_url = _URL_BEFORE.search(text, max(0, start - _URL_LOOKBACK), start) is not None
    return in_url and _context(text, start, end) != kind


def _is_credible_masking(text: str, number: str, shown_digits: int, end: int) -> bool:
    """Whether to mask a partly masked ``number`` that ends at ``end`` in ``text``.

    It must show enough digits, its masks must stop where it does, and written without
    separators its masks must be symbols: an x there is a letter of a name (NO0312345678X).
    """
    return (
        shown_digits >= _MIN_SHOWN_DIGITS
        and _MASK_CHAR.match(text, end) is None
        and not (_DIGITS_AND_MASKS.fullmatch(number) and _LETTER_MASK.search(number))
    )


def _context(text: str, start: int, end: int) -> str | None:
    """Which keyword kind (a PII kind, or neg) is nearest before the number, else just after it.

    A keyword speaks for the number next to it: another number, or a token that replaced one, in
    between cuts it off. Cutting at tokens as at digits keeps scrubbing idempotent.
    """
    before_from = max(0, start - _CONTEXT_BEFORE)
    for barrier in _CONTEXT_BARRIER.finditer(text, before_from, start):
        before_from = barrier.end()
    kinds_before = [
        _keyword_kind(text, found) for found in _KEYWORDS.finditer(text, before_from, start)
    ]
    kinds_before = [kind for kind in kinds_before if kind]
    if kinds_before:
        return kinds_before[-1]
    after_to = end + _CONTEXT_AFTER
    barrier = _CONTEXT_BARRIER.search(text, end, after_to)
    for found in _KEYWORDS.finditer(text, end, barrier.start() if barrier else after_to):
        kind = _keyword_kind(text, found)
        if kind:
            return kind
    return None


def _keyword_kind(text: str, found: re.Match[str]) -> str | None:
    word = found[0]
    # Latin keywords count as whole words only: "nh" in "enhance" or "tel" in "hotel" do not.
    if word.isascii() and (
        _LATIN_LETTER.match(text, max(found.start() - 1, 0), found.start())
        or _LATIN_LETTER.match(text, found.end())
    ):
        return None
    return _KIND_OF_KEYWORD[word.lower()]


def _unit_follows(text: str, end: int) -> bool:
    return _UNIT_AFTER.match(text, end) is not None


def _find_registration_numbers(text: str, segment: str, offset: int) -> Iterator[tuple[int, int]]:
    for match in _RRN.finditer(segment):
        start, end = offset + match.start(), offset + match.end()
        tail = _RRN_TAIL.fullmatch(match["tail"])
        if tail is None:  # a mask character before a digit: not a masking convention
            continue
        tail_digits = tail["digits"]
        sex_digit = tail_digits[:1]
        if not _is_birth_date(match["birth"], sex_digit):
            continue
        context = _context(text, start, end)
        if context == "rrn":
            yield start, end
            continue
        if context == _NOT_PII:
            continue
        if len(tail_digits) < 7:
            # Partly masked: the sex digit, when shown, must be a current one (1-8).
            if sex_digit in ("", *"12345678"):
                yield start, end
            continue
        digits = match["birth"] + tail_digits
        check_digit_ok = _rrn_check_digit_ok(digits)
        # Numbers issued since 2020-10-05 have random tails, so a bad check digit is no evidence
        # against a well-formed number; only 9/0 (born in the 1800s) need it to be believed.
        if sex_digit in "90" and not check_digit_ok:
            continue
        if match["sep"]:
            yield start, end
        elif check_digit_ok and not (digits.startswith("880") and _ean13_ok(digits)):
            # A bare 13-digit run; Korean EAN-13 barcodes (880...) with their own check digit
            # are barcodes unless a registration word says otherwise.
            yield start, end


def _is_birth_date(yymmdd: str, sex_digit: str) -> bool:
    # Without the sex digit the century is unknown; 2000 is a leap year, so 02-29 passes.
    year = _CENTURY_BY_SEX_DIGIT.get(sex_digit, 2000) + int(yymmdd[:2])
    try:
        date(year, int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        return False
    return True


def _rrn_check_digit_ok(digits: str) -> bool:
    """The pre-2020 check digit: citizens' formula, or the foreigners' one for sex digits 5-8."""
    remainder = sum(int(d) * w for d, w in zip(digits, _RRN_WEIGHTS, strict=False)) % 11
    last = int(digits[12])
    if last == (11 - remainder) % 10:
        return True
    return digits[6] in "5678" and last == (13 - remainder) % 10


def _ean13_ok(digits: str) -> bool:
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - weighted % 10) % 10 == int(digits[12])


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        value = int(d) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _find_cards(text: str, segment: str, offset: int) -> Iterator[tuple[int, int]]:
    for match in _CARD.finditer(segment):
        digits = _NON_DIGIT.sub("", match[0])
        grouped = match["sep"] is not None or match["amex_sep"] is not None
        amex = match["amex_sep"] is not None or len(match[0]) == 15
        if amex and not digits.startswith(_AMEX_PREFIXES):
            continue
        start, end = offset + match.start(), offset + match.end()
        masked = _MASK_CHAR.search(match[0]) is not None
        if masked:
            if not _is_credible_masking(text, match[0], len(digits), end):
                continue
        elif not _luhn_ok(digits):
            continue
        context = _context(text, start, end)
        if context == _NOT_PII:
            continue
        if masked:
            # No check digit is left to read: the issuer's first digits or a card word must be.
            if digits.startswith(_CARD_ISSUER_PREFIXES) or context == "acc":
                yield start, end
        elif grouped or (context == "acc" if amex else digits.startswith(_CARD_ISSUER_PREFIXES)):
            # A bare 15-digit run needs a card word too: 15-digit ids are common (the help pages'
            # element ids), 15-digit cards rare (Amex alone).
            yield start, end


# Both account detectors read the same window one after the other: parse it once.
@lru_cache(maxsize=1)
def _grouped_numbers(segment: str) -> tuple[tuple[int, int, tuple[int, ...], str], ...]:
    """Each digit run or hyphen-joined group of runs: start, end, group lengths and digits."""
    numbers = []
    for match in _GROUPED.finditer(segment):
        groups = _DIGIT_RUN.findall(match[0])
        numbers.append((match.start(), match.end(), tuple(map(len, groups)), "".join(groups)))
    return tuple(numbers)


def _is_bank_layout(layout: tuple[int, ...], digits: str) -> bool:
    bank_prefixes = _BANK_LAYOUTS.get(layout)
    return bank_prefixes is not None and digits.startswith(bank_prefixes)


def _find_bank_accounts(text: str, segment: str, offset: int) -> Iterator[tuple[int, int]]:
    for number_start, number_end, layout, digits in _grouped_numbers(segment):
        if not _is_bank_layout(layout, digits):
            continue
        start, end = offset + number_start, offset + number_end
        if _context(text, start, end) != _NOT_PII:
            yield start, end
    # Joined by spaces, groups read like any list of numbers: an account word must say otherwise.
    if _DIGIT_SPACE_DIGIT.search(segment) is None:
        return
    for match in _SPACED.finditer(segment):
        groups = match[0].split(" ")
        if not _is_bank_layout(tuple(map(len, groups)), "".join(groups)):
            continue
        start, end = offset + match.start(), offset + match.end()
        if _context(text, start, end) == "acc" and not _unit_follows(text, end):
            yield start, end


def _find_generic_accounts(text: str, segment: str, offset: int) -> Iterator[tuple[int, int]]:
    for number_start, number_end, layout, digits in _grouped_numbers(segment):
        if (
            _is_bank_layout(layout, digits)  # _find_bank_accounts' numbers
            or len(digits) not in _ACCOUNT_DIGITS
            or layout in _NOT_ACCOUNT_LAYOUTS
            # 0-led short first group: a phone number with a digit missing (010-1234-567)
            or (layout[0] <= 3 and digits.startswith("0"))
            # one long run starting with a date: an order or transaction number
            or (len(layout) == 1 and len(digits) >= 12 and _DATE_PREFIX.match(digits))
        ):
            continue
        start, end = offset + number_start, offset + number_end
        if _context(text, start, end) == "acc" and not _unit_follows(text, end):
            yield start, end


def _find_phones(text: str, segment: str, offset: int) -> Iterator[tuple[int, int]]:
    for match in _TEL.finditer(segment):
        after_area = match["sep1"] or match["paren"]
        # 02111-1307 (a US ZIP+4 in every GPL header): a split before the last four digits
        # only, which Korean numbers are not written with.
        if match["sep2"] and not after_area:
            continue
        start, end = offset + match.start(), offset + match.end()
        area = match["area"]  # None for 82 numbers
        national_area = "0" + (area or match["intl_area"]).lstrip("0")
        shown = match["middle"] + match["last"]
        if not shown.isdigit():
            shown_digits = len(national_area) + len(_NON_DIGIT.sub("", shown))
            if not _is_credible_masking(text, match[0], shown_digits, end):
                continue
        mobile = national_area.startswith("01")
        # Without + or 00, 82-2-... could be any code: only a landline's phone word tells.
        if match["bare_cc"] and not mobile and _context(text, start, end) != "tel":
            continue
        bare_landline = match[0].isdigit() and area is not None and not mobile
        # Written without separators, a landline number reads like any other 9-12 digit code.
        if bare_landline and (_context(text, start, end) == _NOT_PII or _unit_follows(text, end)):
            continue
        yield start, end
    for match in _BUSINESS_TEL.finditer(segment):
        start, end = offset + match.start(), offset + match.end()
        if _unit_follows(text, end):  # 1600-1700년대, 1500-2000만원, 전화 1600-1700건
            continue
        context = _context(text, start, end)
        head, tail = int(match["head"]), int(match["tail"])
        looks_like_range = not match["sep"] or head < tail <= head + _YEAR_RANGE_SPAN
        if context == "tel" or (context != _NOT_PII and not looks_like_range):
            yield start, end


# One row per kind. Row order is the order of the pii_counts fields and of the default [pii]
# tokens in config.json: append a new kind so existing columns keep their places.
PII_REGISTRY: tuple[PiiKind, ...] = (
    PiiKind(
        "acc",
        token="<|acc|>",
        token_position=0,
        keywords=(
            *("계좌", "입금", "송금", "이체", "예금주", "통장"),
            *("카드", "은행", "뱅크", "금고", "신협", "수협"),
            *("농협", "우체국", "신한", "카카오", "토스", "씨티"),
            *("kb국민", "sc제일", "nh", "ibk", "account", "acct"),
        ),
        detectors=(
            PiiDetector("card", 1, _find_cards),
            PiiDetector("bank layout", 2, _find_bank_accounts),
            PiiDetector("generic account", 4, _find_generic_accounts),
        ),
        # Not ID or No: glued to them, 16 digits that pass a Luhn check are still an order number.
        glued_labels=("acct", "account"),
    ),
    PiiKind(
        "rrn",
        token="<|rrn|>",
        token_position=2,
        keywords=(
            *("주민", "외국인등록", "외국인 등록", "외국인번호"),
            *("외국인 번호", "rrn", "resident"),
        ),
        detectors=(PiiDetector("registration", 0, _find_registration_numbers),),
        glued_labels=("rrn", "id", "no"),
    ),
    PiiKind(
        "tel",
        token="<|tel|>",
        token_position=1,
        keywords=(
            *("전화", "연락", "문의", "상담", "휴대폰", "핸드폰"),
            *("콜센터", "고객센터", "대표번호", "팩스", "☎", "☏"),
            *("📞", "tel", "phone", "fax", "mobile"),
        ),
        detectors=(PiiDetector("phone", 3, _find_phones),),
        glued_labels=("tel", "hp", "phone", "mobile", "cell", "fax", "id", "no"),
    ),
)

PII_KINDS: tuple[str, ...] = tuple(kind.name for kind in PII_REGISTRY)
DEFAULT_PII_TOKENS: dict[str, str] = {kind.name: kind.token for kind in PII_REGISTRY}
# (priority, kind, find) of every detector; _settle weighs their candidates by priority.
_DETECTORS: tuple[tuple[int, str, Finder], ...] = tuple(
    (detector.priority, kind.name, detector.find)
    for kind in PII_REGISTRY
    for detector in kind.detectors
)

_KIND_OF_KEYWORD = {
    **{word: kind.name for kind in PII_REGISTRY for word in kind.keywords},
    **dict.fromkeys(_NOT_PII_KEYWORDS, _NOT_PII),
}
# One flat case-sensitive alternation (with Tel/TEL spellings) is ten times faster than IGNORECASE.
_KEYWORDS = re.compile(
    "|".join(
        re.escape(spelling)
        for spelling in sorted(
            {case(word) for word in _KIND_OF_KEYWORD for case in (str, str.upper, str.capitalize)},
            key=len,
            reverse=True,
        )
    )
)
_KINDS_OF_GLUED_LABEL: dict[str, frozenset[str]] = {
    label: frozenset(kind.name for kind in PII_REGISTRY if label in kind.glued_labels)
    for row in PII_REGISTRY
    for label in row.glued_labels
}
# A label counts as a whole word: not the end of a longer identifier (hd_id..., buildID...).
_GLUED_LABEL = re.compile(
    rf"(?<![A-Za-z0-9_])({'|'.join(sorted(_KINDS_OF_GLUED_LABEL, key=len, reverse=True))})_?\Z",
    re.IGNORECASE,
)
_GLUED_LABEL_LOOKBACK = max(map(len, _KINDS_OF_GLUED_LABEL)) + 1  # the label and its _
