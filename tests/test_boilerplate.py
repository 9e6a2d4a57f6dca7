import re

import pytest

from transforms.boilerplate import MAX_NOTICE_CHARS, load_rules, strip_boilerplate_lines
from transforms.normalize import normalize_text

BOILERPLATE_LINES = [
    # bylines and sign-offs
    "홍길동 기자 gildong@yna.co.kr",
    "홍길동 기자",
    "/홍길동 기자",
    "홍길동·이순신 기자 (news@example.co.kr)",
    "홍길동 인턴기자",
    "김철수 특파원",
    "지금까지 국회에서 KBS 뉴스 홍길동 기자였습니다.",
    "MBC뉴스 홍길동입니다.",
    "[KBS 뉴스 홍길동입니다]",
    "입력 2023.01.15 10:30 수정 2023.01.15 11:00",
    "기사입력 2023-01-15 10:30",
    "승인 2023.01.15 10:30",
    # copyright and redistribution
    "<저작권자 ⓒ 연합뉴스, 무단 전재-재배포, AI 학습 및 활용 금지>",
    "ⓒ 한국경제, 무단전재 및 재배포 금지",
    "무단전재 및 재배포 금지",
    "Copyright © 2023 Example Media. All rights reserved.",
    "ⓒ 한겨레신문사",
    "© 2024 Kakao Corp.",
    "Example Corp. All Rights Reserved.",
    "기사제보 및 보도자료 news@example.com",
    "▶ 네이버에서 연합뉴스 구독하기",
    # page furniture
    "더보기",
    "기사 더보기",
    "댓글 더보기 >",
    "관련기사",
    "많이 본 뉴스",
    "공유하기",
    "페이스북 트위터 카카오톡",
    "좋아요 12 싫어요 3",
    "본문 바로가기",
    "맨 위로",
    "▲ 맨 위로 가기",
    "TOP",
    "이전글",
    "다음 글",
    "목록",
    "로그인",
    "회원가입",
    # cookie and JavaScript notices
    "이 웹사이트는 사용자 경험을 개선하기 위해 쿠키를 사용합니다.",
    "당사 홈페이지는 서비스 제공을 위해 쿠키를 수집합니다. 동의하시겠습니까?",
    "쿠키 정책",
    "쿠키 사용에 동의합니다",
    "This website uses cookies to improve your experience. Accept",
    "자바스크립트를 활성화해야 이 페이지를 볼 수 있습니다.",
    "JavaScript가 비활성화되어 있습니다. 브라우저 설정에서 사용으로 바꾸세요.",
    "Please enable JavaScript to view this page.",
    "JavaScript is disabled in your browser.",
    # lines without words
    "https://www.example.com/news/article?id=123",
    "[https://example.com/a] (http://example.org/b)",
    "www.example.co.kr",
    "----------------------------",
    "▶ ▶ ▶",
    "※",
    "| |",
    "...",
    "#맛집 #서울여행 #주말데이트",
    "- 3 -",
    "－ 12 －",
]

KEPT_LINES = [
    # ordinary Korean prose that shares words with the rules (paragraphs longer than
    # MAX_NOTICE_CHARS may mention a notice phrase)
    "그는 20년 동안 신문사 기자로 일하며 수많은 특종을 보도했다.",
    "기자회견에서 장관은 새 정책의 배경을 자세히 설명했다.",
    "그는 신문사 기자였습니다.",  # a biography, not a TV sign-off
    "이 사건을 더 보기 좋게 정리하면 다음과 같다.",
    "버터 쿠키를 사용한 간단한 디저트 만들기",
    "토핑으로 쿠키를 사용합니다.",
    "자바스크립트를 활성화하는 방법과 보안 설정의 관계를 설명한 논문은 "
    + "많지 않지만, 최근에는 브라우저의 기본 설정을 분석하는 연구가 늘고 있다. " * 4,
    "저작권법은 무단 전재와 재배포를 금지하는 조항을 두고 있으며, 위반하면 "
    + "손해배상 책임을 지게 된다. 이 조항의 해석을 둘러싼 판례가 여럿 있다. " * 4,
    "목록에서 원하는 항목을 선택한 다음 확인을 누르세요.",
    "로그인 화면에서 비밀번호를 입력합니다.",
    "ⓒ 항목은 세 번째 조건으로, 앞의 두 조건을 모두 만족해야 적용된다는 점에 유의해야 한다.",
    "제1조(목적) 이 법은 국민의 권리를 보장함을 목적으로 한다.",
    "자세한 내용은 https://www.example.com 에서 확인할 수 있다.",
    "9890",
    "2.9-2+deb8u1",
    "ㅋㅋ",
    "3·1운동",
]


@pytest.mark.parametrize("line", BOILERPLATE_LINES)
def test_boilerplate_line_is_dropped(line):
    line = normalize_text(line)
    assert strip_boilerplate_lines(f"본문 첫 줄입니다.\n{line}\n본문 끝 줄입니다.") == (
        "본문 첫 줄입니다.\n본문 끝 줄입니다.",
        1,
    )


@pytest.mark.parametrize("line", KEPT_LINES)
def test_ordinary_line_is_kept(line):
    line = normalize_text(line)
    text = f"본문 첫 줄입니다.\n{line}\n본문 끝 줄입니다."
    assert strip_boilerplate_lines(text) == (text, 0)


@pytest.mark.parametrize(
    ("line", "rest"),
    [
        (
            "(서울=연합뉴스) 홍길동 기자 = 정부는 15일 새 정책을 발표했다.",
            "정부는 15일 새 정책을 발표했다.",
        ),
        ("[부산=뉴시스]홍길동 기자 = 부산시는 오늘 축제를 연다.", "부산시는 오늘 축제를 연다."),
        ("【서울=뉴시스】 정부는 오늘 발표했다.", "정부는 오늘 발표했다."),
        ("[머니투데이 홍길동 기자]코스피가 올랐다.", "코스피가 올랐다."),
        (
            "(서울=연합뉴스) 홍길동 이순신 기자 = 국회는 법안을 통과시켰다.",
            "국회는 법안을 통과시켰다.",
        ),
    ],
)
def test_dateline_prefix_is_cut_and_the_lead_kept(line, rest):
    assert strip_boilerplate_lines(line) == (rest, 0)


def test_a_line_that_is_only_a_dateline_goes():
    assert strip_boilerplate_lines("(서울=연합뉴스)\n본문입니다.") == ("본문입니다.", 1)


def test_notice_rules_only_drop_lines_up_to_max_notice_chars():
    notice = "무단 전재 및 재배포 금지"
    longest = "가" * (MAX_NOTICE_CHARS - len(notice)) + notice
    assert strip_boilerplate_lines(f"기사 끝. {notice}") == ("", 1)
    assert strip_boilerplate_lines(longest) == ("", 1)
    assert strip_boilerplate_lines("가" + longest)[1] == 0


def test_a_news_page_end_to_end():
    page = normalize_text(
        """
        (서울=연합뉴스) 홍길동 기자 = 정부는 15일 전기요금을 동결한다고 밝혔다.

        산업통상자원부는 이날 물가 상황을 고려해 이같이 결정했다고 설명했다.
        홍길동 기자 gildong@yna.co.kr

        <저작권자(c) 연합뉴스, 무단 전재-재배포 금지>
        ▶ 네이버에서 연합뉴스 구독하기
        관련기사
        더보기
        """
    )
    text, removed = strip_boilerplate_lines(page)
    assert text == (
        "정부는 15일 전기요금을 동결한다고 밝혔다.\n\n"
        "산업통상자원부는 이날 물가 상황을 고려해 이같이 결정했다고 설명했다."
    )
    assert removed == 5


def test_nothing_to_remove_returns_the_same_text():
    text = "첫 줄\n\n둘째 줄"
    result, removed = strip_boilerplate_lines(text)
    assert result is text and removed == 0


def test_empty_text():
    assert strip_boilerplate_lines("") == ("", 0)


def test_rules_load_from_the_data_file():
    rules = load_rules()
    assert rules.line.pattern and rules.prefix.pattern and rules.notices
    for notice in rules.notices:  # searched in lower-cased text
        assert notice.pattern == notice.pattern.lower()


def test_bad_rule_files_fail_with_the_line_number(tmp_path, monkeypatch):
    data = tmp_path / "transforms" / "data"
    data.mkdir(parents=True)
    (data / "bad_kind.txt").write_text("# comment\nwhole: abc\n", encoding="utf-8")
    (data / "bad_regex.txt").write_text("line: (unclosed\n", encoding="utf-8")
    (data / "empty_match.txt").write_text("\nline: x*\n", encoding="utf-8")

    def files(package):
        assert package == "transforms"
        return tmp_path / "transforms"

    monkeypatch.setattr("transforms.boilerplate.files", files)
    with pytest.raises(ValueError, match=re.escape("bad_kind.txt:2")):
        load_rules("bad_kind.txt")
    with pytest.raises(ValueError, match=re.escape("bad_regex.txt:1")):
        load_rules("bad_regex.txt")
    with pytest.raises(ValueError, match=re.escape("empty_match.txt:2: the rule matches an empty")):
        load_rules("empty_match.txt")
