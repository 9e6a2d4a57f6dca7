"""The two row shapes every input record ends in: a clean document or a rejected row.

A document travels through the pipeline as a plain dict with the clean columns below; a record
that leaves the pipeline early becomes a rejected dict naming the stage and the reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from transforms.filters.signals import SIGNAL_FIELDS, signal_columns
from transforms.langid import Language
from transforms.pii import PII_KINDS

STAGES = ("read", "filter", "decontaminate", "dedupe", "tokenize", "select")  # rejecting stages

# One field per PII kind, in the registry's row order (transforms/pii.py).
PII_COUNTS_TYPE = pa.struct([(kind, pa.int32()) for kind in PII_KINDS])

# Language ID (transforms/langid.py) of every document that reached the filters, clean or
# rejected, so a user can re-select by it; null for records rejected before (read). The
# shares are float64, the values the korean_share rule compared (see SIGNAL_FIELDS).
LANGUAGE_FIELDS = [
    ("lang", pa.string()),  # CLD2's top language code; "un": unknown
    ("lang_score", pa.float64()),  # its share of the text
    ("korean_share", pa.float64()),  # the share CLD2 reads as Korean
]
# SIGNAL_FIELDS (transforms/filters/signals.py): every value the filters measured, on the same
# rows as the language fields, so `kprep select` can re-select clean/ by any of them.

CLEAN_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("source", pa.string()),
        ("metadata", pa.string()),  # the input record's other fields, as JSON
        ("pii_counts", PII_COUNTS_TYPE),
        ("cluster_size", pa.int64()),  # documents in this keeper's duplicate cluster (1 if unique)
        *LANGUAGE_FIELDS,
        *SIGNAL_FIELDS,
    ]
)

REJECTED_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("stage", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("duplicate_of", pa.string()),
        ("text", pa.string()),
        *LANGUAGE_FIELDS,
        *SIGNAL_FIELDS,
    ]
)


@dataclass(frozen=True)
class Drop:
    """A step's verdict that a document leaves the pipeline: why, and the measured value."""

    reason: str
    detail: str = ""
    language: Language | None = None
    signals: dict[str, Any] | None = None  # the filters' measures (transforms/filters/signals.py)


@dataclass(frozen=True)
class Rejection:
    """A record that leaves the pipeline, as named by a step that makes or regroups records (read,
    dedupe), where no input document stands for it: the rejected row less its stage, which the
    step adds when it writes the row (transforms/steps/stage.py)."""

    id: str
    reason: str
    detail: str = ""
    text: str = ""
    duplicate_of: str | None = None
    language: Language | None = None
    signals: dict[str, Any] | None = None


def check_stage(stage: str) -> str:
    """``stage``, if it is one of :data:`STAGES`."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of {STAGES}")
    return stage


def make_document(doc_id: str, text: str, source: str, metadata: str = "{}") -> dict[str, Any]:
    return {
        "id": doc_id,
        "text": text,
        "source": source,
        "metadata": metadata,
        "pii_counts": dict.fromkeys(PII_KINDS, 0),
        "cluster_size": 1,
        **language_columns(None),
        **signal_columns(None),
    }


def make_rejected(
    doc_id: str,
    stage: str,
    reason: str,
    detail: str = "",
    text: str = "",
    duplicate_of: str | None = None,
    language: Language | None = None,
    signals: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": doc_id,
        "stage": check_stage(stage),
        "reason": reason,
        "detail": detail,
        "duplicate_of": duplicate_of,
        "text": text,
        **language_columns(language),
        **signal_columns(signals),
    }


def language_columns(language: Language | None) -> dict[str, Any]:
    """The language fields of a row (all None without a language)."""
    if language is None:
        return dict.fromkeys(name for name, _ in LANGUAGE_FIELDS)
    return {
        "lang": language.code,
        "lang_score": language.score,
        "korean_share": language.korean_share,
    }


def language_of(doc: dict[str, Any]) -> Language | None:
    """The language a document was given by the filter step, if it got there."""
    if doc.get("lang") is None:
        return None
    return Language(doc["lang"], doc["lang_score"], doc["korean_share"])


def stable_hash(*parts: str | bytes) -> int:
    """A 64-bit hash that is the same in every process and on every machine (unlike hash())."""
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        digest.update(part.encode("utf-8") if isinstance(part, str) else part)
        digest.update(b"\x00")
    return int.from_bytes(digest.digest(), "little")


def text_key(text: str) -> bytes:
    """The exact-dedupe key of an already-normalised text: 128 bits, so no two texts collide."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
