"""Write ``tests/data/pii_cases.jsonl``, the labelled PII set, from the sentences below.

    python bench/make_pii_cases.py            # rewrite the file (seeded: same output every run)

Every number is synthetic: digits are drawn at random, check digits computed where a case needs
one. A slot ``{kind:shape}`` in a sentence is filled with a number of that shape, ``{kind=text}``
holds a hand-written number; ``kind`` is the label (``tel``, ``rrn``, ``acc``: replaced by its token
in ``expected``) or ``keep`` (a look-alike that must stay). The labels come from these slots alone,
never from ``transforms.pii``.
"""

# ruff: noqa: E501  (Korean sentences count double width; wrapping them would hurt reading)

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

SEED = 20240615
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "pii_cases.jsonl"
TOKENS = {"acc": "<|acc|>", "rrn": "<|rrn|>", "tel": "<|tel|>"}
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
SLOT = re.compile(r"\{(?P<kind>\w+)(?::(?P<shape>\w+)|=(?P<literal>[^}]+))\}")

Rng = random.Random


# --- number shapes -------------------------------------------------------------------------------


def digits(rng: Rng, n: int, first: str = "0123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def mobile_parts(rng: Rng, prefix: str = "010", mid_len: int = 4) -> tuple[str, str, str]:
    return prefix, digits(rng, mid_len, "23456789"), digits(rng, 4)


def landline_parts(rng: Rng, area: str | None = None) -> tuple[str, str, str]:
    areas = ["031", "032", "033", "041", "042", "043", "044", "051", "052", "053", "054", "055"]
    areas += ["061", "062", "063", "064"]
    area = area or rng.choice(areas)
    return area, digits(rng, rng.choice((3, 4)), "23456789"), digits(rng, 4)


def rrn_check(first12: str) -> str:
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    return str((11 - sum(int(d) * w for d, w in zip(first12, weights, strict=True)) % 11) % 10)


YEARS_BY_SEX_DIGIT = {
    **dict.fromkeys("1256", (1940, 1999)),
    **dict.fromkeys("3478", (2000, 2019)),
    **dict.fromkeys("90", (1880, 1899)),
}


def birth_and_sex(rng: Rng, sexes: str, years: tuple[int, int] | None = None) -> tuple[str, str]:
    sex = rng.choice(sexes)
    first, last = years or YEARS_BY_SEX_DIGIT[sex]
    day = date(rng.randint(first, last), 1, 1) + timedelta(days=rng.randint(0, 364))
    return day.strftime("%y%m%d"), sex


def rrn_digits(
    rng: Rng, sexes: str = "1234", valid_check: bool = True, years: tuple[int, int] | None = None
) -> tuple[str, str]:
    birth, sex = birth_and_sex(rng, sexes, years)
    first12 = birth + sex + digits(rng, 5)
    check = rrn_check(first12)
    if not valid_check:  # numbers issued since 2020-10-05: the last digit is just random
        check = str((int(check) + rng.randint(1, 9)) % 10)
    return birth, first12[6:] + check


def luhn_complete(body: str) -> str:
    total = 0
    for i, d in enumerate(reversed(body)):
        value = int(d) * (1 if i % 2 else 2)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


def card_digits(rng: Rng) -> str:
    bin_prefix = rng.choice(["4", "4", "5" + rng.choice("12345"), "9410", "3565", "6250", "2223"])
    return luhn_complete(bin_prefix + digits(rng, 15 - len(bin_prefix)))


def luhn_broken(card: str) -> str:
    return card[:-1] + str((int(card[-1]) + 3) % 10)


def ean13(rng: Rng) -> str:
    body = "880" + digits(rng, 9)
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - weighted % 10) % 10)


def grouped(rng: Rng, layout: tuple[int, ...], prefix: str = "") -> str:
    flat = prefix + digits(
        rng, sum(layout) - len(prefix), "123456789" if not prefix else "0123456789"
    )
    parts, at = [], 0
    for size in layout:
        parts.append(flat[at : at + size])
        at += size
    return "-".join(parts)


def intl_mobile(rng: Rng) -> str:
    _, mid, last = mobile_parts(rng)
    return rng.choice(
        [
            f"+82-10-{mid}-{last}",
            f"+82 10 {mid} {last}",
            f"+82 (0)10-{mid}-{last}",
            f"+8210{mid}{last}",
            f"+82 10-{mid}-{last}",
            f"0082-10-{mid}-{last}",
            f"+82-010-{mid}-{last}",
        ]
    )


def rrn_masked(rng: Rng, style: str) -> str:
    birth, tail = rrn_digits(rng)
    return {
        "sex": f"{birth}-{tail[0]}******",
        "all": f"{birth}-*******",
        "x": f"{birth}-{tail[0]}xxxxxx",
        "four": f"{birth}-{tail[:4]}***",
        "bare": f"{birth}{tail[0]}******",
        "dots": f"{birth}-{tail[0]}●●●●●●",
    }[style]


BUSINESS_PREFIXES = ["1588", "1577", "1544", "1566", "1599", "1644", "1661", "1666"]
BUSINESS_PREFIXES += ["1668", "1670", "1688", "1800", "1833", "1855", "1877", "1899"]


def intl_area(rng: Rng) -> str:
    area, mid, last = landline_parts(rng)
    return f"+82-{area[1:]}-{mid}-{last}"


def rrn_bad_date(rng: Rng) -> str:
    birth, tail = rrn_digits(rng)
    month_and_day = rng.choice([("13", birth[4:]), (birth[2:4], "32"), ("02", "30"), ("00", "15")])
    return f"{birth[:2]}{''.join(month_and_day)}-{tail}"


def joined(parts: tuple[str, ...], sep: str) -> str:
    return sep.join(parts)


def rrn_bare_invalid(rng: Rng) -> str:
    birth, tail = rrn_digits(rng, valid_check=False)
    return birth + tail


def intl_mobile_no_plus(rng: Rng) -> str:
    _, mid, last = mobile_parts(rng)
    return rng.choice(
        [
            f"82-10-{mid}-{last}",
            f"82 10 {mid} {last}",
            f"82-010-{mid}-{last}",
            f"82 10-{mid}-{last}",
        ]
    )


def in_groups(number: str, layout: tuple[int, ...], sep: str = "-") -> str:
    parts, at = [], 0
    for size in layout:
        parts.append(number[at : at + size])
        at += size
    return sep.join(parts)


def amex_digits(rng: Rng) -> str:
    return luhn_complete(rng.choice(["34", "37"]) + digits(rng, 12))


def mobile_masked(rng: Rng) -> str:
    """A mobile number with some digits masked and at least eight still shown."""
    _, mid, last = mobile_parts(rng)
    m = rng.choice("*x●")
    return rng.choice(
        [
            f"010-{mid[:2]}{m * 2}-{last}",
            f"010-{mid}-{last[:1]}{m * 3}",
            f"010-{mid}-{last[:2]}{m * 2}",
            f"010-{m * 2}{mid[2:]}-{last}",
            f"010 {mid[:3]}{m} {last}",
        ]
    )


def mobile_masked_few(rng: Rng) -> str:
    """A mobile number masked down to seven digits or fewer."""
    _, mid, last = mobile_parts(rng)
    m = rng.choice("*x●")
    return rng.choice(
        [f"010-{mid}-{m * 4}", f"010-{m * 4}-{last}", f"010-{mid[:2]}{m * 2}-{last[:2]}{m * 2}"]
    )


def card_masked(rng: Rng) -> str:
    """A card number with some digits masked and at least eight still shown."""
    first, second, _, last = in_groups(card_digits(rng), (4, 4, 4, 4)).split("-")
    m = rng.choice("*x")
    return rng.choice(
        [
            f"{first}-{second}-{m * 4}-{last}",
            f"{first}-{second[:2]}{m * 2}-{m * 4}-{last}",
            f"{first}-{m * 4}-{m * 4}-{last}",
            f"{first} {second} {m * 4} {last}",
        ]
    )


def card_masked_few(rng: Rng) -> str:
    first = card_digits(rng)[:4]
    return rng.choice([f"{first}-****-****-****", f"{first}-{first[0]}***-****-****"])


SHAPES: dict[str, Callable[[Rng], str]] = {
    # phones
    "mobile": lambda r: joined(mobile_parts(r), "-"),
    "mobile_dot": lambda r: joined(mobile_parts(r), "."),
    "mobile_space": lambda r: joined(mobile_parts(r), " "),
    "mobile_bare": lambda r: joined(mobile_parts(r), ""),
    "mobile_eu": lambda r: joined(mobile_parts(r), "ㅡ"),
    "mobile_arae": lambda r: joined(mobile_parts(r), "ㆍ"),
    "mobile_spaced_dash": lambda r: joined(mobile_parts(r), " - "),
    "mobile_mixed": lambda r: "{}-{} {}".format(*mobile_parts(r)),
    "mobile_old": lambda r: joined(
        mobile_parts(r, r.choice(["011", "016", "017", "018", "019"]), r.choice((3, 4))), "-"
    ),
    "mobile_fw": lambda r: joined(mobile_parts(r), "-").translate(FULL_WIDTH),
    "seoul": lambda r: joined(landline_parts(r, "02"), "-"),
    "seoul_paren": lambda r: "({}){}-{}".format(*landline_parts(r, "02")),
    "seoul_paren_space": lambda r: "({}) {}-{}".format(*landline_parts(r, "02")),
    "seoul_half_paren": lambda r: "{}){}-{}".format(*landline_parts(r, "02")),
    "seoul_dot": lambda r: joined(landline_parts(r, "02"), "."),
    "seoul_bare": lambda r: joined(landline_parts(r, "02"), ""),
    "area": lambda r: joined(landline_parts(r), "-"),
    "area_paren": lambda r: "({}){}-{}".format(*landline_parts(r)),
    "area_dot": lambda r: joined(landline_parts(r), "."),
    "area_space": lambda r: joined(landline_parts(r), " "),
    "area_one_sep": lambda r: "{}-{}{}".format(*landline_parts(r)),
    "area_bare": lambda r: joined(landline_parts(r), ""),
    "voip": lambda r: joined(mobile_parts(r, "070"), "-"),
    "safe": lambda r: joined(mobile_parts(r, "050" + r.choice("2345678")), "-"),
    "free": lambda r: joined(mobile_parts(r, "080", r.choice((3, 4))), "-"),
    "info": lambda r: joined(mobile_parts(r, "060", r.choice((3, 4))), "-"),
    "biz": lambda r: r.choice(BUSINESS_PREFIXES) + "-" + digits(r, 4),
    "biz_bare": lambda r: r.choice(["1588", "1544", "1661", "1899"]) + digits(r, 4),
    "intl_mobile": intl_mobile,
    "intl_seoul": lambda r: r.choice(["+82-2-{}-{}", "+82 2 {} {}", "+82 (0)2-{}-{}"]).format(
        *landline_parts(r, "02")[1:]
    ),
    "intl_area": intl_area,
    # registration numbers
    "rrn": lambda r: "-".join(rrn_digits(r)),
    "rrn_new": lambda r: "-".join(rrn_digits(r, "34", valid_check=False, years=(2020, 2023))),
    "rrn_random_tail": lambda r: "-".join(rrn_digits(r, valid_check=False)),
    "rrn_spaced_dash": lambda r: " - ".join(rrn_digits(r)),
    "rrn_space": lambda r: " ".join(rrn_digits(r)),
    "rrn_bare_valid": lambda r: "".join(rrn_digits(r)),
    "rrn_bare_any": rrn_bare_invalid,
    "rrn_foreign": lambda r: "-".join(rrn_digits(r, "5678", valid_check=r.random() < 0.5)),
    "rrn_1800": lambda r: "-".join(rrn_digits(r, "90")),
    "rrn_fw": lambda r: "-".join(rrn_digits(r)).translate(FULL_WIDTH),
    "rrn_fw_hyphen": lambda r: "－".join(rrn_digits(r)),
    "rrn_masked": lambda r: rrn_masked(r, "sex"),
    "rrn_masked_all": lambda r: rrn_masked(r, "all"),
    "rrn_masked_x": lambda r: rrn_masked(r, "x"),
    "rrn_masked_four": lambda r: rrn_masked(r, "four"),
    "rrn_masked_bare": lambda r: rrn_masked(r, "bare"),
    "rrn_masked_dots": lambda r: rrn_masked(r, "dots"),
    # accounts and cards
    "kakao": lambda r: grouped(r, (4, 2, 7), r.choice(["3333", "3333", "3355", "3388", "7979"])),
    "shinhan": lambda r: grouped(r, (3, 3, 6), r.choice(["110", "110", "100", "140"])),
    "kbank": lambda r: grouped(r, (3, 3, 6), "100"),
    "woori": lambda r: grouped(r, (4, 3, 6), "1002"),
    "nh": lambda r: grouped(r, (3, 4, 4, 2), r.choice(["301", "302", "312", "351", "352", "356"])),
    "bnk": lambda r: grouped(r, (3, 4, 4, 2), r.choice(["101", "112", "113"])),
    "ibk": lambda r: grouped(r, (3, 6, 2, 3)),
    "hana": lambda r: grouped(r, (3, 6, 5)),
    "kb": lambda r: grouped(r, (6, 2, 6)),
    "kb_old": lambda r: grouped(r, (3, 2, 4, 3)),
    "toss": lambda r: grouped(r, (4, 4, 4), "1000"),
    "post": lambda r: grouped(r, (6, 2, 6), r.choice(["0", "1", "4", "5"])),
    "mg": lambda r: grouped(r, (4, 2, 6, 1), "9" + r.choice("01")),
    "citi": lambda r: grouped(r, (3, 6, 3)),
    "sc": lambda r: grouped(r, (3, 2, 6)),
    "dgb": lambda r: grouped(r, (3, 2, 6, 1), "5"),
    "suhyup": lambda r: grouped(r, (3, 2, 6), "1"),
    "generic_bare": lambda r: digits(r, r.randint(10, 14), "123456789"),
    "generic_dash": lambda r: grouped(
        r, r.choice([(4, 4, 5), (3, 3, 5), (3, 7), (5, 2, 5), (4, 7)])
    ),
    "card": lambda r: "-".join(re.findall("....", card_digits(r))),
    "card_space": lambda r: " ".join(re.findall("....", card_digits(r))),
    "card_bare": card_digits,
    # look-alikes that must stay
    "ean13": ean13,
    "bizreg": lambda r: grouped(r, (3, 2, 5)),
    "corp": lambda r: r.choice(["110111", "134511", "160111", "110114"]) + "-" + digits(r, 7),
    "card_bad": lambda r: "-".join(re.findall("....", luhn_broken(card_digits(r)))),
    "rrn_bare_bad": rrn_bare_invalid,
    "rrn_bad_date": rrn_bad_date,
    "long_run": lambda r: digits(r, r.randint(17, 22), "123456789"),
    "licence": lambda r: f"{r.randint(11, 28)}-{digits(r, 2)}-{digits(r, 6)}-{digits(r, 2)}",
    "patent": lambda r: f"10-{r.randint(2005, 2023)}-{digits(r, 7, '0')}",
    "order": lambda r: (
        f"{r.randint(2019, 2024)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}-{digits(r, 7)}"
    ),
    "order_bare": lambda r: (
        f"{r.randint(2019, 2024)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}{digits(r, 6)}"
    ),
    "invoice": lambda r: grouped(r, (4, 4, 4), r.choice(["6", "5", "3"])),
    "invoice_bare": lambda r: digits(r, 12, "3456"),
    "student": lambda r: str(r.randint(2015, 2024)) + digits(r, 6),
    "isbn13": lambda r: f"978-89-{digits(r, 4)}-{digits(r, 3)}-{digits(r, 1)}",
    # shapes added with the spaced, 82, Amex, partly masked and glued cases (GAP_* below)
    "intl_mobile_no_plus": intl_mobile_no_plus,
    "amex": lambda r: in_groups(amex_digits(r), (4, 6, 5)),
    "amex_space": lambda r: in_groups(amex_digits(r), (4, 6, 5), " "),
    "amex_bare": amex_digits,
    "amex_bad": lambda r: in_groups(luhn_broken(amex_digits(r)), (4, 6, 5)),
    "mobile_masked": mobile_masked,
    "mobile_masked_few": mobile_masked_few,
    "card_masked": card_masked,
    "card_masked_few": card_masked_few,
}
# Bank layouts written with single spaces between their groups.
SPACED_BANKS = ["kakao", "shinhan", "kbank", "woori", "nh", "bnk", "ibk", "hana", "kb", "kb_old"]
SPACED_BANKS += ["toss", "post", "mg", "citi"]


def spaced(shape: str) -> Callable[[Rng], str]:
    return lambda r: SHAPES[shape](r).replace("-", " ")


SHAPES.update({f"{bank}_space": spaced(bank) for bank in SPACED_BANKS})


# --- sentences ------------------------------------------------------------------------------------
# (register, sentence, note). Slots: {tel:shape} {rrn:shape} {acc:shape} {keep:shape}.

POSITIVE = [
    # chat / messenger
    ("chat", "야 내 번호 바뀌었어 {tel:mobile} 저장해줘", "mobile with hyphens"),
    ("chat", "번호는{tel:mobile}이야 ㅋㅋ 까먹지 마", "Hangul glued on both sides"),
    ("chat", "ㅇㅇ 나중에 {tel:mobile_bare}로 문자 ㄱㄱ", "bare 11 digits"),
    ("chat", "엄마 폰 {tel:mobile_space} 이걸로 바꿨대", "spaces"),
    ("chat", "그 언니 번호 {tel:mobile_eu} 맞나?", "ㅡ as separator"),
    ("chat", "혹시 몰라서 적어둠 {tel:mobile_dot}", "dots"),
    ("chat", "내일 도착하면 {tel:mobile}으로 전화해~", "particle glued"),
    ("chat", "010 말고 {tel:mobile_old} 예전 번호로 연락 와서 깜놀", "old 01x prefix"),
    ("chat", "집전화는 {tel:seoul}이고 폰은 {tel:mobile}임", "two phones"),
    ("chat", "계좌 보내줄게 {acc:kakao} 카뱅이야", "KakaoBank layout"),
    ("chat", "회비 만원씩 {acc:toss} 토스로 보내주세요~", "Toss layout"),
    ("chat", "입금은 신한 {acc:shinhan} 김민지로 부탁해", "Shinhan layout"),
    ("chat", "ㅋㅋ 번호 {tel:mobile_arae} 이거 맞아?", "ㆍ as separator"),
    ("chat", "여기로 연락줘{tel:mobile}", "Hangul glued before"),
    ("chat", "나 지금 해외라 {tel:intl_mobile} 이걸로 카톡 말고 전화해", "+82 mobile"),
    ("chat", "축의금은 {acc:woori} 우리은행으로 보내면 돼", "Woori layout"),
    ("chat", "더치페이 {acc:kakao}로 12,500원씩 ㄱㄱ", "amount beside account"),
    ("chat", "ㅇㅋ {tel:mobile_bare}", "bare mobile alone"),
    ("chat", "걔 새 번호 {tel:mobile_spaced_dash} 라던데", "hyphen with spaces"),
    ("chat", "사장님 번호 {tel:mobile_mixed} 맞죠?", "mixed separators"),
    ("chat", "아 그리고 {tel:mobile}은 회사폰이야 주말엔 안 받아", "particle 은 glued"),
    ("chat", "오늘 모임 장소 바뀜! 문의는 총무 {tel:mobile}", "chat notice"),
    # sms / notifications
    (
        "sms",
        "[Web발신] 고객님의 택배가 배송 출발했습니다. 기사님 연락처 {tel:mobile}",
        "택배 near a phone",
    ),
    ("sms", "[알림] 예약이 확정되었습니다. 변경 문의 {tel:area}", "area code"),
    ("sms", "[Web발신] 입금계좌 {acc:nh} (농협) 예금주 (주)한빛상사", "NH layout"),
    ("sms", "[국외발신] 본인 확인을 위해 {tel:intl_seoul}로 회신 바랍니다", "+82 Seoul"),
    ("sms", "주문하신 상품 발송 완료. 배송 문의 {tel:biz}", "business number"),
    ("sms", "[안내] 상담원 연결은 {tel:voip}, 평일 09:00~18:00", "070 and hours"),
    ("sms", "미납 요금 납부 계좌: 기업은행 {acc:ibk} (예금주 한국통신)", "IBK layout"),
    ("sms", "[하나은행] 가상계좌 {acc:hana} 로 3/25까지 입금 바랍니다", "Hana layout"),
    ("sms", "인증번호 482913 을 입력해주세요. 문의 {tel:biz}", "6-digit code stays, phone masked"),
    ("sms", "고객님 명의 카드 {acc:card} 승인 12,000원 일시불", "card with hyphens"),
    ("sms", "[KB국민카드] {acc:card_space} 해외승인 USD 35.00", "card with spaces"),
    ("sms", "보이스피싱 주의! {tel:info} 같은 번호는 받지 마세요", "060 number"),
    # blog / review / community
    ("blog", "가게 전화번호는 {tel:area_paren}이고 월요일은 휴무예요.", "parenthesised area"),
    ("blog", "예약은 필수! ☎ {tel:seoul_half_paren} 으로 미리 전화하세요", "02) half parenthesis"),
    ("blog", "주소: 부산 해운대구 우동 1234-5 / 전화 {tel:area}", "address number stays"),
    ("blog", "캠핑장 관리실 {tel:area_dot} (오전 9시~오후 6시)", "dotted area code"),
    ("blog", "사장님께 직접 문의했더니 {tel:mobile}로 문자 달래요", "blog mobile"),
    ("blog", "펜션 예약 문의 {tel:area_one_sep} 로 하시면 됩니다", "area-1234567"),
    ("blog", "안심번호 {tel:safe}로 연결되니 걱정 마세요", "050x safe number"),
    ("blog", "서울 본점 {tel:seoul_paren_space}, 분당점 {tel:area}", "two branches"),
    ("blog", "해외 배송 문의는 {tel:intl_area}로 하시면 영어 상담 가능", "+82 area code"),
    ("review", "배송 기사님이 {tel:mobile}로 연락 주셔서 편했어요", "review mobile"),
    ("review", "A/S 센터 {tel:biz} 연결이 너무 안 돼요 ㅠㅠ", "business number in review"),
    ("review", "사장님 번호{tel:mobile_bare}로 문자 드렸는데 답이 없네요", "bare glued"),
    ("community", "급매) 아이폰 15 프로 팝니다 연락 {tel:mobile} 직거래만", "classified ad"),
    ("community", "분실물 찾아요ㅠ 보신 분 {tel:mobile_dot} 연락 부탁드려요", "lost and found"),
    ("community", "중고거래 사기꾼 계좌 공유합니다 {acc:kb} 국민은행 김OO", "KB layout"),
    ("community", "이 계좌 {acc:post} 우체국 계좌로 돈 보내라는 사람 사기입니다", "post office"),
    ("community", "거래는 {acc:mg} 새마을금고로만 받아요", "MG layout"),
    ("community", "저도 당했어요. {acc:citi} 씨티은행 계좌였습니다", "Citi layout"),
    ("community", "혹시 {tel:mobile} 이 번호로 전화 받으신 분?", "mobile in question"),
    ("community", "정모 회비 {acc:kbank} 케이뱅크로 입금해주세요", "K bank layout"),
    ("community", "경남은행 {acc:generic_dash} 이 계좌 조심하세요", "generic with bank word"),
    ("community", "부산은행 {acc:bnk}로 보내라던데 맞나요?", "BNK layout"),
    # news
    ("news", "제보는 전화 {tel:seoul} 또는 이메일로 받습니다.", "newsroom line"),
    ("news", "사기범은 피해자에게 {acc:woori} 계좌로 돈을 보내라고 요구했다.", "account in news"),
    ("news", "경찰은 범행에 쓰인 대포통장 {acc:nh} 등 3개 계좌를 동결했다.", "NH in news"),
    (
        "news",
        "유출된 자료에는 주민등록번호 {rrn:rrn}과 휴대전화 번호 {tel:mobile} 등이 포함됐다.",
        "rrn + tel",
    ),
    ("news", "2023년 10월 5일 오후 3시께 A씨({tel:mobile} 사용자)가 신고했다.", "date stays"),
    ("news", "문의: 행정안전부 주민과 {tel:area}", "ministry contact"),
    ("news", "피해자들은 {acc:hana} 계좌로 총 1억2000만원을 송금했다.", "amount stays"),
    ("news", "해당 업체 대표번호({tel:biz})는 현재 연결되지 않는다.", "business number in parens"),
    ("news", "수사팀은 용의자 명의의 카드 {acc:card}로 결제된 내역을 확인했다.", "card in news"),
    ("news", "자세한 내용은 고객센터({tel:free})로 문의하면 된다.", "080 number"),
    # forms / documents
    ("form", "성명: 홍길동 / 주민등록번호: {rrn:rrn} / 연락처: {tel:mobile}", "form line"),
    ("form", "외국인등록번호 {rrn:rrn_foreign}", "foreigner number"),
    ("form", "주민번호 앞자리와 뒷자리 첫 숫자만 적어주세요 예) {rrn:rrn_masked}", "partly masked"),
    ("form", "생년월일: 1988.01.01 / 주민등록번호: {rrn:rrn_masked_all}", "all-masked tail"),
    ("form", "신청인 주민등록번호 {rrn:rrn_spaced_dash}", "hyphen with spaces"),
    ("form", "주민등록번호 {rrn:rrn_space}", "space-joined"),
    ("form", "주민번호: {rrn:rrn_bare_any}", "bare 13 digits with context"),
    ("form", "RRN {rrn:rrn_bare_any} (신청인 본인)", "RRN keyword"),
    ("form", "주민등록번호(외국인등록번호) {rrn:rrn_foreign}", "foreigner number with label"),
    ("form", "본인 {rrn:rrn} 환급계좌 {acc:shinhan}", "rrn + account"),
    ("form", "급여 이체 계좌: 국민은행 {acc:kb} (예금주 본인)", "salary account"),
    ("form", "비상연락처: {tel:mobile} (관계: 배우자)", "emergency contact"),
    ("form", "자택 전화 {tel:seoul} / 휴대폰 {tel:mobile}", "two phones"),
    ("form", "팩스 {tel:seoul_dot}", "fax number"),
    ("form", "주민등록번호 {rrn:rrn_fw}", "full-width digits"),
    ("form", "연락처 {tel:mobile_fw}", "full-width phone"),
    ("form", "환불 받을 계좌번호 {acc:generic_bare} (신한)", "generic bare with bank word after"),
    ("form", "입금 계좌: {acc:generic_bare}", "generic bare after 입금 계좌"),
    ("form", "예금주 홍길동, 수협 {acc:suhyup}", "Suhyup"),
    ("form", "환급금 수령 계좌 SC제일은행 {acc:sc}", "SC layout with bank word"),
    ("form", "대구은행 {acc:dgb}로 환불 요청합니다", "DGB with bank word"),
    ("form", "신청자 정보: 김하늘, {rrn:rrn_masked_x}, 서울시 마포구", "x-masked"),
    ("form", "주민등록번호 {rrn:rrn_masked_four}", "four digits shown"),
    ("form", "주민번호 {rrn:rrn_masked_bare}", "bare partly masked"),
    ("form", "주민등록번호: {rrn:rrn_masked_dots}", "● masked"),
    ("form", "(주민등록번호 {rrn:rrn_new})", "2020+ random tail"),
    ("form", "아동 주민등록번호: {rrn:rrn_new}, 보호자 연락처: {tel:mobile}", "child number"),
    ("form", "카드번호 {acc:card_bare} 유효기간 12/27", "bare card"),
    ("form", "결제카드: {acc:card} (법인카드)", "card beside 법인"),
    # ads
    ("ad", "★ 창업 상담 {tel:biz} ★ 24시간 친절 상담", "business number ad"),
    ("ad", "주문 전화 {tel:area_paren} 당일 배송!", "주문 before 전화"),
    ("ad", "예약 문의 ☎ {tel:seoul_half_paren}", "02)"),
    ("ad", "무료상담 {tel:free} (수신자 부담)", "080"),
    ("ad", "대출 문의 {tel:biz_bare} 빠른 승인", "bare business number with context"),
    ("ad", "전국 어디서나 {tel:biz} 한 통이면 OK", "business number alone"),
    ("ad", "★이벤트★ 010으로 시작하는 번호 {tel:mobile}로 참여하세요", "010 text stays"),
    ("ad", "가맹 문의: {tel:seoul_paren}, 팩스: {tel:seoul_paren}", "phone and fax"),
    ("ad", "입금계좌 : 농협 {acc:nh} 예금주 : 김사장", "shop account"),
    ("ad", "계좌이체 시 5% 할인 {acc:kakao} (카카오뱅크)", "percentage stays"),
    ("ad", "상담 카톡ID: happy123 / 전화: {tel:voip}", "070"),
    ("ad", "결제는 무통장 입금 {acc:generic_bare} 부탁드립니다", "generic after 입금"),
    ("ad", "1:1 맞춤 상담 {tel:mobile_bare} (문자 환영)", "1:1 stays"),
    ("ad", "수강료 350,000원 / 입금: 우리은행 {acc:woori}", "amount + account"),
    ("ad", "온라인 주문 시 전화 {tel:area_space}로 확인 전화를 드립니다", "area with spaces"),
    ("ad", "택배비 3,000원 / 계좌 {acc:ibk} 기업은행", "IBK in ad"),
    # email / notice / legal
    (
        "email",
        "첨부 서류 확인 후 회신 바랍니다. 담당 김민수 대리 ({tel:seoul}, 내선 1234)",
        "extension stays",
    ),
    ("email", "견적 금액 4,500,000원(VAT 별도), 입금 계좌 {acc:hana}", "quote"),
    ("email", "Mobile: {tel:intl_mobile} / Office: {tel:intl_seoul}", "business card"),
    ("email", "T. {tel:seoul} F. {tel:seoul}", "T./F. lines"),
    ("notice", "※ 분실 신고는 24시간 {tel:biz}에서 접수합니다.", "notice business number"),
    ("notice", "행사 관련 문의: 총무팀 {tel:area} (평일 10:00-17:00)", "time range stays"),
    ("notice", "등록금 납부 계좌 {acc:ibk} (예금주: OO대학교)", "tuition account"),
    ("notice", "후원 계좌 {acc:shinhan} 신한은행 (사)희망나눔", "donation account"),
    ("notice", "문의처: {tel:area}, {tel:area}", "two area numbers"),
    ("notice", "당첨자는 2024. 3. 15.(금)까지 {tel:mobile}로 연락 바랍니다.", "date stays"),
    (
        "legal",
        "피고인은 2022. 5. 3. 피해자 명의 계좌({acc:kb})에서 300만 원을 이체하였다.",
        "court text",
    ),
    ("legal", "원고 주소: 서울 강남구 테헤란로 123, 주민등록번호 {rrn:rrn}", "court rrn"),
    ("legal", "위 사람(주민등록번호 {rrn:rrn_1800})은 1899년생으로", "1800s sex digit 9/0"),
    ("legal", "채무자 연락처 {tel:mobile}, 2021타경12345 사건", "case number stays"),
    ("legal", "임대인 계좌 {acc:post} (우체국)로 매월 25일까지 지급한다.", "lease"),
    # mixed registers with several numbers and look-alikes
    ("blog", "2024-03-15 기준 영업시간 변경! 문의 {tel:area} 또는 {tel:mobile}", "date + phones"),
    ("news", "A(45)씨는 2019년부터 {acc:nh} 등 차명계좌 12개를 운용했다.", "ages and years stay"),
    ("form", "사업자등록번호 123-45-67890 / 대표전화 {tel:biz}", "business reg stays"),
    ("ad", "ISBN 978-89-6626-123-4 문의 {tel:seoul}", "ISBN stays"),
    ("notice", "v2.3.1 업데이트 관련 문의는 {tel:voip}", "version stays"),
    ("community", "IP 192.168.0.10 에서 접속, 연락은 {tel:mobile}", "IP stays"),
    ("chat", "우편번호 06236 이고 번호는 {tel:mobile_bare}", "postal code stays"),
    ("sms", "주문번호 20240315-0012345 / 배송기사 {tel:mobile}", "order number stays"),
    ("blog", "위도 37.5665, 경도 126.9780 / 문의 {tel:seoul}", "coordinates stay"),
    ("form", "운송장번호 6012-3456-7890 / 수령인 연락처 {tel:mobile_bare}", "invoice stays"),
    ("news", "1600-1700년대 유물 전시... 관람 문의 {tel:area}", "year range stays"),
    (
        "form",
        "법인등록번호 110111-1234567, 대표자 주민등록번호 {rrn:rrn}",
        "corporate stays, rrn masked",
    ),
    ("ad", "1,000,000원 상당 경품! 응모 {tel:biz}", "amount stays"),
    ("sms", "{tel:mobile}님이 12,000원을 보냈어요. 입금 계좌 {acc:toss}", "phone as name"),
    ("chat", "아까 말한 번호 {tel:seoul_bare} 거기 연락처래", "bare Seoul number with context"),
    ("form", "전화번호 {tel:area_bare} (자택)", "bare area number with context"),
    ("ad", "상담전화 {tel:mobile} / {tel:voip}", "slash between phones"),
    ("community", "계좌번호 알려드려요: {acc:kb_old} 국민", "old KB layout"),
    # separators, brackets and glue
    ("form", "전화: {tel=02 - 318 - 4471}", "landline, hyphens with spaces"),
    ("ad", "H.P {tel:mobile} / 사무실 {tel:area}", "H.P label"),
    ("ad", "☎ {tel=031)552-7190}", "area code with half parenthesis"),
    ("blog", "문의 {tel=(031) 552 7190}", "parenthesised area, spaces"),
    ("ad", "{tel:mobile}(24시간 상담)", "parenthesis after the number stays"),
    ("chat", "내 번호 {tel=010 4821-7730}", "space then hyphen"),
    ("notice", "연락처 {tel:mobile_dot}/{tel:seoul_dot}", "slash between dotted numbers"),
    ("email", "Tel {tel=+82 2-3149-7720}", "+82 then hyphens"),
    ("community", "{tel:mobile},{tel:mobile} 둘 다 안 받아요", "comma without space"),
    ("news", "전화({tel:mobile})로 연락해 온 남성은", "brackets around a mobile stay outside"),
    ("form", "| 담당자 | 김철수 | {tel:mobile} |", "table cell"),
    ("form", "HP:{tel:mobile_bare}", "glued after colon"),
    ("ad", "Tel:{tel:seoul}Fax:{tel:seoul}", "Latin glued on both sides"),
    ("chat", "tel {tel:seoul_bare}", "bare Seoul number after tel"),
    ("form", "주민등록번호 {rrn:rrn_fw_hyphen}", "full-width hyphen"),
    ("form", "주민 번호 {rrn:rrn_bare_any}", "keyword split by a space"),
    ("community", "국민은행{acc:kb} 입금하라고 함", "bank name glued"),
    ("form", "계좌번호(국민) {acc:kb}", "bank in brackets"),
    ("chat", "신한{acc:shinhan} 여기로", "Shinhan glued"),
    ("sms", "{tel:mobile}입니다", "glued 입니다"),
    ("chat", "번호 {tel=01０-4821-7730}", "one full-width digit"),
    ("blog", "모바일 {tel:mobile_dot}.", "sentence dot after dotted number"),
    ("ad", "☎{tel:biz}", "glued ☎"),
    ("ad", "고객센터 {tel=1644ㅡ3082}", "business number with ㅡ"),
    ("ad", "대표전화 {tel=1600-1740}", "ascending business number, with a phone word"),
    ("ad", "전화 {tel:biz_bare}", "bare business number after 전화"),
    ("form", "생일 1988.01.01 주민번호 {rrn:rrn_masked}", "date stays, masked rrn"),
    ("chat", "이거 {tel=010-1234-5678} 예시 번호임", "the textbook example is still a phone shape"),
    ("news", "신고 전화 {tel:seoul}, {tel:area}, {tel:area} 등 3곳", "phone list"),
    ("form", "외국인 등록번호: {rrn:rrn_foreign}", "foreigner keyword with space"),
    ("chat", "계좌 {acc:kakao}이야", "account glued 이야"),
    ("sms", "[토스] {acc:toss}로 30,000원 보냈어요", "Toss SMS"),
    ("blog", "카드번호 {acc:card_bare}로 결제", "bare card with particle"),
    ("email", "Bank: Shinhan Bank, Account: {acc:shinhan}", "English labels"),
    ("email", "Phone {tel:intl_mobile}", "English phone label"),
    (
        "sms",
        "입금 확인 후 {tel:mobile}로 연락드립니다 (입금계좌 {acc:hana})",
        "phone beside account words",
    ),
    ("chat", "010 번호 {tel:mobile} 그리고 집 {tel:area}", "010 text then numbers"),
    # written after the detector, as a blind check (these passed first time)
    ("form", "연락처) {tel=010-3344-5566}", "bracket after the label"),
    ("blog", "☏ {tel=042-862-1234}(대표)", "☏ and a bracket after"),
    ("chat", "전화번호 {tel=010 3344 5566} 으로 주세요", "spaces"),
    ("form", "입금 계좌 : 하나 {acc=123-456789-12345} (예금주 이영희)", "Hana with labels"),
    ("form", "계좌: {acc=1002 - 345 - 678901} (우리)", "Woori, spaced hyphens"),
    ("form", "주민등록번호 : {rrn=950505 - 2345678}", "spaced hyphen"),
    ("form", "주민번호는 {rrn=9505052345678} 입니다", "bare with keyword"),
    ("form", "외국인등록번호 : {rrn=920315-6123456}", "foreigner, colon"),
    ("sms", "가상계좌 {acc=56201234567890} (기업)", "14-digit virtual account"),
    ("sms", "결제 카드 {acc:card}", "card after 결제 카드"),
    ("ad", "대표 ☎ {tel=1566-0123}", "business number after ☎"),
    ("form", "팩스 {tel=02-2123-4567}", "fax"),
    ("email", "{tel=+82-31-123-4567}", "+82 area code alone"),
    ("notice", "고객센터 {tel=1899-0123} / 평일 09:00~18:00", "business number and hours"),
    ("sms", "{tel=010-2233-4455} 로 문자 주시면 됩니다", "number first"),
    ("chat", "이체 부탁드려요 카카오뱅크 {acc=3333-12-3456789}", "KakaoBank"),
    ("chat", "토스뱅크 {acc=1000-1234-5678} 입금", "Toss"),
    ("form", "농협 {acc=352-1234-5678-93} 예금주 김철수", "NH"),
    ("chat", "{tel=010-5555-6666} 번으로 연락", "번 after a space"),
]

NEGATIVE = [
    # dates and times
    ("news", "정부는 2023-01-15 발표에서 기준금리를 3.50%로 동결했다.", "ISO date, percentage"),
    ("blog", "2023.01.15 일요일, 날씨 맑음", "dotted date"),
    ("notice", "접수 기간: 2024. 3. 4.(월) ~ 2024. 3. 15.(금)", "Korean dotted dates"),
    ("form", "작성일 2024/03/15 14:30:00", "slashed date and time"),
    ("form", "생년월일 19880101 (8자리로 입력)", "8-digit date"),
    ("form", "생년월일: 880101 / 성별: 남", "6-digit birth date alone"),
    ("notice", "운영시간 09:00~18:00 (점심시간 12:00-13:00)", "time ranges"),
    ("news", "2024년 1월 15일 오후 2시 30분께 사고가 발생했다.", "Korean date"),
    ("tech", "2024-03-15T14:30:00+09:00 에 로그가 기록되었다", "ISO timestamp"),
    ("tech", "[2024-03-15 14:30:05,123] INFO worker-3 started", "log timestamp"),
    ("chat", "내일 1530-1630 회의 잡혔어", "HHMM range"),
    ("blog", "여행 기간 24.05.01-24.05.07", "short date range"),
    ("notice", "예약 가능일 2024.05.01 ~ 2024.05.31", "date range"),
    ("news", "20240315 발표 자료 참고", "compact date"),
    ("form", "기간: 20230101-20231231", "compact date range"),
    # years
    ("wiki", "조선 후기 1600-1700년대에 유행한 양식이다.", "century range"),
    ("wiki", "임진왜란(1592-1598)은 일본의 침략으로 시작되었다.", "war years"),
    ("wiki", "그는 1800-1900년대 유럽 철학을 연구했다.", "year range"),
    ("wiki", "한국전쟁(1950~1953) 당시 피란민은 수백만 명에 달했다.", "tilde year range"),
    ("blog", "1500-1600 사이의 르네상스 회화를 소개합니다", "range without 년"),
    ("wiki", "빅토리아 시대(1837-1901)의 건축", "reign years"),
    ("news", "2010-2020 10년간 출생아 수는 꾸준히 감소했다.", "decade range"),
    ("wiki", "1860-1870년 사이에 철도가 부설되었다.", "year range 1860"),
    ("wiki", "고려 시대(918-1392) 문화재", "short years"),
    ("blog", "1800-2000년 사이 인구 변화 그래프", "two-century range"),
    ("wiki", "1655-1660년 조선통신사", "close years"),
    # amounts
    ("news", "연봉 1,000,000원 인상안이 통과됐다.", "amount with commas"),
    ("ad", "정가 1,500,000원 → 할인가 990,000원", "prices"),
    ("news", "피해액은 12억 3,456만 원으로 집계됐다.", "Korean amount"),
    ("form", "송금 금액 15000000원 (일천오백만원)", "bare amount with 송금"),
    ("notice", "1일 이체 한도 50,000,000원, 1회 10,000,000원", "transfer limits"),
    ("form", "입금액 10000000000원", "11-digit amount beside 입금"),
    ("news", "총 사업비 1,234,567,890,000원 규모", "big amount"),
    ("blog", "₩12,345,678 결제 완료", "won sign"),
    ("ad", "16000000원 상당 경품", "8-digit amount starting 16"),
    ("form", "계좌 잔액: 3,450,000원", "balance beside 계좌"),
    ("news", "1500-2000만원대 중고차", "amount range"),
    ("blog", "가격은 15,880원, 배송비 2,500원", "small amounts"),
    ("news", "거래대금 18조 5,300억 원", "trillions"),
    ("ad", "수수료 0원! 송금 1,000원부터", "송금 amount"),
    # decimals, coordinates, math
    ("tech", "원주율은 3.14159265358979 이다.", "pi"),
    ("blog", "좌표: 37.566535, 126.977969", "coordinates"),
    ("tech", "오차는 0.0012345678 수준이었다", "small decimal"),
    ("tech", "환율 1,328.50원, 전일 대비 -0.25%", "exchange rate"),
    ("wiki", "자연상수 e = 2.718281828459045", "e"),
    ("tech", "결과값 -0.0101234567 을 반환", "negative decimal"),
    ("blog", "N37°33'59.4\" E126°58'40.8\"", "DMS coordinates"),
    ("tech", "확률 p = 0.0312345678", "decimal starting 0.031"),
    # IPs, versions, hashes
    ("tech", "서버 IP 192.168.0.1 으로 접속하세요", "private IP"),
    ("tech", "게이트웨이 10.10.123.254, DNS 8.8.8.8", "IPs"),
    ("tech", "172.16.254.1:8080 포트를 열어주세요", "IP and port"),
    ("tech", "IPv6 주소 2001:db8::8a2e:370:7334", "IPv6"),
    ("tech", "윈도우 빌드 10.0.19041.1234 에서 재현됨", "Windows build"),
    ("tech", "버전 1.21.0-rc1 배포", "semver"),
    ("tech", "Chrome 122.0.6261.111 업데이트", "Chrome version"),
    ("tech", "커밋 3f2a9c1 에서 수정", "short hash"),
    ("tech", "MAC 00:1A:2B:3C:4D:5E", "MAC address"),
    ("tech", "0x1F2E3D4C 주소에서 예외 발생", "hex address"),
    ("tech", "패키지 v2.0.1001.1234 설치", "version with 1001"),
    ("tech", "UUID 550e8400-e29b-41d4-a716-446655440000", "UUID"),
    # ISBN, barcodes, postal codes
    ("blog", "ISBN 978-89-7914-063-0 (세트)", "hyphenated ISBN"),
    ("blog", "ISBN 9788979140630", "bare ISBN"),
    ("blog", "ISBN {keep:isbn13}", "generated ISBN"),
    ("blog", "ISBN 89-7914-063-7", "ISBN-10"),
    ("review", "바코드 {keep:ean13} 제품 정품 맞나요?", "EAN-13 with word"),
    ("review", "제품 뒷면 {keep:ean13} 찍어보니 국내산", "EAN-13 without word"),
    ("ad", "상품코드 {keep:ean13}", "EAN-13 product code"),
    ("form", "우편번호 06236", "postal code"),
    ("form", "(우)135-080 서울특별시 강남구", "old postal code"),
    ("notice", "주소: 서울 종로구 세종대로 209 (우 03171)", "postal code in address"),
    # business, corporate, licence, patent, student, order, invoice numbers
    ("form", "사업자등록번호 123-45-67890", "business registration"),
    ("ad", "상호: 한빛상사 | 사업자번호: {keep:bizreg} | 대표: 김OO", "footer business number"),
    ("ad", "{keep:bizreg} (사업자)", "business number with word after"),
    ("form", "{keep:bizreg}", "business number alone"),
    ("form", "법인등록번호 110111-1234567", "corporate registration with word"),
    ("form", "법인등록번호: {keep:corp}", "generated corporate registration"),
    ("ad", "법인번호 {keep:corp} | 통신판매업 제2024-서울강남-01234호", "corporate + mail order"),
    ("form", "운전면허번호 {keep:licence}", "driver's licence"),
    ("form", "면허번호 서울 12-345678-90", "licence with region"),
    ("news", "특허 제10-1234567호로 등록됐다.", "patent registration"),
    ("news", "출원번호 {keep:patent}", "patent application"),
    ("form", "학번 {keep:student}", "student number"),
    ("form", "수험번호 12345678", "exam number"),
    ("sms", "주문번호 {keep:order} 상품이 발송되었습니다.", "order number"),
    ("sms", "주문번호: {keep:order_bare}", "bare order number"),
    ("sms", "운송장번호 {keep:invoice} (CJ대한통운)", "invoice number"),
    ("sms", "송장번호 {keep:invoice_bare}", "bare invoice number"),
    ("sms", "예약번호 2024031500123 확인 바랍니다.", "reservation number"),
    ("form", "접수번호 2024-0012345", "receipt number"),
    ("notice", "관리번호 KR-2024-000123", "management number"),
    ("sms", "승인번호 30012345 일시불 15,000원", "approval number"),
    ("sms", "거래번호 20240315123456789", "long transaction number"),
    ("ad", "통신판매업신고 제2024-서울마포-1234호", "mail-order registration"),
    ("news", "사건번호 2023고단1234", "court case number"),
    ("form", "회원번호 1234567890", "member number"),
    ("sms", "인증번호 [482913]를 입력해주세요.", "OTP"),
    ("form", "시리얼: 1234-5678-9012-3456", "serial in card layout"),
    ("ad", "모델명 SM-G991N / 일련번호 R3CR10ABCDE", "model numbers"),
    # phone look-alikes
    ("chat", "번호 010-1234-567 맞아? 한 자리 빠진 것 같은데", "wrong digit count"),
    ("chat", "010-123-45678 이렇게 적혀 있던데", "wrong grouping"),
    ("form", "연락처: 010-XXXX-XXXX", "placeholder"),
    ("form", "휴대폰 010-****-**** 형식으로 입력", "star placeholder"),
    ("form", "전화번호 02-XXX-XXXX", "Seoul placeholder"),
    ("notice", "010으로 시작하는 번호만 가입 가능합니다.", "010 alone"),
    ("chat", "01012345 까지만 기억나", "8 digits"),
    ("tech", "0101234567890123 은 테스트 값이다", "16-digit run starting 010"),
    ("tech", "01012345678901234 값이 넘어옴", "longer run"),
    ("form", "전화 02-12-3456 (잘못된 번호)", "short Seoul number"),
    ("chat", "010-12345-6789 이거 이상한데", "5-digit middle"),
    ("notice", "긴급전화 112, 119 / 정부민원안내 110", "short numbers"),
    ("news", "국번 없이 1588 로 시작하는 번호", "1588 alone"),
    ("chat", "02-123 까지만 들었어", "partial"),
    ("tech", "포트 1588-1600 구간 허용", "port range"),
    ("tech", "버전 02.1234.5678.9 빌드", "dotted version with 02"),
    ("tech", "ID 2010-1234-5678 발급", "digits before 010"),
    ("form", "전화번호 형식: 000-0000-0000", "zero template"),
    # registration number look-alikes
    ("form", "주민등록번호: YYMMDD-XXXXXXX", "placeholder"),
    ("form", "주민번호 000000-0000000 형식으로 입력", "zero placeholder"),
    ("form", "주민등록번호 {keep:rrn_bad_date} (형식 오류)", "invalid date"),
    ("tech", "테스트 데이터 {keep:rrn_bare_bad}", "bare 13 digits, bad check, no context"),
    ("tech", "주민번호 칸에 1234567890123 처럼 입력하면 오류가 납니다", "not a date"),
    ("notice", "주민등록번호 13자리 중 앞 6자리는 생년월일입니다.", "description"),
    ("form", "주민번호 뒷자리 첫 숫자: 1900년대생 남자 1, 여자 2", "digit explanation"),
    ("tech", "880101-9123456 은 유효하지 않은 예시", "sex digit 9 bad check"),
    ("form", "주민등록번호 880101-1234567-8 (오기)", "extra group"),
    ("tech", "레코드 {keep:long_run} 처리 완료", "long digit run"),
    ("tech", "해시값 {keep:long_run}", "long run"),
    # account and card look-alikes
    ("notice", "계좌 개설일 2019.03.02, 만기일 2024.03.02", "dates beside 계좌"),
    ("sms", "입금 확인: 2024-03-15 14:30, 금액 150,000원", "입금 with date and amount"),
    ("form", "카드번호 {keep:card_bad} (유효하지 않음)", "Luhn-invalid card"),
    ("form", "계좌번호 110-***-****** 로 표시됩니다", "masked account"),
    ("notice", "이체 수수료 500원, 타행 송금 1,000원", "fees"),
    ("blog", "통장 잔고 1234567원 남음 ㅠ", "7-digit balance"),
    ("chat", "은행 점검 시간 23:30-00:30", "bank hours"),
    ("form", "입금자명 뒤에 주문번호 20240315-0012345 를 적어주세요", "order beside 입금"),
    ("tech", "카드 BIN 465887 조회", "card BIN"),
    ("tech", "트랜잭션 ID 1234567890123456789", "19-digit id"),
    ("ad", "카카오톡 ID: happyshop2024", "kakao id"),
    ("chat", "은행 가서 123번 번호표 뽑았어", "queue ticket"),
    ("tech", "계좌 테이블 row 1048576 건", "row count beside 계좌"),
    ("sms", "[신한은행] 03/15 14:30 출금 52,000원 잔액 1,234,567원", "bank SMS without account"),
    ("form", "송금 신청 2024-03-15 / 처리 2024-03-16", "dates beside 송금"),
    # ordinary prose with numbers
    ("news", "올해 3분기 매출은 전년 대비 12.5% 증가한 3조 2,000억 원이었다.", "figures"),
    ("blog", "서울에서 부산까지 약 325km, KTX로 2시간 30분", "distance"),
    ("wiki", "에베레스트산의 높이는 8,848.86m이다.", "height"),
    ("review", "별점 4.5/5, 재구매 의사 100%", "ratings"),
    ("news", "코스피는 2,650.12로 마감했다.", "index"),
    ("blog", "레시피: 밀가루 200g, 설탕 50g, 우유 150ml", "recipe"),
    ("sports", "손흥민은 2015-2016 시즌 토트넘에 합류했다.", "season"),
    ("sports", "3-1 승리, 통산 110-98 전적", "scores"),
    ("wiki", "인구 51,628,117명 (2023년 기준)", "population"),
    ("tech", "해상도 1920x1080, 주사율 144Hz", "resolution"),
    ("news", "전용면적 84.98㎡ 아파트가 15억 원에 거래됐다.", "area and price"),
    ("blog", "아파트 101동 1203호", "apartment"),
    ("wiki", "태양까지 거리 149,597,870,700 m", "astronomy"),
    ("news", "접종자 1,234,567명 중 0.01%에서 이상반응", "counts"),
    ("tech", "RAM 16GB, SSD 512GB, 가격 1,890,000원", "specs"),
    ("chat", "ㅋㅋㅋㅋ 오늘 1000000번째 방문자래", "big count"),
    ("blog", "주소: 서울특별시 중구 세종대로 110", "address"),
    ("wiki", "광속은 299,792,458 m/s 이다.", "speed of light"),
    ("news", "2022-2023 회계연도 예산 607조 원", "fiscal year"),
    ("tech", "에러 코드 0x80070005", "error code"),
    ("form", "체중 65.5kg, 키 175.3cm", "body"),
    ("news", "서울 확진자 1만 2345명", "Korean count"),
    ("blog", "오늘 걸음 수 12,345보", "steps"),
    ("wiki", "소수 2, 3, 5, 7, 11, 13, 17, 19, 23, 29", "primes"),
    ("tech", "SHA-1 a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "hash"),
    ("tech", "타임스탬프 1710480600 (UNIX)", "unix time"),
    ("tech", "밀리초 1710480600123", "unix millis"),
    ("chat", "ㄹㅇ 12시 34분 56초에 태어남", "time"),
    ("form", "계약 기간 2024.01.01 - 2025.12.31", "contract period"),
    ("news", "19일 오전 10시 30분 기준 1,234건", "counts"),
    ("wiki", "KS X 1001 표준 문자", "standard"),
    ("tech", "GPU 메모리 80GB × 8장", "hardware"),
    ("notice", "제1234호 공고 (2024.03.15)", "notice number"),
    ("legal", "민법 제750조 및 제751조", "statutes"),
    ("legal", "대법원 2019. 1. 31. 선고 2018다12345 판결", "court citation"),
    ("news", "전화 상담 시간은 오전 9시부터 오후 6시까지다.", "tel word, no number"),
    ("blog", "문의 사항은 댓글로 남겨주세요 (1-2일 내 답변)", "문의 with range"),
    ("notice", "상담 가능 시간 10:00~17:00", "상담 with time"),
    ("wiki", "18세기(1701-1800) 조선의 인구는", "century"),
    ("news", "전화 1600-1700건이 폭주했다", "count range beside 전화"),
    ("chat", "나 1988년생 ㅋㅋ 010 쓴 지 20년", "birth year"),
    # more look-alikes
    ("tech", "010-1234-5678-9012 형식의 내부 코드", "phone followed by another group"),
    ("form", "접수번호 123-456789-12345", "Hana-shaped id with its word"),
    ("form", "접수번호 240315-01-000123", "KB-shaped id with its word"),
    ("tech", "관리코드 A-2024-010-1234-5678", "phone inside a longer code"),
    ("wiki", "1588년 조선에서는", "year alone"),
    ("chat", "내 주민번호 앞자리 880101 이야", "birth date only"),
    ("sports", "1500m 예선 기록 3:45.12", "race"),
    ("blog", "전화번호는 비공개입니다 (010-****-****)", "masked phone"),
    ("sms", "주문번호 2024031512345678", "16-digit order number"),
    ("form", "카드 유효기간 12/27, CVC 123", "card expiry"),
    ("notice", "문의 010-XXXX-XXXX (담당자)", "placeholder beside 문의"),
    ("form", "계좌번호: 000-000000-00000", "zero account placeholder"),
    ("form", "휴대폰: 010-0000-0000 (예시)", "zero phone placeholder"),
    ("form", "카드번호 0000-0000-0000-0000", "zero card placeholder"),
    ("form", "주민등록번호 ______-_______", "underscore placeholder"),
    ("chat", "1588-XXXX 이런 번호였는데", "business placeholder"),
    ("sms", "입금 후 010-1234-567로 문자 주세요 (번호 오타)", "wrong count beside 입금"),
    ("news", "지난해 모바일뱅킹 이체 건수는 1234567890건에 달했다.", "count beside 이체"),
    ("form", "전화 주문 접수번호 20240315001", "receipt number beside 전화"),
    ("news", "국민 1인당 소득 33,745달러", "국민 without a number"),
    ("blog", "우리 집 가훈은 정직이다.", "no digits"),
    ("news", "은행 점포 수는 2019년 6,709개에서 2023년 5,800개로 줄었다.", "counts beside 은행"),
    ("blog", "오늘은 카카오뱅크 이벤트 참여 후기입니다. 금리 3.5%!", "bank word, no number"),
    ("tech", "좌표 (127.0276543210, 37.4979012345)", "long-decimal coordinates"),
    ("tech", "버전 3.01012345678 릴리스", "decimal ending in a phone shape"),
    ("wiki", "인구는 1592-1598년 사이 급감했다", "years with 년"),
    (
        "tech",
        "51 Franklin Street, Fifth Floor, Boston, MA 02110-1301 USA",
        "US ZIP+4 in the GPL header",
    ),
    ("tech", "59 Temple Place, Suite 330, Boston, MA 02111-1307 USA.", "older GPL address"),
    ("tech", '<span id="swlnappltextshared0102110000xml_1">', "digits inside an identifier"),
    ("tech", "자세한 내용은 ko/text/sdatabase/020010100.html 참고", "file name"),
    # written after the detector, as a blind check (all but 입금 확인 번호 passed first time)
    ("notice", "2024-05-21 10:00 ~ 2024-05-21 12:00", "datetime range"),
    ("form", "전화번호 변경일: 2023.12.01", "date beside 전화번호"),
    ("ad", "가격 1,588,000원", "price with 1588"),
    ("tech", "모델번호 NT950XDB-KC58S", "model number"),
    ("wiki", "1588-1600년 사이", "year range with 년"),
    ("news", "총 12345678901234건", "count"),
    ("notice", "계좌 비밀번호 4자리", "계좌 without a number"),
    ("form", "주민등록번호 뒷자리 7자리를 입력", "주민등록번호 without a number"),
    ("form", "우편번호 12345 주소 서울시", "postal code"),
    ("tech", "10.1016/j.cell.2023.01.012 논문", "DOI"),
    ("blog", "ISBN-13: 979-11-6224-123-4", "979 ISBN"),
    ("news", "2024학년도 수능 응시번호 12345678", "exam number"),
    ("ad", "사업자 등록번호 : 220-81-62517", "business number, spaced label"),
    ("ad", "통신판매업 신고번호 2023-서울강남-01234", "mail-order number"),
    ("chat", "전화 010-1234-56 (끊김)", "cut-off number"),
    ("tech", "0.5-1.0 mm", "decimal range"),
    ("sms", "계좌이체 2024.05.21 15:30:21 승인", "transfer time"),
    ("sms", "송금일시 20240521153021", "compact timestamp beside 송금"),
    ("sms", "입금 확인 번호 12345678901", "confirmation number beside 입금 (missed blind)"),
    ("news", "주민등록 인구 51,325,329명", "주민 with a count"),
    ("chat", "전화 02-123-45 까지만", "short number"),
]

# Cases for the shapes the issue "[3/5] no number left readable" added: accounts written with
# spaces, 82 without + or 00, 15-digit cards, partly masked phones and cards, numbers glued to
# Latin letters. They are rendered after every other row so that those keep their digits.
GAP_POSITIVE = [
    # bank layouts with single spaces, beside an account or transfer word
    ("chat", "송금은 {acc=3333 01 1234567} (카카오)", "the issue's KakaoBank example, spaces"),
    ("chat", "카뱅 계좌 {acc:kakao_space} 여기로 보내줘", "KakaoBank, spaces"),
    ("sms", "입금계좌 신한 {acc:shinhan_space} 예금주 김민지", "Shinhan, spaces"),
    ("form", "환불 계좌번호 {acc:woori_space} (우리은행)", "Woori, spaces"),
    ("ad", "입금: 농협 {acc:nh_space} 예금주 김사장", "NH, spaces"),
    ("community", "이체는 하나은행 {acc:hana_space}로 해주세요", "Hana, spaces, particle glued"),
    ("notice", "후원 계좌 국민 {acc:kb_space}", "KB, spaces"),
    ("chat", "{acc:toss_space} 토스뱅크로 입금 ㄱㄱ", "Toss, spaces, bank word after"),
    ("form", "기업은행 {acc:ibk_space} 으로 송금", "IBK, spaces"),
    ("sms", "[Web발신] 씨티은행 {acc:citi_space} 입금 바랍니다", "Citi, spaces"),
    ("form", "새마을금고 {acc:mg_space} 예금주 박OO", "MG, spaces"),
    ("chat", "우체국 {acc:post_space}로 보내면 돼", "post office, spaces"),
    ("community", "계좌번호: {acc:kb_old_space} (국민)", "old KB layout, spaces"),
    ("chat", "부산은행 {acc:bnk_space} 여기야", "BNK, spaces"),
    ("chat", "케이뱅크 {acc:kbank_space} 로 입금", "K bank, spaces"),
    ("sms", "송금 후 {tel:mobile_space}로 문자 주세요", "a spaced phone beside 송금 stays a phone"),
    # 82 without + or 00
    ("form", "연락처 {tel=82-10-1234-5678}", "the issue's example"),
    ("chat", "해외 로밍 중이라 {tel:intl_mobile_no_plus}로 연락해", "82 mobile, no +"),
    ("sms", "[국외발신] 회신 번호 {tel:intl_mobile_no_plus}", "82 mobile in an SMS"),
    (
        "email",
        "Mobile {tel:intl_mobile_no_plus} / Tel {tel=82-2-3149-7720}",
        "82 mobile and landline with phone words",
    ),
    ("community", "이 번호 {tel:intl_mobile_no_plus} 보이스피싱이에요", "82 mobile, no phone word"),
    ("email", "Tel. {tel=82 31 123 4567}", "82 landline with spaces after Tel."),
    # 15-digit cards (American Express, 4-6-5)
    ("form", "카드 {acc=3782 822463 10005}", "the issue's Amex example"),
    ("sms", "[현대카드] 아멕스 {acc:amex} 승인 52,000원", "Amex with hyphens"),
    ("blog", "해외 결제는 {acc:amex_space} 이걸로 했어요", "Amex with spaces, no word"),
    ("form", "카드번호 {acc:amex_bare}", "bare 15 digits after 카드번호"),
    ("chat", "이 카드 {acc:amex} 로 결제해줘", "Amex in chat"),
    # partly masked phones and cards that still show eight digits or more
    ("form", "연락처 {tel=010-12**-5678}", "9 digits shown"),
    ("chat", "내 번호 {tel=010-4821-7***} 맞지?", "8 digits shown"),
    ("form", "전화 {tel=02-1234-56**}", "Seoul, 8 digits shown"),
    ("notice", "당첨자 {tel:mobile_masked} 님 축하드립니다", "winner list"),
    ("sms", "[알림] {tel:mobile_masked} 고객님 예약 확정", "masked phone in an SMS"),
    ("form", "휴대폰 {tel:mobile_masked}", "masked phone in a form"),
    ("email", "Tel {tel=+82-10-4821-77**}", "+82, 9 digits shown"),
    ("form", "연락처 {tel=01048217***}", "masked without separators, 8 digits shown"),
    ("form", "카드번호 {acc=1234-5678-****-3456}", "the issue's card example, 12 digits shown"),
    ("sms", "[신한카드] {acc:card_masked} 승인 15,000원", "masked card in an SMS"),
    ("form", "결제카드 {acc:card_masked}", "masked card in a form"),
    ("form", "카드번호 {acc=1234-****-****-5678}", "8 digits shown (a kept look-alike before)"),
    ("sms", "아멕스 {acc=3782-82****-10005} 승인", "masked Amex"),
    # numbers glued to Latin letters or symbols
    ("form", "ID{tel=01012345678}", "the issue's example: a strict mobile glued to ID"),
    ("form", "acct#{acc=110123456789}", "the issue's example: acct#"),
    ("ad", "HP{tel:mobile_bare} 문자 환영", "HP glued"),
    ("email", "Mobile{tel:mobile_bare}", "Mobile glued"),
    ("ad", "TEL{tel:seoul_bare}", "bare Seoul number glued to TEL"),
    ("form", "Fax{tel:area_bare}", "bare area number glued to Fax"),
    ("form", "acct{acc=48217730112}", "bare account glued to acct"),
    ("form", "RRN{rrn:rrn_bare_any}", "bare registration number glued to RRN"),
    ("form", "ID{rrn:rrn_bare_valid}", "valid registration number glued to ID"),
    ("chat", "카톡 아이디 kakao{tel:mobile_bare} 로 추가해", "a strict mobile inside an id"),
    ("tech", "연락처 파일 contact_{tel:mobile_bare}.vcf", "a strict mobile in a file name"),
    ("tech", "https://m.example.com/p/{tel:mobile_bare}", "a strict mobile in a URL"),
    ("tech", "https://example.com/call?tel={tel:seoul_bare}", "a landline after tel= in a URL"),
]

GAP_NEGATIVE = [
    # spaced digit groups that are not accounts
    ("chat", "{keep:kakao_space} 이거 뭔 번호야?", "KakaoBank layout with spaces, no account word"),
    (
        "chat",
        "계좌 {keep=1234 56 7890123} 는 없는 번호래",
        "4-2-7 without KakaoBank's first digits",
    ),
    ("form", "이체 {keep=3333 01 1234567 8} (자릿수 초과)", "one group more than the layout"),
    ("sms", "송금 {keep=1000 1234 5678}원 완료", "Toss layout followed by 원"),
    (
        "notice",
        "이체 한도 5 000 000원 / 송금액 1 234 567원",
        "prices with spaces beside 이체 and 송금",
    ),
    ("sms", "입금 확인 2024 03 15 14 30", "a spaced date and time beside 입금"),
    ("sports", "신한은행 에스버드 78 65 KB스타즈, 시즌 전적 120 98 45", "scores beside bank names"),
    ("blog", "카카오맵 좌표 37 566535 126 977969", "coordinates with spaces beside a bank word"),
    ("blog", "토스 책 ISBN 978 89 7914 063 0", "spaced ISBN beside a bank word"),
    ("chat", "은행 영업시간 09 00 16 00 이에요", "spaced times beside 은행"),
    (
        "tech",
        "농협 앱 버전 3 12 1 2024 05 21 빌드",
        "version and date with spaces beside a bank word",
    ),
    # 82 look-alikes
    ("wiki", "1982-10-12 출생", "a date ending in 82-10"),
    ("sports", "82-10으로 크게 이겼다", "a score"),
    ("tech", "버전 82.10.1234.5678 빌드", "a dotted version with 82.10"),
    ("tech", "ID 2082-10-1234-5678 발급", "digits before 82"),
    ("tech", "부품 코드 82-31-123-4567", "82 and an area code without a phone word"),
    ("sports", "기록 82 10 12 34", "a row of scores"),
    ("news", "82 10 1234 567명", "82 10 then a count"),
    # 15-digit look-alikes
    ("form", "카드번호 {keep:amex_bad} (유효하지 않음)", "Luhn-invalid Amex"),
    ("sms", "주문번호 {keep:amex}", "Amex shape after 주문번호"),
    ("tech", "로그 ID {keep:amex_bare}", "bare 15 digits without a card word"),
    ("tech", "트랜잭션 123456789012345", "a 15-digit id"),
    ("form", "계좌 1234-567890-12345", "4-6-5 without Amex's first digits"),
    # partly masked numbers that show seven digits or fewer
    ("form", "휴대폰 010-1234-**** 로 표시", "the issue's example: 7 digits shown"),
    ("blog", "문의 {keep:mobile_masked_few}", "a masked phone, 7 digits or fewer shown"),
    ("notice", "당첨자 {keep:mobile_masked_few} 님", "winner list, 7 digits or fewer shown"),
    ("form", "전화 02-123-45**", "Seoul, 7 digits shown"),
    ("form", "카드번호 {keep:card_masked_few}", "a masked card with 4-5 digits shown"),
    ("form", "시리얼: 1234-5678-****-3456", "card shape with masks after 시리얼"),
    ("tech", "해상도 1920x1080x60", "x between numbers is not a mask"),
    ("tech", '<span id="MACtextshared021234567xml_1">', "9 digits then xml: x is not a mask here"),
    # glued look-alikes
    ("tech", '<p id="par_id{keep:card_bare}" class="tablecontent">', "16 digits after par_id"),
    ("ad", "제품코드 SM0212345678", "a landline shape glued to a product code"),
    ("ad", "모델명 NO0312345678X", "a label before but a letter after"),
    ("tech", "buildID{keep:rrn_bare_valid}", "ID at the end of a longer identifier"),
    ("tech", "file_0212345678.png", "a landline shape in a file name"),
    ("tech", "https://news.example.com/article/{keep:area_bare}", "a landline shape in a URL path"),
    (
        "tech",
        "https://shop.example.com/goods?id={keep:seoul_bare}&page=2",
        "a landline shape after id= in a URL",
    ),
    ("tech", "https://example.com/v/{keep:rrn_bare_valid}", "a registration shape in a URL"),
    ("tech", "www.example.co.kr/board/0312345678", "a landline shape in a www address"),
]

# Frames that put each shape in a few more everyday settings; {x} is the number.
FRAMES = {
    "tel": [
        ("ad", "문의: {x}"),
        ("notice", "☎ {x} (평일 9시~18시)"),
        ("blog", "전화번호는 {x}입니다."),
        ("chat", "연락 주세요 {x}"),
        ("email", "{x}로 연락 바랍니다."),
        ("ad", "Tel. {x}"),
        ("form", "연락처 {x}"),
        ("community", "제 번호 {x} 입니다 문자 주세요"),
    ],
    "rrn": [
        ("form", "주민등록번호 {x}"),
        ("form", "주민번호: {x}"),
        ("legal", "피고인 김OO({x})"),
        ("news", "유출된 주민등록번호({x}) 등"),
    ],
    "acc": [
        ("ad", "입금계좌 {x}"),
        ("chat", "계좌 {x} 여기로 보내줘"),
        ("notice", "후원 계좌: {x}"),
        ("form", "환불 계좌번호 {x}"),
        ("sms", "송금하실 계좌 {x} 입니다"),
    ],
    "card": [
        ("form", "카드번호 {x}"),
        ("sms", "결제카드 {x} 승인 45,000원"),
        ("blog", "카드 {x} 분실 신고했어요"),
        ("chat", "이 카드 {x} 로 결제해줘"),
    ],
}
FRAMED_SHAPES = {
    "tel": [
        "mobile", "mobile_dot", "mobile_space", "mobile_bare", "mobile_eu", "mobile_arae",
        "mobile_spaced_dash", "mobile_old", "mobile_fw", "seoul", "seoul_paren",
        "seoul_half_paren", "seoul_dot", "area", "area_paren", "area_dot", "area_one_sep",
        "voip", "safe", "free", "info", "biz", "intl_mobile", "intl_seoul", "intl_area",
    ],
    "rrn": [
        "rrn", "rrn_new", "rrn_random_tail", "rrn_spaced_dash", "rrn_space", "rrn_bare_valid",
        "rrn_foreign", "rrn_1800", "rrn_fw", "rrn_masked", "rrn_masked_all", "rrn_masked_x",
    ],
    "acc": [
        "kakao", "shinhan", "kbank", "woori", "nh", "bnk", "ibk", "hana", "kb", "kb_old", "toss",
        "post", "mg", "citi", "generic_bare", "generic_dash",
    ],
    "card": ["card", "card_space", "card_bare"],
}  # fmt: skip
FRAME_KIND = {"tel": "tel", "rrn": "rrn", "acc": "acc", "card": "acc"}
FRAMES_PER_SHAPE = 2
# A registration number with a valid check digit is masked even without a keyword.
UNLABELLED_RRN_SENTENCES = [
    ("tech", "레코드: 홍길동,{x},서울", "CSV row, valid check digit"),
    ("chat", "이거 {x} 누구 번호임?", "valid check digit, no keyword"),
]


def render(rng: Rng, register: str, template: str, note: str) -> dict:
    text_parts, expected_parts, kinds, cursor = [], [], set(), 0
    for slot in SLOT.finditer(template):
        literal = template[cursor : slot.start()]
        text_parts.append(literal)
        expected_parts.append(literal)
        kind = slot["kind"]
        number = slot["literal"] or SHAPES[slot["shape"]](rng)
        text_parts.append(number)
        if kind == "keep":
            expected_parts.append(number)
        else:
            expected_parts.append(TOKENS[kind])
            kinds.add(kind)
        cursor = slot.end()
    text_parts.append(template[cursor:])
    expected_parts.append(template[cursor:])
    return {
        "text": "".join(text_parts),
        "expected": "".join(expected_parts),
        "kinds": sorted(kinds),
        "register": register,
        "note": note,
    }


def build_cases(rng: Rng) -> list[dict]:
    cases = [render(rng, *row) for row in POSITIVE]
    for frames, shapes in FRAMED_SHAPES.items():
        for shape in shapes:
            for register, frame in rng.sample(FRAMES[frames], FRAMES_PER_SHAPE):
                template = frame.replace("{x}", f"{{{FRAME_KIND[frames]}:{shape}}}")
                cases.append(render(rng, register, template, f"{shape}, {register} frame"))
    for register, frame, note in UNLABELLED_RRN_SENTENCES:
        cases.append(render(rng, register, frame.replace("{x}", "{rrn:rrn_bare_valid}"), note))
    cases += [render(rng, *row) for row in NEGATIVE]
    cases += [render(rng, *row) for row in GAP_POSITIVE + GAP_NEGATIVE]
    return cases


def main() -> None:
    cases = build_cases(random.Random(SEED))
    with OUT.open("w", encoding="utf-8") as out:
        for case in cases:
            out.write(json.dumps(case, ensure_ascii=False) + "\n")
    unchanged = sum(case["text"] == case["expected"] for case in cases)
    print(f"wrote {len(cases)} cases ({unchanged} must stay unchanged) to {OUT}")


if __name__ == "__main__":
    main()
