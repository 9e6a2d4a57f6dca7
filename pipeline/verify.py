"""``kprep verify DIR``: re-check a run's outputs from the files alone.

Checks the accounting (every input record in exactly one of clean/ or rejected/; for a run
written by ``kprep select``, also its own: the source's clean rows = selected + refused), that the
tokenizer loads, every shard's header, sizes, pointers, doc_idx, checksums, token range and
end-of-document ids, that a decoded sample of each shard is clean text, and that no PII is
left in it. Exit status 0 only when everything holds.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from transforms.files import read_columns, read_json
from transforms.layout import (
    CONFIG_FILE,
    MANIFEST,
    RunLayout,
    load_stats,
    load_tokenizer,
    tokenizer_json,
)
from transforms.megatron import IndexedDataset, ShardFormatError
from transforms.pii import find_pii
from transforms.records import stable_hash

SAMPLE_PER_SHARD = 64


class Report:
    """Collects check outcomes and prints them as they come."""

    def __init__(self, echo: bool = True):
        self.failures: list[str] = []
        self._echo = echo

    def check(self, ok: bool, what: str, problem: str = "") -> bool:
        if not ok:
            self.failures.append(f"{what}: {problem}" if problem else what)
        if self._echo:
            print(f"  {'ok  ' if ok else 'FAIL'} {what}" + ("" if ok else f": {problem}"))
        return ok


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_accounting(run_dir: str, report: Report) -> dict[str, Any]:
    layout = RunLayout(run_dir)
    clean = read_columns(layout.clean, ["id", "text"])
    rejected = read_columns(layout.rejected, ["id", "stage", "reason"])
    prepare = load_stats(run_dir)["stages"].get("prepare", {})
    prepared_rejects = [
        i for i, s in zip(rejected["id"], rejected["stage"], strict=True) if s != "tokenize"
    ]
    records_in = prepare.get("records_in")
    report.check(records_in is not None, "stats.json has prepare's records_in")
    if records_in is not None:
        total = len(clean["id"]) + len(prepared_rejects)
        report.check(
            total == records_in,
            f"accounting: {records_in} records in = {len(clean['id'])} clean + "
            f"{len(prepared_rejects)} rejected",
            f"{records_in - total} records unaccounted for",
        )
    selected = load_stats(run_dir)["stages"].get("select")
    if selected:  # kprep select wrote this run: its own rows add up too
        refused = sum(
            stage == "select" and reason == selected["where"]
            for stage, reason in zip(rejected["stage"], rejected["reason"], strict=True)
        )
        report.check(
            selected["records_in"] == len(clean["id"]) + refused,
            f"select: {selected['records_in']} clean rows of {selected['source']} = "
            f"{len(clean['id'])} selected + {refused} refused ({selected['where']})",
            f"{selected['records_in'] - len(clean['id']) - refused} rows unaccounted for",
        )
    seen = Counter(clean["id"]) + Counter(prepared_rejects)
    repeated = [doc_id for doc_id, n in seen.items() if n > 1]
    report.check(
        not repeated,
        "every id is in exactly one place",
        f"{len(repeated)} ids repeat, e.g. {repeated[:3]}",
    )
    return {
        "clean_text_hashes": {stable_hash(text) for text in clean["text"]},
        "clean_documents": len(clean["id"]),
        "tokenize_rejects": len(rejected["id"]) - len(prepared_rejects),
    }


def check_tokenizer(path: str, report: Report) -> None:
    try:
        load_tokenizer(path)
        report.check(True, f"tokenizer loads ({path})")
    except Exception as err:  # noqa: BLE001 - any failure to load is the finding
        report.check(False, f"tokenizer loads ({path})", str(err))
        return
    try:
        from transformers import AutoTokenizer
    except ImportError:
        return  # transformers is in the `train` extra; the tokenizers check above still ran
    try:
        loaded = AutoTokenizer.from_pretrained(path)
        report.check(loaded.eos_token == "<|endoftext|>", "transformers AutoTokenizer loads it")
    except Exception as err:  # noqa: BLE001
        report.check(False, "transformers AutoTokenizer loads it", str(err))


def check_shards(shards_dir: str, report: Report, accounting: dict[str, Any] | None) -> None:
    manifest_path = Path(shards_dir) / MANIFEST
    if not report.check(manifest_path.is_file(), f"{manifest_path} exists"):
        return
    manifest = read_json(str(manifest_path))
    tokenizer = load_tokenizer(manifest["tokenizer"]["path"])
    vocab_size, eod = manifest["tokenizer"]["vocab_size"], manifest["tokenizer"]["eod_id"]
    documents = 0
    found: dict[tuple[str, str | None], tuple[int, int]] = {}  # (split, group) -> docs, tokens
    for shard in manifest["shards"]:
        prefix = Path(shards_dir) / shard["name"]
        try:
            dataset = IndexedDataset(prefix)
        except ShardFormatError as err:
            report.check(False, f"{shard['name']} opens", str(err))
            continue
        problems = dataset.check_layout()
        if dataset.dtype.name != manifest["dtype"]:
            problems.append(f"dtype {dataset.dtype.name}, manifest says {manifest['dtype']}")
        if _file_sha256(Path(f"{prefix}.bin")) != shard["bin_sha256"]:
            problems.append(".bin checksum differs from the manifest")
        if _file_sha256(Path(f"{prefix}.idx")) != shard["idx_sha256"]:
            problems.append(".idx checksum differs from the manifest")
        if len(dataset) != shard["documents"] or len(dataset.tokens) != shard["tokens"]:
            problems.append("document or token count differs from the manifest")
        if len(dataset.tokens) and int(dataset.tokens.max()) >= vocab_size:
            problems.append(f"token id {int(dataset.tokens.max())} >= vocab size {vocab_size}")
        ends = np.cumsum(dataset.sizes.astype(np.int64)) - 1
        if len(ends) and not np.all(dataset.tokens[ends] == eod):
            problems.append("a document does not end with the end-of-document id")
        problems += _check_sample(dataset, tokenizer, eod, accounting)
        report.check(
            not problems,
            f"{shard['name']}: {len(dataset)} docs, {len(dataset.tokens)} tokens",
            "; ".join(problems),
        )
        documents += len(dataset)
        key = (shard["split"], shard.get("group"))
        docs, tokens = found.get(key, (0, 0))
        found[key] = (docs + len(dataset), tokens + len(dataset.tokens))
    sources = manifest.get("sources")
    copies = 0
    if sources is not None:
        copies = check_groups(sources, found, report)
    if accounting is not None:
        expected = accounting["clean_documents"] - accounting["tokenize_rejects"]
        report.check(
            documents - copies == expected,
            f"shards hold every clean document ({documents - copies}"
            + (f", and {copies} upsampled copies)" if copies else ")"),
            f"expected {expected}",
        )


def check_groups(
    sources: dict[str, Any], found: dict[tuple[str, str | None], tuple[int, int]], report: Report
) -> int:
    """The manifest's per-group counts against the shards read; returns the upsampled copies."""
    groups = sources["groups"]
    for split in ("train", "valid", "test"):
        docs = sum(d for (s, _), (d, _) in found.items() if s == split)
        tokens = sum(t for (s, _), (_, t) in found.items() if s == split)
        written = [groups[g][split] for g in groups]
        report.check(
            (docs, tokens)
            == (
                sum(w["documents_written"] for w in written),
                sum(w["tokens_written"] for w in written),
            ),
            f"{split}: the groups' counts add up to the shards' ({docs} docs, {tokens} tokens)",
            "manifest.json's sources differ from the shards",
        )
    if sources.get("mixed"):
        for name, group in groups.items():
            train = group["train"]
            docs, tokens = found.pop(("train", name), (0, 0))
            report.check(
                (docs, tokens) == (train["documents_written"], train["tokens_written"]),
                f"train shards of {name!r}: {docs} docs, {tokens} tokens, weight {group['weight']}",
                f"manifest says {train['documents_written']} docs, {train['tokens_written']} "
                "tokens",
            )
        stray = sorted(str(group) for (split, group) in found if split == "train")
        report.check(not stray, "every train shard belongs to a group", f"found {stray}")
    return sum(g["train"]["documents_written"] - g["train"]["documents"] for g in groups.values())


def _check_sample(
    dataset: IndexedDataset, tokenizer: Any, eod: int, accounting: dict | None
) -> list[str]:
    """Decode evenly spaced documents: each must be a clean text and free of PII."""
    problems = []
    step = max(1, len(dataset) // SAMPLE_PER_SHARD)
    for i in range(0, len(dataset), step):
        text = tokenizer.decode(dataset[i][:-1].tolist(), skip_special_tokens=False)
        if accounting is not None and stable_hash(text) not in accounting["clean_text_hashes"]:
            problems.append(f"document {i} does not decode to a clean text")
        if spans := find_pii(text):
            problems.append(f"document {i} has unmasked PII ({spans[0].kind})")
        if len(problems) >= 3:
            break
    return problems


def verify_run(run_dir: str, echo: bool = True) -> list[str]:
    """All checks over a run directory; returns the failures (empty when it holds)."""
    report = Report(echo)
    layout = RunLayout(run_dir)
    if not report.check(Path(run_dir).is_dir(), f"{run_dir} is a directory"):
        return report.failures
    report.check(Path(layout.config_file).is_file(), f"{CONFIG_FILE} exists")
    accounting = None
    if Path(layout.clean).is_dir():
        accounting = check_accounting(run_dir, report)
    if Path(tokenizer_json(layout.tokenizer)).is_file():
        check_tokenizer(layout.tokenizer, report)
    if Path(layout.shards).is_dir():
        check_shards(layout.shards, report, accounting)
    if Path(layout.model, "config.json").is_file():
        report.check(Path(layout.model, "model.safetensors").is_file(), "model weights exist")
    return report.failures
