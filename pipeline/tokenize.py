"""``kprep tokenize``: clean/ -> shuffled Megatron shards, manifest.json and neox_data.yml.

clean/*.parquet -> Encode (+eod) -> Split by id hash -> Shard by seeded hash -> Write .bin/.idx
                     \\-> rejected/tokenize-*.parquet            manifest.json, neox_data.yml (last)

With ``--mix-by`` each group's train documents get shards of their own and ``--source-weights``
their blend weights; ``--upsample-by-cluster`` writes train documents several times
(transforms/mixing.py). The manifest counts documents and tokens per group either way.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import apache_beam as beam
import numpy as np
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipeline.config import KprepConfig
from pipeline.prepare import AccountingError, NothingKept, nothing_kept_message
from runners.options import graph_only, make_pipeline
from runners.paths import spill_directory
from tokenizer_training.train import EOD_TOKEN
from transforms.fast_bpe import load_encoder
from transforms.files import (
    clear_parquet,
    count_rows,
    join,
    list_parquet,
)
from transforms.layout import (
    MANIFEST,
    load_tokenizer,
    make_manifest,
    read_manifest,
    read_tokenizer_json,
    run_dir_of,
    tokenizer_json,
    write_manifest,
)
from transforms.megatron import dtype_for_vocab
from transforms.mixing import (
    SOURCE,
    check_weights,
    group_column,
    group_of,
    parse_schedule,
    parse_weights,
    sources_section,
)
from transforms.records import REJECTED_SCHEMA
from transforms.steps.io import WriteSortedParquet
from transforms.steps.shards import EncodeFiles, TallyGroups, WriteShards
from transforms.steps.spill import Spill

log = logging.getLogger("kprep")


class TokenizerError(ValueError):
    """A tokenizer that cannot produce kprep's shards; the message says what is missing."""


def check_tokenizer(path: str, pii_tokens: dict[str, str]) -> dict[str, Any]:
    """The tokenizer's facts for the manifest; raises when a needed token is not a single id."""
    if not FileSystems.exists(tokenizer_json(path)):
        raise TokenizerError(
            f"no tokenizer at {tokenizer_json(path)}: run `kprep train-tokenizer` first, or pass "
            "--tokenizer PATH to an existing tokenizer.json"
        )
    tokenizer = load_tokenizer(path)
    for token in [EOD_TOKEN, *pii_tokens.values()]:
        ids = tokenizer.encode(token, add_special_tokens=False).ids
        if len(ids) != 1 or tokenizer.token_to_id(token) is None:
            raise TokenizerError(
                f"{tokenizer_json(path)}: {token!r} is not a single token (it encodes to {ids}); "
                "use a tokenizer that has it as a special token, or set [pii] tokens to "
                "strings the tokenizer has"
            )
    with FileSystems.open(tokenizer_json(path)) as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    return {
        "path": path,
        "sha256": digest,
        "vocab_size": tokenizer.get_vocab_size(with_added_tokens=True),
        "eod_id": tokenizer.token_to_id(EOD_TOKEN),
    }


def build_tokenize(
    pipeline: beam.Pipeline,
    config: KprepConfig,
    files: list[str],
    tokenizer_path: str,
    tokenizer: dict[str, Any],
    dtype: str,
    shards_dir: str,
    rejected_dir: str,
    spill: Spill | None = None,
) -> None:
    """The tokenize graph; token arrays cross the shard grouping through ``spill`` when set
    (local runners)."""
    shards = config.shards
    schedule = parse_schedule(shards.upsample_by_cluster) if shards.upsample_by_cluster else None
    weights = parse_weights(shards.source_weights)
    mix_by, mixed = shards.mix_by or SOURCE, bool(shards.mix_by)
    encoded, rejected = pipeline | "Tokenize" >> EncodeFiles(
        files,
        tokenizer_path=tokenizer_path,
        eod_id=tokenizer["eod_id"],
        dtype=dtype,
        fractions=(config.shards.valid_fraction, config.shards.test_fraction),
        seed=config.shards.seed,
        fast=config.shards.fast_encoder,
        mix_by=mix_by,
        mixed=mixed,
        default_group=shards.mix_default_group,
        schedule=schedule,
    )
    tallies = (
        encoded
        | "Count per group" >> TallyGroups(dtype)
        | "Collect counts" >> beam.combiners.ToList()
    )

    def manifest(records, counts):
        sources = sources_section(
            counts, mix_by, mixed, weights, shards.mix_default_group, schedule
        )
        return make_manifest(records, tokenizer, dtype, shards.seed, sources)

    _ = (
        encoded
        | "Write shards"
        >> WriteShards(shards_dir, dtype, shards.target_shard_tokens, shards.seed, spill)
        | "Collect shards" >> beam.combiners.ToList()
        | "Write manifest"
        >> beam.Map(
            lambda records, counts: write_manifest(
                shards_dir, manifest(records, counts), shards.seq_length
            ),
            counts=beam.pvalue.AsSingleton(tallies),
        )
    )
    _ = rejected | "Write rejected" >> WriteSortedParquet(
        rejected_dir, REJECTED_SCHEMA, 1, prefix="tokenize", spill=spill
    )


def run_tokenize(
    config: KprepConfig,
    clean_dir: str,
    tokenizer_path: str,
    shards_dir: str,
    rejected_dir: str,
    beam_args: list[str],
) -> dict[str, Any]:
    """Tokenize clean/ into shards; the manifest is written last, once every shard exists."""
    started = time.monotonic()
    files = list_parquet(clean_dir)
    if not files:
        raise NothingKept(nothing_kept_message(run_dir_of(clean_dir)))
    tokenizer = check_tokenizer(tokenizer_path, config.pii.tokens)
    dtype = np.dtype(dtype_for_vocab(tokenizer["vocab_size"])).name
    encoder = load_encoder(read_tokenizer_json(tokenizer_path), config.shards.fast_encoder).name
    log.info("tokenize: encoding with %s", encoder)
    if config.shards.source_weights:
        check_weights(parse_weights(config.shards.source_weights), groups_in(files, config))
    pipeline = make_pipeline(beam_args, "tokenize")
    graph = (config, files, tokenizer_path, tokenizer, dtype, shards_dir, rejected_dir)
    if graph_only(beam_args):
        build_tokenize(pipeline, *graph)
        pipeline.run()
        log.info("tokenize: graph validated (dry run or template); nothing was processed")
        return {"graph_only": True}
    for pattern in ("*.bin", "*.idx", MANIFEST):
        matches = FileSystems.match([join(shards_dir, pattern)])[0].metadata_list
        if matches:
            FileSystems.delete([m.path for m in matches])
    clear_parquet(rejected_dir, prefix="tokenize")
    if not FileSystems.exists(shards_dir):
        FileSystems.mkdirs(shards_dir)
    with spill_directory(beam_args, shards_dir) as spill:  # values only: no partitions to size
        build_tokenize(pipeline, *graph, spill=spill)
        result = pipeline.run()
        result.wait_until_finish()
    manifest = read_manifest(shards_dir)
    # From the files written, not counters, which a retried bundle may inflate; upsampled
    # copies are counted once.
    documents = sum(split["documents"] for split in manifest["splits"].values())
    documents -= upsampled_copies(manifest)
    rejected = count_rows(rejected_dir, prefix="tokenize")
    clean_rows = count_rows(clean_dir)
    if clean_rows != documents + rejected:
        raise AccountingError(
            f"tokenize read {clean_rows} clean documents but wrote {documents} to shards and "
            f"rejected {rejected}: {clean_rows - documents - rejected} unaccounted"
        )
    groups = manifest["sources"]["groups"]
    return {
        "documents": documents,
        "tokens": sum(split["tokens"] for split in manifest["splits"].values()),
        **(
            {"tokens_per_group": {name: g["train"]["tokens_written"] for name, g in groups.items()}}
            if manifest["sources"]["mixed"]
            else {}
        ),
        "rejected": rejected,
        "shards": len(manifest["shards"]),
        "encoder": encoder,
        "splits": manifest["splits"],
        "wall_s": round(time.monotonic() - started, 2),
    }


def upsampled_copies(manifest: dict[str, Any]) -> int:
    """Documents the shards hold beyond one copy of each (``--upsample-by-cluster``)."""
    groups = manifest.get("sources", {}).get("groups", {}).values()
    return sum(g["train"]["documents_written"] - g["train"]["documents"] for g in groups)


def groups_in(files: list[str], config: KprepConfig) -> set[str]:
    """The ``--mix-by`` groups of clean/, read on the launcher so that a weight naming no
    group stops the run before it starts (only when weights are given: it reads one column)."""
    by, default = config.shards.mix_by or SOURCE, config.shards.mix_default_group
    groups: set[str] = set()
    for path in files:
        with FileSystems.open(path) as handle:
            parquet = pq.ParquetFile(handle)
            column = group_column(by, parquet.schema_arrow.names)
            if column is None:
                groups.add(default)
                continue
            for batch in parquet.iter_batches(columns=[column]):
                values = batch.column(column)
                if column != "metadata":
                    values = values.unique()
                for value in values.to_pylist():
                    groups.add(group_of({column: value}, by, default)[0])
    return groups
