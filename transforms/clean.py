"""Per-document cleaning functions of ``prepare``: normalise, filter, mask rejected text."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from transforms.boilerplate import strip_boilerplate_lines
from transforms.filters.base import Drop, FilterConfig, first_failing_filter
from transforms.filters.signals import measure_signals
from transforms.filters.text_view import TextView
from transforms.normalize import html_to_text, looks_like_html, normalize_text
from transforms.pii import scrub_pii
from transforms.records import language_columns


def clean_text(doc: dict[str, Any], reduce_repeats: bool = False) -> dict[str, Any]:
    """The document with markup turned into text, normalised, boilerplate lines removed."""
    text = doc["text"]
    if looks_like_html(text):
        text = html_to_text(text)
    text, _ = strip_boilerplate_lines(normalize_text(text, reduce_repeats=reduce_repeats))
    return dict(doc, text=text)


def filter_document(
    doc: dict[str, Any], config: FilterConfig, language_id: bool = True
) -> dict[str, Any] | Drop:
    """The document with its language and quality signals, or the first quality filter it fails
    (with the language and signals too: they are kept for rejected documents as well).

    Every signal is measured, whichever rule decides; the rules then read the measures from the
    view's caches (transforms/filters/signals.py). Without ``language_id`` the language columns
    stay null, and ``config`` must not hold a Korean-share threshold (it would need CLD2)."""
    view = TextView(doc["text"])
    signals = measure_signals(view)
    drop = first_failing_filter(view, config)
    language = view.language if language_id else None
    if drop is not None:
        return dataclasses.replace(drop, language=language, signals=signals)
    return dict(doc, **language_columns(language), **signals)


def scrub_rejected(row: dict[str, Any], tokens: Mapping[str, str]) -> dict[str, Any]:
    """Rejected text is a dataset artefact too: it leaves the pipeline with PII masked, and so
    does its detail (decontamination quotes the matched span of the document there)."""
    masked = {
        field: scrub_pii(row[field], tokens) for field in ("text", "detail") if row.get(field)
    }
    return dict(row, **masked) if masked else row
