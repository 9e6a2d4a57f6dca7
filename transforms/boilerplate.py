"""Korean boilerplate lines: news bylines and sign-offs, page furniture, cookie notices.

The rules live in ``transforms/data/boilerplate_ko.txt`` (its header explains the three kinds),
so a new pattern is a data change. Expects text from ``normalize_text``: stripped lines, single
spaces.
"""

import re
import re._parser as sre_parse  # the regex parser: what rules open with, for shortcuts
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from transforms.normalize import collapse_whitespace

RULES_FILE = "boilerplate_ko.txt"
# A notice rule only drops lines up to this long: notices are short, paragraphs are not.
MAX_NOTICE_CHARS = 160
_KINDS = ("line", "notice", "prefix")
_PREFIX_GROUP = "prefix_rule"
# Besides A-Z, the only characters whose str.lower() holds an ASCII character: U+0130 (to "i"
# and U+0307) and the Kelvin sign (to "k"), found by lower-casing every code point (Python
# 3.11). No character lowers to a Hangul letter but the letter itself. As UTF-8, to find them
# in encoded text.
_LOWERS_TO_ASCII = ("\u0130".encode(), "\u212a".encode())


def _is_hangul(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3" or "\u3131" <= char <= "\u318e"


def _literal_prefix(pattern: re.Pattern[str]) -> str:
    """The fixed string every match of the pattern opens with ("" where it has none)."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except re.error:
        return ""
    if parsed.state.flags & (re.IGNORECASE | re.LOCALE):
        return ""
    prefix = []
    for op, value in parsed:
        if op is not sre_parse.LITERAL:
            break
        prefix.append(chr(value))
    return "".join(prefix)


_CATEGORY_CLASSES = {
    sre_parse.CATEGORY_DIGIT: r"\d",
    sre_parse.CATEGORY_NOT_DIGIT: r"\D",
    sre_parse.CATEGORY_SPACE: r"\s",
    sre_parse.CATEGORY_NOT_SPACE: r"\S",
    sre_parse.CATEGORY_WORD: r"\w",
    sre_parse.CATEGORY_NOT_WORD: r"\W",
}
_REPEATS = (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (sre_parse.AT, sre_parse.ASSERT, sre_parse.ASSERT_NOT)


def _opening_chars(
    items: Iterable[tuple[Any, Any]], ignore_case: bool = False
) -> tuple[list[str] | None, bool]:
    """Members of character classes that between them hold every character a match of the
    parsed items can open with (None where that could be any character, or this cannot
    tell), and whether the items can match the empty string. Members that match without
    regard to case come as "(?i)" + member. Errs towards more characters, never fewer."""
    chars: list[str] = []
    case = "(?i)" if ignore_case else ""
    for op, value in items:
        if op is sre_parse.LITERAL:
            return [*chars, case + re.escape(chr(value))], False
        if op is sre_parse.IN:
            members = []
            for member, argument in value:
                if member is sre_parse.LITERAL:
                    members.append(case + re.escape(chr(argument)))
                elif member is sre_parse.RANGE:
                    low, high = argument
                    members.append(f"{case}{re.escape(chr(low))}-{re.escape(chr(high))}")
                elif member is sre_parse.CATEGORY and argument in _CATEGORY_CLASSES:
                    members.append(case + _CATEGORY_CLASSES[argument])
                else:  # NEGATE, or a category without a class escape
                    return None, False
            return [*chars, *members], False
        if op is sre_parse.BRANCH:
            empty = False
            for alternative in value[1]:
                opening, alternative_empty = _opening_chars(alternative, ignore_case)
                if opening is None:
                    return None, False
                chars += opening
                empty |= alternative_empty
        elif op is sre_parse.SUBPATTERN:
            _group, add_flags, del_flags, sub = value
            if del_flags or add_flags & ~re.IGNORECASE:
                return None, False
            opening, empty = _opening_chars(sub, ignore_case or bool(add_flags))
            if opening is None:
                return None, False
            chars += opening
        elif op in _REPEATS:
            least, _most, sub = value
            opening, sub_empty = _opening_chars(sub, ignore_case)
            if opening is None:
                return None, False
            chars += opening
            empty = least == 0 or sub_empty
        elif op is sre_parse.ATOMIC_GROUP:
            opening, empty = _opening_chars(value, ignore_case)
            if opening is None:
                return None, False
            chars += opening
        elif op in _ZERO_WIDTH:
            empty = True
        else:  # any character, a back reference, ...
            return None, False
        if not empty:
            return chars, False
    return chars, True


def _opening_class(rule: str) -> str | None:
    """A lookahead for the characters a match of the rule can open with, or None where that
    cannot be told (or the rule opens with a plain character or class: the regex engine
    passes over those at a glance already)."""
    try:
        parsed = sre_parse.parse(rule)
    except re.error:
        return None
    if parsed.state.flags & ~re.UNICODE or not parsed.data:
        return None
    if parsed.data[0][0] in (sre_parse.LITERAL, sre_parse.IN):
        return None
    opening, empty = _opening_chars(parsed)
    if opening is None or empty:
        return None
    classes = []
    plain = [member for member in opening if not member.startswith("(?i)")]
    folded = [member[4:] for member in opening if member.startswith("(?i)")]
    if plain:
        classes.append(f"[{''.join(dict.fromkeys(plain))}]")
    if folded:
        classes.append(f"(?i:[{''.join(dict.fromkeys(folded))}])")
    return f"(?={'|'.join(classes)})"


_ASCII = "".join(map(chr, range(128)))


def _guarded_alternation(rules: tuple[str, ...]) -> str:
    """The rules as one alternation that matches what they match, arranged for lines that
    match none: each rule behind a lookahead for the characters it can open with, and the
    rules that cannot open with ASCII behind one more, so a line that opens with ASCII passes
    them all at once. (Only for rules whose order does not matter, as in fullmatch.)"""
    non_ascii, other = [], []
    for rule in rules:
        guard = _opening_class(rule)
        guarded = f"{guard or ''}(?:{rule})"
        if guard is not None and not re.search(guard[3:-1], _ASCII):
            non_ascii.append(guarded)
        else:
            other.append(guarded)
    if len(non_ascii) > 1:
        other.insert(0, f"(?=[^\\x00-\\x7f])(?:{'|'.join(non_ascii)})")
    else:
        other[:0] = non_ascii
    return "|".join(other)


# English letters, most frequent first: the probe looks for a rare stretch of each ASCII prefix
_LETTERS_BY_FREQUENCY = "etaoinshrdlcumwfgypbvkjxqz"
_ASCII_WINDOW = (4, 6)  # fewest and most characters the probe looks for, in any mix of cases


def _rare_window(prefix: str) -> str:
    """A stretch of an ASCII prefix that opens with a rare letter (all of a short prefix)."""
    shortest, longest = _ASCII_WINDOW
    starts = range(max(len(prefix) - shortest, 0) + 1)
    start = max(starts, key=lambda i: _LETTERS_BY_FREQUENCY.find(prefix[i]))
    return prefix[start : start + longest]


def _any_case(window: str) -> list[str]:
    """Regexes that together match every string that lower() maps to the window, character
    by character: one per form of the first character (a literal, for the scan to skip ahead
    to), then a class per character."""

    def forms(char: str) -> list[str]:
        extra = {"k": ["\u212a"], "i": ["\u0130"]}.get(char, [])
        return sorted({char, char.upper(), *extra})

    rest = "".join("[" + "".join(map(re.escape, forms(c))) + "]" for c in window[1:])
    return [re.escape(first) + rest for first in forms(window[0])]


@dataclass(frozen=True)
class _NoticeProbe:
    """Which notice rules can match a text, told from their literal prefixes with one scan of
    the text as written: str.lower() on Hangul costs more than all the searches together.

    A prefix of Hangul and ASCII non-letters is in the lower-cased text exactly where it is in
    the text itself: lower() maps no other character onto those. Where an ASCII prefix is in
    the lower-cased text, a window of it is in the text in some mix of cases, or one of
    _LOWERS_TO_ASCII is. The scan looks for all of these; most texts hold none, and the rest
    are sorted out one prefix at a time. Rules with another prefix, or none, are always
    searched.
    """

    rules: int
    scan: re.Pattern[str] | None  # opens with literals only: it skips ahead to their characters
    hangul_rules: tuple[tuple[str, tuple[int, ...]], ...]  # (prefix, numbers of its rules)
    ascii_rules: tuple[tuple[bytes, tuple[int, ...]], ...]  # (prefix as UTF-8, rule numbers)
    other_rules: tuple[int, ...]

    @staticmethod
    def of(notices: tuple[re.Pattern[str], ...]) -> "_NoticeProbe":
        hangul: dict[str, list[int]] = {}
        ascii_: dict[str, list[int]] = {}
        other = []
        for number, notice in enumerate(notices):
            prefix = _literal_prefix(notice)
            if prefix and all(_is_hangul(c) or (c.isascii() and not c.isalpha()) for c in prefix):
                hangul.setdefault(prefix, []).append(number)
            elif prefix and prefix.isascii() and prefix == prefix.lower():
                ascii_.setdefault(prefix, []).append(number)
            else:
                other.append(number)
        scanned = [re.escape(prefix) for prefix in hangul]
        if ascii_:
            scanned += [re.escape(special.decode()) for special in _LOWERS_TO_ASCII]
            for window in sorted({_rare_window(prefix) for prefix in ascii_}):
                scanned += _any_case(window)
        return _NoticeProbe(
            rules=len(notices),
            scan=re.compile("|".join(scanned)) if scanned else None,
            hangul_rules=tuple((prefix, tuple(rules)) for prefix, rules in hangul.items()),
            ascii_rules=tuple((prefix.encode(), tuple(rules)) for prefix, rules in ascii_.items()),
            other_rules=tuple(other),
        )

    def candidates(self, text: str) -> list[int]:
        """Numbers of the notice rules that may match the lower-cased text, in order."""
        found = set(self.other_rules)
        if self.scan is None or not self.scan.search(text):
            return sorted(found)
        if self.ascii_rules and any(special.decode() in text for special in _LOWERS_TO_ASCII):
            return list(range(self.rules))
        for prefix, rules in self.hangul_rules:
            if prefix in text:
                found.update(rules)
        if self.ascii_rules:
            ascii_lowered = text.encode().lower()  # bytes.lower() maps A-Z and nothing else
            for ascii_prefix, rules in self.ascii_rules:
                if ascii_prefix in ascii_lowered:
                    found.update(rules)
        return sorted(found)


@dataclass(frozen=True)
class BoilerplateRules:
    line: re.Pattern[str]  # all line rules in one pattern, for fullmatch
    notices: tuple[re.Pattern[str], ...]  # one pattern each: a search skips ahead to its first word
    prefix: re.Pattern[str]  # all prefix rules in one pattern, for match
    # the line rules one by one, as written (for line_or_prefix; optional)
    line_rules: tuple[str, ...] = ()
    # Line and prefix rules in one pattern, for one match per line: a line rule over the whole
    # line, else a prefix rule, in group _PREFIX_GROUP (line rules win in strip_boilerplate_lines
    # anyway). None where the rules have groups of their own, whose numbers would shift.
    line_or_prefix: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    notice_probe: _NoticeProbe = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        combined = None
        if not (self.line.groups or self.prefix.groups or self.line.flags != self.prefix.flags):
            line = self.line.pattern
            if self.line_rules and line == "|".join(f"(?:{p})" for p in self.line_rules):
                line = _guarded_alternation(self.line_rules)
            combined = re.compile(
                f"(?:{line})\\Z|(?P<{_PREFIX_GROUP}>{self.prefix.pattern})", self.line.flags
            )
        object.__setattr__(self, "line_or_prefix", combined)
        object.__setattr__(self, "notice_probe", _NoticeProbe.of(self.notices))


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
        line_rules=tuple(patterns["line"]),
    )


_RULES = load_rules()


def notice_line_numbers(text: str, rules: BoilerplateRules = _RULES) -> set[int]:
    """Numbers of the lines (from 0) in which a notice rule matches; any length."""
    candidates = rules.notice_probe.candidates(text)
    if not candidates:  # the common case: no rule's prefix is in the text
        return set()
    lowered = text.lower()  # lower() keeps every "\n", so line numbers carry over
    return {
        lowered.count("\n", 0, match.start())
        for number in candidates
        for match in rules.notices[number].finditer(lowered)
    }


def _line_matches(lines: list[str], rules: BoilerplateRules) -> tuple[list[bool], list[int]] | None:
    """For each line: whether a line rule matches all of it, and where a prefix rule's match
    ends (-1 where none matches); None where no rule matches any line."""
    if rules.line_or_prefix is None:
        boilerplate = list(map(rules.line.fullmatch, lines))
        prefixes = list(map(rules.prefix.match, lines))
        if not (any(boilerplate) or any(prefixes)):
            return None
        return (
            [match is not None for match in boilerplate],
            [-1 if match is None else match.end() for match in prefixes],
        )
    # map() runs the match loop in C; most documents have nothing to remove and stop here
    match = rules.line_or_prefix.match
    if not any(map(match, lines)):
        return None
    matches = list(map(match, lines))  # again, kept this time: few documents get here
    boilerplate, prefixes = [False] * len(lines), [-1] * len(lines)
    for number, match in enumerate(matches):
        if match is not None:
            if match.lastindex is None:
                boilerplate[number] = True
            else:
                prefixes[number] = match.end()
    return boilerplate, prefixes


def strip_boilerplate_lines(text: str, rules: BoilerplateRules = _RULES) -> tuple[str, int]:
    """The text without boilerplate lines and dateline prefixes, and how many lines went."""
    lines = text.split("\n")
    matched = _line_matches(lines, rules)
    notices = notice_line_numbers(text, rules)
    if matched is None:
        if not notices:
            return text, 0
        boilerplate, prefixes = [False] * len(lines), [-1] * len(lines)
    else:
        boilerplate, prefixes = matched
    kept = []
    for number, line in enumerate(lines):
        if boilerplate[number] or (number in notices and len(line) <= MAX_NOTICE_CHARS):
            continue
        if prefixes[number] >= 0:
            line = line[prefixes[number] :].lstrip()
            if not line or rules.line.fullmatch(line):  # nothing, or a byline, after the dateline
                continue
        kept.append(line)
    # removed lines can leave blank-line runs behind
    return collapse_whitespace("\n".join(kept)), len(lines) - len(kept)
