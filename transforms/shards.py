"""Which split, shard and position a tokenized document gets: pure functions of its id and seed.

Each document goes to train/valid/test by a hash of its id, to one of its split's shards by a
seeded hash, and sits in the shard in seeded-hash order, so GPT-NeoX reads shuffled data and the
bytes are the same on every runner and worker count. transforms/steps/shards.py applies them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from transforms.records import stable_hash

SPLITS = ("train", "valid", "test")
ENCODE_BATCH = 512


def split_of(doc_id: str, valid_fraction: float, test_fraction: float) -> str:
    """train, valid or test, by a hash of the id alone (stable when the seed changes)."""
    position = stable_hash("split", doc_id) / 2**64
    if position < valid_fraction:
        return "valid"
    if position < valid_fraction + test_fraction:
        return "test"
    return "train"


def shuffled_order(
    docs: Iterable[tuple[int, str, Any]], tokens_of: Callable[[Any], Any] = lambda tokens: tokens
) -> list[tuple[int, str, Any]]:
    """(order, id, tokens) sorted by order hash and id; documents that share both (repeated
    ids) by their tokens, so the order never depends on arrival. ``tokens_of`` reads tokens
    that are stored elsewhere (spill references) for that comparison."""
    ordered = sorted(docs, key=lambda doc: doc[:2])
    start = 0
    for end in range(1, len(ordered) + 1):
        if end == len(ordered) or ordered[end][:2] != ordered[start][:2]:
            if end - start > 1:
                tied = [(*doc[:2], tokens_of(doc[2])) for doc in ordered[start:end]]
                ordered[start:end] = sorted(tied)
            start = end
    return ordered
