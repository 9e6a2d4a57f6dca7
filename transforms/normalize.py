"""Text normalisation for Korean documents, and HTML to text.

``normalize_text`` runs the steps below in order, skipping those a quick scan finds nothing for;
each is a small function tested on its own.
NFKC is deliberately not applied to whole documents: it rewrites compatibility jamo (ㅋ, ㅠ)
into conjoining jamo, which the jamo rule would then delete. Full-width ASCII is mapped with a
one-to-one table instead, so offsets into the text stay meaningful.
"""

import html
import re
import unicodedata

import numpy as np
from selectolax.lexbor import LexborHTMLParser

# Known tag names only: a bare "<" is ordinary in Korean text ("<보기>", "a < b", "<헌법 제10호>").
_HTML_TAG = re.compile(
    r"</?(?:a|b|br|div|em|font|h[1-6]|hr|i|img|li|ol|p|span|strong|table|td|th|tr|ul)\b[^<>]*>",
    re.IGNORECASE,
)
_PAGE_START = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?<(?:!doctype|html)\b", re.IGNORECASE)
# Pages and scraped fragments have a tag every few dozen characters (the shared HTML pages: 12 or
# more per 1000); a help page that quotes "<h1>" or "<META ...>" as examples has under 5.
MIN_TAGS_PER_1000_CHARS = 5
# not text: code, styling, embedded objects and form controls (button labels, option lists)
_NOT_TEXT_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "object",
    "button",
    "select",
]
_BLOCK_TAGS = (
    "address,article,aside,blockquote,br,caption,dd,details,dialog,div,dl,dt,fieldset,"
    "figcaption,figure,footer,form,h1,h2,h3,h4,h5,h6,header,hr,legend,li,main,nav,ol,p,"
    "section,summary,table,td,th,tr,ul"
)
# Marks block boundaries while HTML whitespace is collapsed; a vertical tab in the page text is a
# line break for normalize_text too, so the marker cannot change the result.
_BLOCK_BREAK = "\x0b"
_BLOCK_BREAK_RUNS = re.compile("\x0b[\x0b ]*")  # opening with the marker keeps the scan fast

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f"  # controls; tab and line breaks are kept
    "\xad\u200b-\u200f\u2060-\u2064\ufeff"  # soft hyphen, zero-width characters, BOM
    "\u202a-\u202e\u2066-\u2069\ufff9-\ufffb"  # bidi embeddings and isolates, annotations
    "\u3164\uffa0"  # Hangul fillers: blank-looking letters used to fake empty names
    "\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]"  # conjoining jamo that NFC left uncomposed
)
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
_FULL_WIDTH_TO_ASCII = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Every character str.isspace() knows except space and newline, spelled out: a plain character
# set scans faster than the \s category.
_ODD_SPACE = re.compile(
    "[\t\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
# Patterns that open with a fixed string are scanned for it in C ("  +" rather than " {2,}").
_SPACE_RUNS = re.compile("  +")
_BLANK_LINE_RUNS = re.compile("\n\n\n+")
# ㅋㅋㅋㅋ -> ㅋㅋ, 하하하하 -> 하하; punctuation keeps three ("..." stays an ellipsis); Latin
# letters and digits are left alone ("www", "1000").
_REPEATED_HANGUL = re.compile(r"([\u3131-\u318e\uac00-\ud7a3])\1{2,}")
_REPEATED_SYMBOL = re.compile(r"([^\w\s])\1{3,}")


def _char_flags(*patterns: re.Pattern[str]) -> np.ndarray:
    """Bit i set for every BMP character that patterns[i] matches."""
    flags = np.zeros(0x10000, dtype=np.uint8)
    every_char = "".join(map(chr, range(0x10000)))
    for bit, pattern in enumerate(patterns):
        for match in pattern.finditer(every_char):
            flags[match.start()] |= 1 << bit
    return flags


# One numpy pass tells normalize_text which character-level steps have anything to do; most
# texts need few of them, and each regex scan costs more than the whole lookup.
_STEP_PATTERNS = (_LINE_BREAKS, _INVISIBLE, _FULL_WIDTH, _ODD_SPACE)
_LINE_BREAK_STEP, _INVISIBLE_STEP, _FULL_WIDTH_STEP, _ODD_SPACE_STEP = (1 << i for i in range(4))
_STEP_FLAGS = _char_flags(*_STEP_PATTERNS)


def _class_of(codepoints: np.ndarray) -> re.Pattern[str]:
    """A one-character class of the given BMP code points, as ranges."""
    ranges = np.split(codepoints, np.flatnonzero(np.diff(codepoints) != 1) + 1)
    return re.compile(
        "["
        + "".join(
            re.escape(chr(run[0])) + ("-" + re.escape(chr(run[-1])) if len(run) > 1 else "")
            for run in ranges
        )
        + "]"
    )


# Any character some step handles: one regex scan, cheaper than the numpy pass, tells that the
# text needs none of them (the common case); only texts with such a character take that pass.
_ANY_STEP = _class_of(np.flatnonzero(_STEP_FLAGS))


def looks_like_html(text: str) -> bool:
    """Whether the text is markup: it opens like a page, or has at least two known tags at
    MIN_TAGS_PER_1000_CHARS or more (text that merely quotes a tag or two stays text)."""
    if _PAGE_START.match(text):
        return True
    tags = len(_HTML_TAG.findall(text))
    return tags >= 2 and tags * 1000 >= MIN_TAGS_PER_1000_CHARS * len(text)


def html_to_text(html_source: str) -> str:
    """The visible text of an HTML page or fragment: one line per block element.

    Scripts, styles and other non-text elements are dropped, entities are decoded by the parser,
    whitespace inside a block collapses as a browser would, line breaks inside <pre> survive.
    """
    tree = LexborHTMLParser(html_source)
    tree.strip_tags(_NOT_TEXT_TAGS)
    root = tree.body or tree.root
    if root is None:
        return ""
    for pre in root.css("pre"):
        pre.replace_with(_BLOCK_BREAK + pre.text().replace("\n", _BLOCK_BREAK) + _BLOCK_BREAK)
    for block in root.css(_BLOCK_TAGS):
        block.insert_before(_BLOCK_BREAK)
        block.insert_after(_BLOCK_BREAK)
    text = root.text()
    for html_space in "\n\t\r\f":  # str.replace beats a regex: pages are full of them
        text = text.replace(html_space, " ")
    text = _BLOCK_BREAK_RUNS.sub("\n", _SPACE_RUNS.sub(" ", text))
    return text.replace(" \n", "\n").strip("\n ")


def unescape_entities(text: str) -> str:
    """Decode HTML entities left in plain text (&amp;, &#44608;); only complete ones, with ';'."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda entity: html.unescape(entity.group()), text)


def unify_line_breaks(text: str) -> str:
    """CR LF, CR, form feed, vertical tab and Unicode line separators all become LF."""
    return _LINE_BREAKS.sub("\n", text.replace("\r\n", "\n"))


def to_nfc(text: str) -> str:
    """Unicode NFC, which composes conjoining jamo sequences into Hangul syllables."""
    if unicodedata.is_normalized("NFC", text):  # the common case, many times cheaper
        return text
    return unicodedata.normalize("NFC", text)


def remove_invisible(text: str) -> str:
    """Drop controls, zero-width and bidi marks, BOMs, NULs, Hangul fillers and stray jamo.

    Run after NFC: conjoining jamo still present then could not form a syllable. Compatibility
    jamo (ㅋㅋ, ㅠㅠ) are ordinary text and stay.
    """
    return _INVISIBLE.sub("", text)


def full_width_to_ascii(text: str) -> str:
    """Full-width ASCII (１２３, ＡＢＣ) and the ideographic space become ASCII, char for char."""
    if _FULL_WIDTH.search(text) is None:
        return text
    return text.translate(_FULL_WIDTH_TO_ASCII)


def collapse_whitespace(text: str) -> str:
    """Whitespace runs inside a line become one space, lines are stripped, blank runs shortened.

    Paragraph breaks survive as one blank line.
    """
    return _collapse_spaces(_ODD_SPACE.sub(" ", text))


def _collapse_spaces(text: str) -> str:
    """collapse_whitespace for text whose only whitespace is space and newline."""
    if "  " in text:  # a plain substring search beats the regex's scan for its prefix
        text = _SPACE_RUNS.sub(" ", text)
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    return _BLANK_LINE_RUNS.sub("\n\n", text).strip()


def reduce_repeated_chars(text: str) -> str:
    """ㅋㅋㅋㅋㅋ -> ㅋㅋ and !!!!!! -> !!! ; a Hangul run keeps two, a symbol run three."""
    return _REPEATED_SYMBOL.sub(r"\1\1\1", _REPEATED_HANGUL.sub(r"\1\1", text))


def _pending_steps(text: str) -> int:
    """The step bits of every character in the text, or-ed together."""
    if _ANY_STEP.search(text) is None:
        return 0
    codepoints = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    # above the BMP (emoji) clips to U+FFFF, which no step touches
    return int(np.bitwise_or.reduce(_STEP_FLAGS.take(codepoints, mode="clip")))


def normalize_text(text: str, *, reduce_repeats: bool = False) -> str:
    """Plain text in, normalised plain text out (markup is html_to_text's job)."""
    text = unescape_entities(text)
    pending = _pending_steps(text)  # NFC creates none of these characters
    if pending & _LINE_BREAK_STEP:
        text = unify_line_breaks(text)
    text = to_nfc(text)
    if pending & _INVISIBLE_STEP:
        text = remove_invisible(text)
    if pending & _FULL_WIDTH_STEP:
        text = full_width_to_ascii(text)
    if reduce_repeats:
        text = reduce_repeated_chars(text)
    if pending & _ODD_SPACE_STEP:
        text = _ODD_SPACE.sub(" ", text)
    return _collapse_spaces(text)
