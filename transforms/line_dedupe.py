"""Corpus-wide repeated-line removal (C4's line dedupe with a document threshold): the
pure functions.

A line found in more than ``min_docs`` distinct documents (navigation, footers, copyright
notices) is kept only in its keeper, the document with the smallest id, and in exact copies of
the keeper's text, and removed from all the others; so the result does not depend on input order
or bundling. Exact copies of one text count as one document: a text repeated 1,000 times is a
duplicate for dedupe to drop, not 1,000 documents whose every line is boilerplate (which would
empty the copies before dedupe saw them). Each line group is read in two passes (distinct texts
and keeper, then the removals).
Lines shorter than ``min_line_chars`` are never counted or removed: short headings, list
numbers and one-word replies ("감사합니다.", "제1조(목적)") repeat across documents and are text.
Documents come out with the same fields; one whose every line went is kept with empty text, for
the filters to drop with a reason.
The Beam graph is transforms/steps/line_dedupe.py.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from transforms.normalize import collapse_whitespace
from transforms.records import text_key

MIN_LINE_CHARS = 10


def line_keys(text: str, min_line_chars: int = MIN_LINE_CHARS) -> set[bytes]:
    """The distinct keys of the lines that take part: stripped, at least min_line_chars long."""
    return {
        text_key(line) for line in map(str.strip, text.split("\n")) if len(line) >= min_line_chars
    }


def line_records(
    doc: dict[str, Any], min_line_chars: int = MIN_LINE_CHARS
) -> Iterator[tuple[bytes, tuple[bytes, str]]]:
    """(line key, (text key, id)) for each distinct line of the document that takes part."""
    own = (text_key(doc["text"]), doc["id"])
    for key in line_keys(doc["text"], min_line_chars):
        yield key, own


def remove_lines(
    text: str, keys: set[bytes], min_line_chars: int = MIN_LINE_CHARS
) -> tuple[str, int]:
    """The text without the lines whose key is in ``keys``, and how many lines went."""
    kept = []
    removed = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if len(stripped) >= min_line_chars and text_key(stripped) in keys:
            removed += 1
        else:
            kept.append(line)
    if not removed:
        return text, 0
    return collapse_whitespace("\n".join(kept)), removed


def removals_for_line(
    key_and_entries: tuple[bytes, Iterable[tuple[bytes, str]]], min_docs: int
) -> Iterator[tuple[str, bytes]]:
    """(id, line key) for every document whose text differs from the keeper's, when the line is
    in more than ``min_docs`` distinct texts. Entries are (text key, id) of each document."""
    key, entries = key_and_entries
    texts: set[bytes] = set()  # stops growing past min_docs + 1: enough to decide
    keeper, keeper_text = None, None
    for text, doc_id in entries:
        if len(texts) <= min_docs:
            texts.add(text)
        if keeper is None or doc_id < keeper:
            keeper, keeper_text = doc_id, text
    if len(texts) > min_docs:
        for text, doc_id in entries:
            if text != keeper_text:
                yield doc_id, key
