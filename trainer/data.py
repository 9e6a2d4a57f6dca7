"""Training windows from kprep shards: pack, shuffle, blend, resume.

A data dir is a kprep output dir holding ``shards/manifest.json`` (or the shards dir itself).
One split of one dir is its shards' documents back to back, in manifest order (:class:`Documents`);
a dir tokenized with ``--mix-by`` has one such stream per group in its train split, which the
blend draws from by the group weights in the manifest.
:class:`PackedDataset` cuts them into windows of ``seq_len + 1`` tokens the way GPT-NeoX's
GPT2Dataset does, and :class:`Blend` draws windows from several dirs by weight. The only state is
how many windows were drawn from each dir, so a checkpoint stores a few integers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from transforms.layout import read_manifest, shards_dir
from transforms.megatron import IndexedDataset, ShardFormatError
from transforms.mixing import stream_shares


def tokenizer_info(data_dirs: list[str | Path]) -> dict[str, Any]:
    """The tokenizer entry shared by every dir's manifest; refuses to mix tokenizers."""
    infos = [read_manifest(d)["tokenizer"] for d in data_dirs]
    for data_dir, info in zip(data_dirs[1:], infos[1:], strict=True):
        if info.get("sha256") != infos[0].get("sha256"):
            raise ValueError(
                f"{data_dir} was tokenized with a different tokenizer than "
                f"{data_dirs[0]} (sha256 {info.get('sha256')} != "
                f"{infos[0].get('sha256')}); their token ids cannot be mixed"
            )
    return infos[0]


class Documents:
    """The documents of one split of one shards dir, back to back in manifest order; with
    ``group``, only that group's shards (``--mix-by``), else only those of no group."""

    def __init__(self, data_dir: str | Path, split: str, group: str | None = None):
        root = shards_dir(data_dir)
        manifest = read_manifest(root)
        self.name = f"{root}:{split}" + (f":{group}" if group is not None else "")
        self.shards = []
        for entry in manifest["shards"]:
            if entry["split"] != split or entry.get("group") != group:
                continue
            shard = IndexedDataset(root / entry["name"])
            if len(shard) != entry["documents"]:
                raise ShardFormatError(
                    f"{shard.prefix}: {len(shard)} documents, manifest says {entry['documents']}"
                )
            self.shards.append(shard)
        sizes = [s.sizes for s in self.shards]
        self.sizes = np.concatenate(sizes).astype(np.int64) if sizes else np.zeros(0, np.int64)
        self._first = np.cumsum([0] + [len(s) for s in self.shards])  # first doc of each shard

    def __len__(self) -> int:
        return len(self.sizes)

    def __getitem__(self, i: int) -> np.ndarray:
        shard = int(np.searchsorted(self._first, i, side="right")) - 1
        return self.shards[shard][i - int(self._first[shard])]


class PackedDataset:
    """Windows of ``seq_len + 1`` tokens packed across document ends, like GPT-NeoX's GPT2Dataset.

    Epoch ``e`` shuffles the documents with ``RandomState(seed + e)``, lays them back to back and
    starts a window every ``seq_len`` tokens, so a window's last token is the next one's first
    (inputs ``w[:-1]``, targets ``w[1:]``). The same generator then shuffles the windows. Epoch 0
    is exactly GPT-NeoX's order for a run of at most one epoch with the same seed; the tokens left
    after an epoch's last whole window are dropped. Index ``i`` runs on through the epochs.
    """

    def __init__(self, docs: Documents, seq_len: int, seed: int):
        self.docs, self.seq_len, self.seed = docs, seq_len, seed
        tokens = int(docs.sizes.sum())
        self.samples_per_epoch = max(tokens - 1, 0) // seq_len
        if self.samples_per_epoch == 0:
            raise ValueError(
                f"{docs.name}: {tokens} tokens, fewer than one window of {seq_len + 1}"
            )
        self._epoch = -1

    def _load_epoch(self, epoch: int) -> None:
        rng = np.random.RandomState(self.seed + epoch)
        self._order = np.arange(len(self.docs), dtype=np.int64)
        rng.shuffle(self._order)
        self._ends = np.cumsum(self.docs.sizes[self._order])  # stream offset after each doc
        self._windows = np.arange(self.samples_per_epoch, dtype=np.int64)
        rng.shuffle(self._windows)
        self._epoch = epoch

    def __getitem__(self, i: int) -> np.ndarray:
        epoch, j = divmod(i, self.samples_per_epoch)
        if epoch != self._epoch:
            self._load_epoch(epoch)
        start = int(self._windows[j]) * self.seq_len
        stop = start + self.seq_len + 1
        first = int(np.searchsorted(self._ends, start, side="right"))
        last = int(np.searchsorted(self._ends, stop - 1, side="right"))
        parts = []
        for k in range(first, last + 1):
            doc_start = int(self._ends[k]) - int(self.docs.sizes[self._order[k]])
            doc = self.docs[int(self._order[k])]
            parts.append(doc[max(start - doc_start, 0) : stop - doc_start])
        return np.concatenate(parts).astype(np.int64)


class Blend:
    """Windows from several datasets in proportion to their weights, in a fixed order.

    Window ``n`` comes from the dataset furthest behind its share, ``argmax(w * max(n, 1) -
    drawn)`` (GPT-NeoX's blending rule), and is that dataset's next window.
    """

    def __init__(self, datasets: list[PackedDataset], weights: list[float]):
        if len(datasets) != len(weights) or not datasets:
            raise ValueError(f"{len(datasets)} datasets but {len(weights)} weights")
        total = float(sum(weights))
        if total <= 0:
            raise ValueError(f"weights {weights} sum to {total}")
        self.datasets = datasets
        self.weights = np.asarray(weights, dtype=np.float64) / total
        self.drawn = np.zeros(len(datasets), dtype=np.int64)

    def next_indices(self, n: int) -> list[tuple[int, int]]:
        """The (dataset, window) pairs of the next ``n`` windows; advances the position."""
        pairs = []
        for _ in range(n):
            position = max(int(self.drawn.sum()), 1)
            d = int(np.argmax(self.weights * position - self.drawn))
            pairs.append((d, int(self.drawn[d])))
            self.drawn[d] += 1
        return pairs

    def read(self, pairs: list[tuple[int, int]]) -> np.ndarray:
        return np.stack([self.datasets[d][i] for d, i in pairs])

    def state_dict(self) -> dict[str, list[int]]:
        return {"drawn": [int(x) for x in self.drawn]}

    def load_state_dict(self, state: dict[str, list[int]]) -> None:
        if len(state["drawn"]) != len(self.datasets):
            raise ValueError(
                f"data position has {len(state['drawn'])} datasets, this run has "
                f"{len(self.datasets)}"
            )
        self.drawn = np.asarray(state["drawn"], dtype=np.int64)


def build_blend(
    data_dirs: list[str | Path],
    split: str,
    seq_len: int,
    seed: int,
    weights: list[float] | None = None,
) -> Blend | None:
    """The blend of one split over ``data_dirs``.

    A dir's weight is shared among its streams: one, or one per group of a dir tokenized with
    ``--mix-by``, each by its tokens times its group's weight in the manifest (the shares
    neox_data.yml gives GPT-NeoX). A dir without that split is left out of valid and test
    blends (tiny corpora may have no valid shards) and is an error for train. None when no dir
    has the split.
    """
    weights = weights if weights is not None else [1.0] * len(data_dirs)
    if len(weights) != len(data_dirs):
        raise ValueError(f"{len(weights)} data weights for {len(data_dirs)} data dirs")
    datasets, kept = [], []
    for data_dir, weight in zip(data_dirs, weights, strict=True):
        streams = stream_shares(read_manifest(shards_dir(data_dir)), split)
        if not streams:
            if split == "train":
                raise ValueError(f"{shards_dir(data_dir)}: no train shards")
            continue
        for group, share in streams:
            docs = Documents(data_dir, split, group)
            if len(docs) == 0:
                continue
            datasets.append(PackedDataset(docs, seq_len, seed))
            kept.append(weight * share)
    return Blend(datasets, kept) if datasets else None
