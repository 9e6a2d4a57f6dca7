"""What a 1.2 TB run on Dataflow will move and hold, scaled from a measured local run.

    .venv/bin/python bench/terabyte_model.py RUN_DIR --cpu-s-per-mb 0.40 [--target 1.2TB]

RUN_DIR is a finished local `kprep prepare` + `kprep tokenize` run (bench/scale.py leaves one
in WORK/kprep). A local run counts what each grouping moves (stats.json `shuffle.*` counters:
records, bytes and the largest group) because it writes them to partition files; a distributed
runner shuffles the same records. The groupings that carry text (documents by id and by text,
rows by output shard, tokens by shard) cross a local run as spill references, so their volume is
taken from the text itself: the bytes read, the clean/rejected Parquet text, the tokens.

Per-document figures scale linearly with the input; the largest group does not (it depends on
how often the most repeated line or text occurs), so it is printed as measured with the bound
that holds whatever it is. Worker memory is what one SDK process holds at once where kprep
materialises a group (an output shard sorted by id, a token shard), plus a process baseline;
Dataflow runs one SDK process per vCPU.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pyarrow.parquet as pq
from make_corpus import parse_size

PROCESS_BASELINE_GB = 0.6  # Beam, pyarrow, tiktoken/tokenizers, numpy imported (measured RSS)
ROW_OVERHEAD = 2.5  # Python dicts and str per byte of UTF-8 text, sorted in memory, + Parquet
MACHINES = {"n2-standard-8": (8, 32), "n2-highmem-8": (8, 64), "n2-standard-16": (16, 64)}
MAX_OUTPUT_SHARDS = 10_000
KEYS = {
    "group_by_line": "line hash",
    "join_to_documents": "document id",
    "exact_keepers": "text hash",
    "group_buckets": "LSH band key",
    "group_by_member": "node",
    "group_by_anchor": "node",
    "group_by_node": "node",
    "cluster_sizes": "cluster root",
    "group_by_text": "text hash",
}
BYTES_PER_OUTPUT_SHARD = 128 * 1024 * 1024


def text_bytes(directory: Path) -> int:
    """UTF-8 bytes of the text column of every Parquet file in ``directory``."""
    total = 0
    for path in sorted(directory.glob("*.parquet")):
        for batch in pq.ParquetFile(path).iter_batches(columns=["text"]):
            total += sum(len(t.encode("utf-8")) for t in batch.column("text").to_pylist() if t)
    return total


def largest_cluster(clean: Path) -> int:
    return max(
        max(pq.read_table(path, columns=["cluster_size"]).column(0).to_pylist(), default=1)
        for path in clean.glob("*.parquet")
    )


def machine_for(gb_per_process: float) -> str:
    """The smallest listed 8-vCPU machine whose memory per vCPU covers one process."""
    for name, (vcpus, memory_gb) in MACHINES.items():
        if memory_gb / vcpus >= gb_per_process * 1.25:  # headroom for the OS and the harness
            return name
    return "n2-highmem-8 with --number_of_worker_harness_threads lowered"


def model(run: Path, target: int, cpu_s_per_mb: float, workers: int) -> list[str]:
    stats = json.loads((run / "stats.json").read_text())["stages"]
    prepare, tokenize = stats["prepare"], stats["tokenize"]
    counters = prepare["counters"]
    scale = target / prepare["input_bytes"]
    clean_text, rejected_text = text_bytes(run / "clean"), text_bytes(run / "rejected")
    lines = [
        f"measured: {prepare['input_bytes'] / 1e6:,.0f} MB, {prepare['records_in']:,} records "
        f"-> scaled x{scale:,.0f} to {target / 1e12:.2f} TB",
        f"documents: {prepare['records_in'] * scale:,.0f} in, {prepare['clean'] * scale:,.0f} "
        f"clean, {tokenize['tokens'] * scale:,.0f} tokens",
        "",
        "| grouping | key | records | bytes moved | largest group (measured) |",
        "|---|---|---:|---:|---:|",
    ]
    groupings = sorted({name.split(".")[1] for name in counters if name.startswith("shuffle.")})
    total = 0.0
    for grouping in groupings:
        records = counters.get(f"shuffle.{grouping}.records", 0) * scale
        moved = counters.get(f"shuffle.{grouping}.bytes", 0) * scale
        largest = counters.get(f"shuffle.{grouping}.largest_group", 0)
        if grouping in ("join_to_documents", "group_by_text"):
            moved += counters.get("read.bytes", 0) * scale  # the documents themselves
        total += moved
        lines.append(
            f"| {grouping.replace('_', ' ')} | {KEYS.get(grouping, '')} | {records:,.0f} | "
            f"{moved / 1e9:,.0f} GB | {largest:,} |"
        )
    rows = [
        ("write clean", prepare["clean"], clean_text),
        ("write rejected", prepare["rejected"], rejected_text),
        ("tokenize: group shard", tokenize["documents"], tokenize["tokens"] * 2),
    ]
    for name, records, moved in rows:
        total += moved * scale
        lines.append(
            f"| {name} | output shard | {records * scale:,.0f} | {moved * scale / 1e9:,.0f} GB | |"
        )
    lines.append(f"| **all shuffles** | | | **{total / 1e12:.1f} TB** | |")
    shards = min(MAX_OUTPUT_SHARDS, math.ceil(3 * target / BYTES_PER_OUTPUT_SHARD))
    shard_gb = clean_text * scale / shards / 1e9
    prepare_gb = PROCESS_BASELINE_GB + shard_gb * ROW_OVERHEAD
    tokens_per_shard = 500_000_000
    tokenize_gb = PROCESS_BASELINE_GB + tokens_per_shard * 2 * 1.5 / 1e9
    cluster = largest_cluster(run / "clean")
    core_hours = target / 1e6 * cpu_s_per_mb / 3600
    lines += [
        "",
        f"largest near-duplicate cluster measured: {cluster:,} documents; connected components "
        f"needs about log2(cluster) rounds (14 for a 50,000-document chain, docs/scale.md)",
        f"prepare: {shards:,} clean shards of {shard_gb * 1000:,.0f} MB text; one process holds "
        f"~{prepare_gb:.1f} GB -> {machine_for(prepare_gb)}",
        f"tokenize: shards of {tokens_per_shard:,} tokens; one process holds ~{tokenize_gb:.1f} "
        f"GB -> {machine_for(tokenize_gb)}",
        f"CPU: {cpu_s_per_mb} CPU s per MB -> {core_hours:,.0f} core-hours; on {workers} "
        f"8-vCPU workers about {core_hours / (workers * 8 * 0.6):.1f} h (a vCPU ~0.6 core)",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a finished local prepare + tokenize run")
    parser.add_argument("--target", default="1.2TB", help="corpus size to scale to")
    parser.add_argument("--cpu-s-per-mb", type=float, required=True, help="from bench/scale.py")
    parser.add_argument("--workers", type=int, default=100)
    args = parser.parse_args(argv)
    text = args.target.upper()
    target = int(float(text[:-2]) * 1e12) if text.endswith("TB") else parse_size(text)
    print("\n".join(model(args.run, target, args.cpu_s_per_mb, args.workers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
