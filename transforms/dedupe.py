"""Deduplication's pure core: the config, keeper ranks, bucket links and group verdicts.

The Beam graph that moves these records is transforms/steps/dedupe.py; docs/dedupe.md explains
both. A node ``(rank, rank, id)`` orders documents by the keeper policy: the smallest node of a
cluster is its keeper.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from transforms.config_flags import option
from transforms.filters.signals import signals_of
from transforms.minhash import (
    SHINGLE_KINDS,
    detection_probability,
    detection_probability_with_check,
)
from transforms.records import Rejection, language_of, stable_hash

KEEPERS = ("smallest_id", "longest", "highest_quality")
_UNSCORED = 1 << 62  # rank of a document without a quality score: after every scored one
_SCORE_SCALE = 1_000_000  # quality scores compare at 1e-6 resolution
_SCORE_LIMIT = 1e12

Node = tuple[int, int, str]  # (primary rank, secondary rank, id): the smallest is kept
# (text keeper id, cluster keeper id, cluster size): the decision for one text group
Verdict = tuple[str, str, int]


@dataclass(frozen=True)
class DedupeConfig:
    """The ``[dedupe]`` section of kprep's config."""

    exact: bool = option(
        True, flag=False, help="drop documents whose normalised text is identical to another's"
    )
    near: bool = option(True, flag=False, help="drop near duplicates found by MinHash LSH")
    shingle: str = option(
        "char",
        flag=False,
        choices=SHINGLE_KINDS,
        help="char (spaces removed), word (eojeol) or morpheme (Kiwi) n-grams",
    )
    ngram: int = option(5, flag=False, help="tokens per shingle")
    bands: int = option(20, help="LSH bands; bands x rows MinHash values per document")
    rows: int = option(5, help="rows (hash values) per band")
    check_candidates: bool = option(
        True, flag=False, help="drop candidate pairs whose estimated Jaccard < min_jaccard"
    )
    min_jaccard: float = option(0.75, help="estimated Jaccard a candidate link needs (if checked)")
    keeper: str = option(
        "longest",
        flag=False,
        choices=KEEPERS,
        help="smallest_id, longest or highest_quality; ties go to the smallest id",
    )
    max_bucket_size: int = option(
        1000, flag=False, help="larger LSH buckets are linked in chunks of this size"
    )
    max_rounds: int = option(
        16, flag=False, help="connected-components rounds before the run fails as unconverged"
    )
    seed: int = option(
        42, flag=False, help="picks the MinHash functions; change it and every signature changes"
    )

    def __post_init__(self):
        if self.shingle not in SHINGLE_KINDS:
            raise ValueError(f"dedupe.shingle must be one of {SHINGLE_KINDS}, got {self.shingle!r}")
        if self.keeper not in KEEPERS:
            raise ValueError(f"dedupe.keeper must be one of {KEEPERS}, got {self.keeper!r}")
        for name in ("ngram", "bands", "rows", "max_bucket_size", "max_rounds"):
            if getattr(self, name) < 1:
                raise ValueError(f"dedupe.{name} must be at least 1, got {getattr(self, name)}")
        if not 0.0 < self.min_jaccard <= 1.0:
            raise ValueError(f"dedupe.min_jaccard must be in (0, 1], got {self.min_jaccard}")

    @property
    def num_hashes(self) -> int:
        return self.bands * self.rows


# ---------------------------------------------------------------------------------------------
# Pure core


def own_key(doc_id: str) -> bytes:
    """A text key unique to one document: every document its own group when exact is off."""
    return hashlib.blake2b(b"id\x00" + doc_id.encode("utf-8"), digest_size=16).digest()


def quality_score(doc: dict[str, Any]) -> float | None:
    """The document's ``quality_score`` field, or the same key in its metadata JSON."""
    score = doc.get("quality_score")
    if score is None:
        try:
            score = json.loads(doc.get("metadata") or "{}").get("quality_score")
        except (json.JSONDecodeError, AttributeError):
            return None
    if isinstance(score, bool) or not isinstance(score, int | float) or math.isnan(score):
        return None
    return float(score)


def keeper_rank(doc: dict[str, Any], keeper: str) -> Node:
    """The document's node: its order among copies is the keeper policy, ties by smallest id.

    ``longest``: most characters first. ``highest_quality``: highest ``quality_score`` first
    (documents without one after all scored ones), then longest.
    """
    doc_id, length = doc["id"], len(doc["text"])
    if keeper == "smallest_id":
        return 0, 0, doc_id
    if keeper == "longest":
        return -length, 0, doc_id
    if keeper == "highest_quality":
        score = quality_score(doc)
        if score is None:
            return _UNSCORED, -length, doc_id
        clamped = max(-_SCORE_LIMIT, min(_SCORE_LIMIT, score))
        return -round(clamped * _SCORE_SCALE), -length, doc_id
    raise ValueError(f"unknown keeper policy {keeper!r}; expected one of {KEEPERS}")


def merge_groups(a: tuple | None, b: tuple | None) -> tuple | None:
    """Two partial text groups ``(node, size, bands, sketch)`` as one: the smaller node leads."""
    if a is None or b is None:
        return a if b is None else b
    lead = a if a[0] <= b[0] else b
    return lead[0], a[1] + b[1], lead[2], lead[3]


def bucket_links(members: Iterable[Node], size: int, max_bucket_size: int) -> Iterator[tuple]:
    """Candidate links (member, anchor) of one LSH bucket of ``size`` members.

    Every member links to the bucket's smallest node. A bucket over ``max_bucket_size`` is cut
    into chunks by a stable hash of the id: members link to their chunk's smallest node, which
    links to the bucket's smallest, so no node collects more than about ``max_bucket_size``
    links from one bucket. ``members`` is read two or three times, never stored.
    """
    if size < 2:
        return
    smallest = min(members)
    if size <= max_bucket_size:
        yield from ((node, smallest) for node in members if node != smallest)
        return
    chunks = math.ceil(size / max_bucket_size)
    anchors: dict[int, Node] = {}  # one per chunk: size / max_bucket_size entries
    for node in members:
        chunk = stable_hash(node[2]) % chunks
        if chunk not in anchors or node < anchors[chunk]:
            anchors[chunk] = node
    for node in members:
        anchor = anchors[stable_hash(node[2]) % chunks]
        if node != anchor:
            yield node, anchor
    yield from ((anchor, smallest) for anchor in anchors.values() if anchor != smallest)


def resolve_group(
    items: Iterable[tuple[str, Any]], load: Callable[[Any], dict[str, Any]] = lambda doc: doc
) -> Iterator[dict[str, Any] | Rejection]:
    """Every document of one text group: kept with its ``cluster_size``, or a rejection
    (``exact`` or ``near``) naming its cluster's keeper as ``duplicate_of``.

    ``items`` holds ("doc", document) for each copy of the text and exactly one
    ("verdict", (text keeper id, cluster keeper id, cluster size)). Read twice, never stored;
    ``load`` turns a "doc" value into the document (when it is a reference to one).
    """
    verdicts = [value for tag, value in items if tag == "verdict"]
    if len(verdicts) != 1:
        raise RuntimeError(f"dedupe: a text group has {len(verdicts)} verdicts instead of 1")
    text_keeper, keeper, size = verdicts[0]
    for tag, value in items:
        if tag != "doc":
            continue
        doc = load(value)
        measured = {"language": language_of(doc), "signals": signals_of(doc)}
        if doc["id"] != text_keeper:
            detail = f"same text as {text_keeper}"
            yield Rejection(doc["id"], "exact", detail, doc["text"], keeper, **measured)
        elif keeper != text_keeper:
            detail = f"near-duplicate cluster kept as {keeper}"
            yield Rejection(doc["id"], "near", detail, doc["text"], keeper, **measured)
        else:
            yield dict(doc, cluster_size=size)


def describe_params(config: DedupeConfig) -> str:
    """A printable account of the near-dedupe setting: hashes, threshold, P(detect) by Jaccard."""
    b, r = config.bands, config.rows
    check = config.check_candidates and config.near
    lines = [
        f"shingles: {config.shingle} {config.ngram}-grams; MinHash: {b} bands x {r} rows = "
        f"{config.num_hashes} hashes (seed {config.seed})",
        f"LSH threshold (1/bands)^(1/rows) = {(1 / b) ** (1 / r):.3f}; candidate check: "
        + (f"estimated Jaccard >= {config.min_jaccard}" if check else "off"),
        f"keeper: {config.keeper}; exact dedupe: {'on' if config.exact else 'off'}; "
        f"near dedupe: {'on' if config.near else 'off'}",
        "",
        "Jaccard  P(candidate)  P(detect)",
    ]
    for step in range(6, 21):
        jaccard = step / 20
        lsh = detection_probability(jaccard, b, r)
        final = lsh
        if check:
            final = detection_probability_with_check(jaccard, b, r, config.min_jaccard)
        bar = "#" * round(final * 40)
        lines.append(f"  {jaccard:4.2f}    {lsh:10.4f}  {final:9.4f}  {bar}".rstrip())
    lines += [
        "",
        "P(candidate): the pair shares a band; P(detect): it also passes the check (if on).",
        "Both assume that signature positions agree independently with probability J.",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Beam shell
