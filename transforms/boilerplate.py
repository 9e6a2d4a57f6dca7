"""Korean boilerplate lines: news bylines and sign-offs, page furniture, cookie notices.

The rules live in ``transforms/data/boilerplate_ko.txt`` (its header explains the three kinds),
so a new pattern is a data change. Expects text from ``normalize_text``: stripped lines, single
spaces.
"""

import re
from dataclasses import dataclass
from importlib.resources import files

from transforms.normalize import collapse_whitespace

RULES_FILE = "boilerplate_ko.txt"
# A notice rule only drops lines up to this long: notices are short, paragraphs are not.
MAX_NOTICE_CHARS = 160
_KINDS = ("line", "notice", "prefix")


@dataclass(frozen=True)
class BoilerplateRules:
    line: re.Pattern[str]  # all line rules in one pattern, for fullmatch
    notices: tuple[re.Pattern[str], ...]  # one pattern each: a search skips ahead to its first word
    prefix: re.Pattern[str]  # all prefix rules in one pattern, for match


def load_rules(name: str = RULES_FILE) -> BoilerplateRules:
    """The rules of a data file in transforms/data."""
    patterns: dict[str, list[str]] = {kind: [] for kind in _KINDS}
    text = files("transforms").joinpath("data", name).read_text(encoding="utf-8")
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        kind, sep, pattern = raw.partition(": ")
        if not sep or kind not in patterns:
            raise ValueError(f"{name}:{number}: expected one of {_KINDS}, ': ' and a regex")
        try:
            matches_nothing = re.fullmatch(pattern, "") is not None
        except re.error as err:
            raise ValueError(f"{name}:{number}: {err}") from err
        if matches_nothing:
            raise ValueError(f"{name}:{number}: the rule matches an empty line")
        patterns[kind].append(pattern)
    return BoilerplateRules(
        line=re.compile("|".join(f"(?:{p})" for p in patterns["line"])),
        notices=tuple(re.compile(p) for p in patterns["notice"]),
        prefix=re.compile("|".join(f"(?:{p})" for p in patterns["prefix"])),
    )


_RULES = load_rules()


def notice_line_numbers(text: str, rules: BoilerplateRules = _RULES) -> set[int]:
    """Numbers of the lines (from 0) in which a notice rule matches; any length."""
    lowered = text.lower()  # lower() keeps every "\n", so line numbers carry over
    return {
        lowered.count("\n", 0, match.start())
        for notice in rules.notices
        for match in notice.finditer(lowered)
    }


def strip_boilerplate_lines(text: str, rules: BoilerplateRules = _RULES) -> tuple[str, int]:
    """The text without boilerplate lines and dateline prefixes, and how many lines went."""
    lines = text.split("\n")
    # map() runs the match loops in C; most documents have nothing to remove and stop here
    boilerplate = list(map(rules.line.fullmatch, lines))
    prefixes = list(map(rules.prefix.match, lines))
    notices = notice_line_numbers(text, rules)
    if not (any(boilerplate) or any(prefixes) or notices):
        return text, 0
    kept = []
    for number, line in enumerate(lines):
        if boilerplate[number] or (number in notices and len(line) <= MAX_NOTICE_CHARS):
            continue
        if prefixes[number]:
            line = line[prefixes[number].end() :].lstrip()
            if not line or rules.line.fullmatch(line):  # nothing, or a byline, after the dateline
                continue
        kept.append(line)
    # removed lines can leave blank-line runs behind
    return collapse_whitespace("\n".join(kept)), len(lines) - len(kept)
