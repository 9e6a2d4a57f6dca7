"""Held-out loss and perplexity of a Hugging Face causal LM on a kprep run's shards.

The split's documents are read in manifest order and laid back to back, EOD tokens included,
exactly as the trainer sees them; the stream is cut into consecutive windows of ``seq_len + 1``
tokens that overlap by one (a window's last token is the next one's first), so every token after
the first is predicted once, with at most ``seq_len`` tokens of context. The last, shorter window
is kept, so no token is left out. Loss is the token-weighted mean negative log-likelihood; there
is no sampling and no shuffling, so two models (or two data recipes) evaluated on the same shards
are scored on exactly the same tokens.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from trainer.data import Documents
from transforms.layout import read_manifest, shards_dir

IGNORE = -100  # cross_entropy's ignore_index: the padding after a short last window


class TokenizerMismatch(ValueError):
    """The model's tokenizer is not the one the shards were written with."""


def model_tokenizer_sha256(model_dir: str | Path) -> str | None:
    """sha256 of the model's tokenizer.json (what kprep's manifests record), if it has one."""
    path = Path(model_dir) / "tokenizer.json"
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def check_same_tokenizer(model_dir: str | Path, data_dir: str | Path) -> None:
    """Refuse shards whose token ids mean something else to the model."""
    recorded = read_manifest(shards_dir(data_dir))["tokenizer"].get("sha256")
    own = model_tokenizer_sha256(model_dir)
    if own is None:
        raise TokenizerMismatch(
            f"{model_dir} has no tokenizer.json, so kprep cannot tell whether the token ids in "
            f"{data_dir} mean the same to it; export the model with its tokenizer"
        )
    if recorded != own:
        raise TokenizerMismatch(
            f"{data_dir} was tokenized with another tokenizer (sha256 {recorded}) than "
            f"{model_dir} uses ({own}); perplexities over different token ids do not compare. "
            "Tokenize that run's clean/ with the model's tokenizer first (`kprep tokenize "
            f"--tokenizer {model_dir}`)"
        )


def token_stream(docs: Documents) -> Iterator[np.ndarray]:
    """The split's tokens, shard by shard (each a view of its memory-mapped .bin)."""
    for shard in docs.shards:
        if len(shard):
            yield shard.tokens


def windows(docs: Documents, seq_len: int, max_tokens: int | None = None) -> Iterator[np.ndarray]:
    """Consecutive windows of up to ``seq_len + 1`` tokens overlapping by one; the last may be
    shorter (at least 2 tokens). ``max_tokens`` stops after that many tokens of the stream.

    Windows are cut from each shard's memory map as they are needed (a shard may hold hundreds
    of millions of tokens); only the part of a window that spans two shards is copied."""
    carry = np.zeros(0, dtype=np.int64)  # the stream from the next window's start
    taken = 0
    for tokens in token_stream(docs):
        if max_tokens is not None:
            tokens = tokens[: max(max_tokens - taken, 0)]
        taken += len(tokens)
        start = 0  # the next window's start in ``tokens``, once the carry is used up
        if len(carry):
            need = seq_len + 1 - len(carry)
            if len(tokens) < need:
                carry = np.concatenate([carry, np.asarray(tokens, dtype=np.int64)])
                continue
            yield np.concatenate([carry, np.asarray(tokens[:need], dtype=np.int64)])
            start = need - 1
        while start + seq_len + 1 <= len(tokens):
            yield np.asarray(tokens[start : start + seq_len + 1], dtype=np.int64)
            start += seq_len
        carry = np.asarray(tokens[start:], dtype=np.int64)
        if max_tokens is not None and taken >= max_tokens:
            break
    if len(carry) >= 2:
        yield carry


def _batches(windows_: Iterator[np.ndarray], batch_size: int, seq_len: int):
    """Padded (inputs, targets) int64 arrays of ``batch_size`` windows (fewer at the end)."""
    batch: list[np.ndarray] = []
    for window in windows_:
        batch.append(window)
        if len(batch) == batch_size:
            yield _pad(batch, seq_len)
            batch = []
    if batch:
        yield _pad(batch, seq_len)


def _pad(batch: list[np.ndarray], seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    inputs = np.zeros((len(batch), seq_len), dtype=np.int64)
    targets = np.full((len(batch), seq_len), IGNORE, dtype=np.int64)
    for row, window in enumerate(batch):
        inputs[row, : len(window) - 1] = window[:-1]
        targets[row, : len(window) - 1] = window[1:]
    return inputs, targets


@torch.no_grad()
def split_perplexity(
    model: torch.nn.Module,
    data_dir: str | Path,
    split: str,
    seq_len: int,
    batch_size: int = 8,
    device: str | torch.device = "cpu",
    max_tokens: int | None = None,
) -> dict[str, Any]:
    """Token-weighted loss and perplexity of ``model`` on one split of a shards dir."""
    docs = Documents(data_dir, split)
    model.eval()
    total_nll = 0.0
    predicted = 0
    count = 0
    for inputs, targets in _batches(windows(docs, seq_len, max_tokens), batch_size, seq_len):
        x = torch.from_numpy(inputs).to(device)
        y = torch.from_numpy(targets).to(device)
        logits = model(input_ids=x, use_cache=False).logits.float()
        nll = F.cross_entropy(
            logits.reshape(-1, logits.size(-1)), y.reshape(-1), ignore_index=IGNORE, reduction="sum"
        )
        total_nll += float(nll)
        predicted += int((targets != IGNORE).sum())
        count += len(inputs)
    loss = total_nll / predicted if predicted else None
    return {
        "split": split,
        "documents": len(docs),
        "tokens": int(docs.sizes.sum()),
        "predicted_tokens": predicted,
        "windows": count,
        "seq_len": seq_len,
        "loss": loss,
        "perplexity": math.exp(loss) if loss is not None else None,
    }
