"""Data mixing for ``kprep tokenize``: train shards per group, group weights, cluster upsampling.

Pure functions; transforms/steps/shards.py applies them and transforms/layout.py writes what
they compute into manifest.json and neox_data.yml.

- A document's *group* is its ``source`` column, another clean column, or a field of its
  metadata JSON (``--mix-by NAME``); a document without it goes to a default group, counted.
- With ``--mix-by`` each group's train documents go to shards of their own
  (``train-<group>_NNNNN``); valid and test stay one common stream, byte-identical to the
  unmixed run's, so every recipe is evaluated on the same tokens.
- A group's *weight* (``--source-weights name=w``) multiplies how often its train tokens are
  drawn: GPT-NeoX's ``train_data_weights`` and the bundled trainer's blend give each group a
  share proportional to ``weight x tokens written``. Weights never touch valid or test.
- ``--upsample-by-cluster "1:1,2-10:2,11-100:3,101+:1"`` writes a train document that many
  times, by the size of the duplicate cluster it kept (FineWeb-2's rehydration): the copies are
  physically in the shards, each at its own seeded place.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

SOURCE = "source"  # the clean column; any other --mix-by names a metadata field
SPLITS = ("train", "valid", "test")
TALLY_FIELDS = ("documents", "tokens", "documents_written", "tokens_written", "missing")


class MixingError(ValueError):
    """A mixing option kprep cannot use; the message says which and what would work."""


# ----------------------------------------------------------------------------- options


def parse_weights(items: Iterable[str]) -> dict[str, float]:
    """``["news=0.5", "wiki=2"]`` -> ``{"news": 0.5, "wiki": 2.0}``; a weight is >= 0."""
    weights: dict[str, float] = {}
    for item in items:
        name, sep, value = item.rpartition("=")
        if not sep or not name:
            raise MixingError(f"source weight {item!r}: write it as NAME=WEIGHT, e.g. news=0.5")
        try:
            weight = float(value)
        except ValueError:
            raise MixingError(f"source weight {item!r}: {value!r} is not a number") from None
        if not math.isfinite(weight) or weight < 0:
            raise MixingError(f"source weight {item!r}: a weight is a finite number >= 0")
        if name in weights:
            raise MixingError(f"source weight for {name!r} given twice")
        weights[name] = weight
    return weights


_BUCKET = re.compile(r"^\s*(\d+)\s*(?:(-)\s*(\d+)|(\+))?\s*:\s*(\d+)\s*$")


def parse_schedule(text: str) -> list[tuple[int, int | None, int]]:
    """``"1:1,2-10:2,11-100:3,101+:1"`` -> ``[(1, 1, 1), (2, 10, 2), (11, 100, 3), (101, None,
    1)]``: (smallest cluster size, largest or None for no limit, times written).

    The buckets must cover every cluster size from 1 up, in order, without overlap, the last one
    open (``N+``); each writes a document a whole number of times, at least once.
    """
    buckets: list[tuple[int, int | None, int]] = []
    example = 'e.g. "1:1,2-10:2,11-100:3,101+:1"'
    for item in text.split(","):
        match = _BUCKET.match(item)
        if not match:
            raise MixingError(
                f"upsample schedule: {item.strip()!r} is not SIZE:N, LOW-HIGH:N or LOW+:N "
                f"(cluster sizes and whole repeat counts; {example})"
            )
        low, dash, high, plus, times = match.groups()
        low, times = int(low), int(times)
        high = None if plus else int(high) if dash else low
        if high is not None and high < low:
            raise MixingError(f"upsample schedule: {item.strip()!r} ends before it starts")
        if times < 1:
            raise MixingError(
                f"upsample schedule: {item.strip()!r} writes a document {times} times; at least "
                "1 (filters drop documents, the schedule only repeats them)"
            )
        expected = 1 if not buckets else (buckets[-1][1] or 0) + 1
        if buckets and buckets[-1][1] is None:
            raise MixingError(f"upsample schedule: {item.strip()!r} comes after an open bucket")
        if low != expected:
            what = "overlaps the bucket before" if low < expected else "leaves a gap before it"
            raise MixingError(
                f"upsample schedule: {item.strip()!r} {what}; buckets go in order from "
                f"cluster size 1 with no gap ({example})"
            )
        buckets.append((low, high, times))
    if buckets[-1][1] is not None:
        raise MixingError(
            f"upsample schedule: cluster sizes above {buckets[-1][1]} have no bucket; end with "
            f"an open one such as {buckets[-1][1] + 1}+:1 ({example})"
        )
    return buckets


def schedule_text(schedule: list[tuple[int, int | None, int]]) -> str:
    """The schedule written back in its canonical form."""
    parts = []
    for low, high, times in schedule:
        size = f"{low}+" if high is None else str(low) if high == low else f"{low}-{high}"
        parts.append(f"{size}:{times}")
    return ",".join(parts)


def repeats_for(cluster_size: int | None, schedule: list[tuple[int, int | None, int]]) -> int:
    """How many times a train document of this duplicate-cluster size is written."""
    size = max(int(cluster_size or 1), 1)
    for low, high, times in schedule:
        if low <= size and (high is None or size <= high):
            return times
    return 1  # unreachable for a schedule parse_schedule accepted


# ----------------------------------------------------------------------------- groups


def group_of(row: Mapping[str, Any], by: str, default: str) -> tuple[str, bool]:
    """(group, whether the field was missing) of one clean row: ``by`` names a clean column
    (``source``, ``lang``, ...) when the row has it, else a field of its ``metadata`` JSON."""
    if by in row:
        value = row[by]
    else:
        try:
            value = json.loads(row.get("metadata") or "{}").get(by)
        except (ValueError, AttributeError):
            value = None
    if value is None or value == "":
        return default, True
    return (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)), False


def group_column(by: str, columns: Iterable[str]) -> str | None:
    """The clean column to read for ``by``: itself when clean/ has it, else ``metadata``."""
    names = set(columns)
    if by in names and by not in ("id", "text"):
        return by
    return "metadata" if "metadata" in names else None


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def file_name(group: str) -> str:
    """A file-name-safe, unique form of a group name: itself when it is plain ASCII letters,
    digits, ``_``, ``.``, ``-``; otherwise a slug plus 8 hex digits of its sha256."""
    slug = _UNSAFE.sub("_", group)[:48].strip("._") or "group"
    if slug == group:
        return group
    return f"{slug}-{hashlib.sha256(group.encode('utf-8')).hexdigest()[:8]}"


def shard_prefix(split: str, group: str | None) -> str:
    """The shard name before ``_NNNNN``: the split, or ``train-<group>`` for a group's shards."""
    return split if group is None else f"{split}-{file_name(group)}"


# ----------------------------------------------------------------------------- manifest


def add_tallies(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def sources_section(
    tallies: Iterable[tuple[tuple[str, str], tuple[int, ...]]],
    by: str,
    mixed: bool,
    weights: Mapping[str, float],
    default_group: str,
    schedule: list[tuple[int, int | None, int]] | None,
) -> dict[str, Any]:
    """The manifest's ``sources``: per group its weight and, per split, documents and tokens
    before upsampling, written (after it), and effective (written x weight; valid and test are
    never weighted). ``tallies`` are ((split, group), TALLY_FIELDS) sums."""
    per_group: dict[str, dict[str, tuple[int, ...]]] = {}
    for (split, group), values in tallies:
        splits = per_group.setdefault(group, {})
        splits[split] = add_tallies(splits.get(split, (0,) * len(TALLY_FIELDS)), tuple(values))
    check_weights(weights, per_group)
    groups: dict[str, Any] = {}
    missing = 0
    for name in sorted(per_group):
        weight = float(weights.get(name, 1.0))
        entry: dict[str, Any] = {"weight": weight}
        if mixed:
            entry["shards"] = shard_prefix("train", name)
        for split in SPLITS:
            docs, tokens, docs_written, tokens_written, lacking = per_group[name].get(
                split, (0,) * len(TALLY_FIELDS)
            )
            missing += lacking
            effective = tokens_written * weight if split == "train" else tokens_written
            entry[split] = {
                "documents": docs,
                "tokens": tokens,
                "documents_written": docs_written,
                "tokens_written": tokens_written,
                "effective_tokens": _number(effective),
            }
        groups[name] = entry
    total = sum(g["train"]["effective_tokens"] for g in groups.values())
    for entry in groups.values():
        share = entry["train"]["effective_tokens"] / total if total else 0.0
        entry["train"]["share"] = round(share, 8)
    return {
        "by": by,
        "mixed": mixed,
        "default_group": default_group if by != SOURCE else None,
        "missing": missing,
        "upsample_by_cluster": schedule_text(schedule) if schedule else None,
        "groups": groups,
    }


def _number(value: float) -> int | float:
    """An int when the value is whole (weights are often 1, 2, 0.5), else 3 decimals."""
    return int(value) if float(value).is_integer() else round(value, 3)


def check_weights(weights: Mapping[str, float], groups: Iterable[str]) -> None:
    """Raises when a weight names a group the data does not have."""
    known = sorted(groups)
    unknown = sorted(set(weights) - set(known))
    if unknown:
        shown = ", ".join(known[:50]) + (f", ... ({len(known)} in all)" if len(known) > 50 else "")
        raise MixingError(
            f"--source-weights names {', '.join(map(repr, unknown))}, which no document has; "
            f"the groups are: {shown}"
        )


def group_weight(manifest: Mapping[str, Any], group: str | None) -> float:
    """The weight of a shard's group (1.0 for the common stream and for older manifests)."""
    if group is None:
        return 1.0
    return float(manifest.get("sources", {}).get("groups", {}).get(group, {}).get("weight", 1.0))


def stream_shares(manifest: Mapping[str, Any], split: str) -> list[tuple[str | None, float]]:
    """(group or None, share) of each stream of a split: a group's share is its tokens written
    times its weight over the split's total, so the shares sum to 1. One stream (None, 1.0)
    when the split has no per-group shards."""
    effective: dict[str | None, float] = {}
    for shard in manifest["shards"]:
        if shard["split"] == split:
            group = shard.get("group")
            weight = group_weight(manifest, group)
            effective[group] = effective.get(group, 0.0) + shard["tokens"] * weight
    total = sum(effective.values())
    order = sorted(effective, key=lambda g: (g is not None, g or ""))
    return [(g, effective[g] / total if total else 0.0) for g in order]
