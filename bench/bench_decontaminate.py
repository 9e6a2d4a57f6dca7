"""Decontamination against planted overlaps: found, missed and false removals for several n, then
one real ``kprep prepare --decontaminate`` run with the defaults.

    .venv/bin/python bench/make_contamination_corpus.py --out /tmp/contamination
    .venv/bin/python bench/bench_decontaminate.py --corpus /tmp/contamination

For each n (character n-grams, then eojeol n-grams) the pure index (transforms/decontaminate.py)
matches every document of the corpus; the table gives, per kind of document, the share removed
(planted overlaps should be 100%, near misses and clean documents 0%), whether each removal named
the planted item, the share of benchmark items long enough to be indexed, and the matching speed.
Unplanted removals are printed with their span, so one can see whether the text really is shared.
Then the whole-item rule for short items (``min_item_chars``, char n 50): for each threshold, the
short kinds of the corpus (planted copies of short items, exact and respaced; near misses with one
word changed or a word or two missing), the clean documents, the share of the short benchmark's
items indexed, and whether the long kinds still come out as at n 50.
The pipeline run then checks the same labels end to end (documents that the quality filters or
dedupe drop first are listed apart: decontamination never sees them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transforms.decontaminate import (  # noqa: E402
    BenchmarkIndex,
    DecontaminateConfig,
    load_benchmarks,
    overlap_of,
)

PLANTED = ("exact", "spacing", "partial")
NEAR = ("near_short", "near_reworded", "clean")
SHORT_PLANTED = ("short_exact", "short_spacing")
SHORT_NEAR = ("short_word", "short_part")
MIN_ITEM_CHARS = (0, 10, 15, 20, 25, 30)
CHAR_NS = (13, 20, 25, 30, 40, 50, 64)
EOJEOL_NS = (5, 8, 10, 13)


def evaluate(index: BenchmarkIndex, docs: list[dict], labels: dict[str, dict]) -> dict:
    removed: Counter = Counter()
    right_item: Counter = Counter()
    by_rule: Counter = Counter()
    examples = []
    started = time.process_time()
    for doc in docs:
        found = index.match(doc["text"])
        if found is None:
            continue
        label = labels[doc["id"]]
        removed[label["kind"]] += 1
        by_rule[(label["kind"], found.kind)] += 1
        if found.item_id == label["item"]:
            right_item[label["kind"]] += 1
        elif label["kind"] in (*NEAR, *SHORT_NEAR) and len(examples) < 6:
            span = doc["text"][found.start : found.end]
            examples.append(f"{doc['id']} ({label['kind']}, {found.kind}): {span!r}")
    cpu = time.process_time() - started
    totals = index.totals()
    indexed = sum(t["items_indexed"] for t in totals.values())
    items = sum(t["items"] for t in totals.values())
    mb = sum(len(doc["text"].encode()) for doc in docs) / 1e6
    short = totals.get("copa_like", {"items": 0, "items_indexed": 0})
    return {
        "removed": removed,
        "right_item": right_item,
        "by_rule": by_rule,
        "indexed": indexed / items,
        "short_indexed": short["items_indexed"] / max(1, short["items"]),
        "mb_per_s": mb / cpu if cpu else float("inf"),
        "examples": examples,
    }


def table(rows: list[tuple[str, dict]], kinds: Counter) -> str:
    header = ["n", "items indexed", *PLANTED, *NEAR, "MB/s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, result in rows:
        cells = [name, f"{100 * result['indexed']:.0f}%"]
        for kind in PLANTED:
            cells.append(
                f"{result['removed'][kind]}/{kinds[kind]}"
                + (
                    f" ({result['right_item'][kind]} named)"
                    if result["right_item"][kind] != result["removed"][kind]
                    else ""
                )
            )
        cells += [f"{result['removed'][kind]}/{kinds[kind]}" for kind in NEAR]
        cells.append(f"{result['mb_per_s']:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def short_table(rows: list[tuple[str, dict]], kinds: Counter) -> str:
    header = ["min_item_chars", "items indexed", "short items indexed", *SHORT_PLANTED]
    header += [*SHORT_NEAR, "clean", "other documents", "char rule as without", "MB/s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    base = rows[0][1]["by_rule"]
    others = [k for k in kinds if k not in (*SHORT_PLANTED, *SHORT_NEAR)]
    for name, result in rows:
        cells = [name, f"{100 * result['indexed']:.0f}%", f"{100 * result['short_indexed']:.0f}%"]
        for kind in (*SHORT_PLANTED, *SHORT_NEAR, "clean"):
            cell = f"{result['removed'][kind]}/{kinds[kind]}"
            named = result["right_item"][kind]
            if kind in SHORT_PLANTED and named != result["removed"][kind]:
                cell += f" ({named} named)"
            cells.append(cell)
        # documents with no short item planted (clean and the long kinds) removed by the rule
        by_rule = result["by_rule"]
        cells.append(f"{sum(by_rule[(k, 'item')] for k in others)}/{sum(kinds[k] for k in others)}")
        same = all(by_rule[(k, "char")] == base[(k, "char")] for k in kinds)
        cells.append("yes" if same else "NO")
        cells.append(f"{result['mb_per_s']:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def pipeline_run(corpus: Path, benchmarks: list[str], labels: dict[str, dict]) -> None:
    with tempfile.TemporaryDirectory(prefix="kprep-decontam-") as tmp:
        command = [sys.executable, "-c", "from pipeline.cli import entry; entry()", "prepare"]
        command += ["--input", str(corpus / "corpus.jsonl"), "--output", tmp]
        command += ["--decontaminate", ",".join(benchmarks), "--direct_running_mode=in_memory"]
        command += ["--log-level=WARNING"]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        rows = pq.read_table(Path(tmp) / "rejected", columns=["id", "stage", "detail"]).to_pylist()
        stats = json.loads((Path(tmp) / "stats.json").read_text())["stages"]["prepare"]
    by_id = {row["id"]: row for row in rows}
    found = missed = false = wrong_item = 0
    earlier: Counter = Counter()
    for doc_id, label in labels.items():
        row = by_id.get(doc_id)
        if row and row["stage"] not in ("decontaminate",):
            earlier[(label["kind"], row["stage"])] += 1
            continue
        hit = row is not None
        if label["kind"] in (*PLANTED, *SHORT_PLANTED):
            found += hit
            missed += not hit
            if hit and overlap_of(row["detail"])[1] != label["item"]:
                wrong_item += 1
        elif hit:
            false += 1
    print("\npipeline run (kprep prepare --decontaminate, defaults):")
    print(f"  planted overlaps found {found}, missed {missed}, named another item {wrong_item}")
    print(f"  near misses and clean documents removed: {false}")
    print(f"  dropped before decontamination (kind, stage): {dict(sorted(earlier.items()))}")
    print(f"  contamination table: {json.dumps(stats['decontamination'])}")


def throughput(corpus: Path, items_dir: Path, thresholds: list[int], repeats: int) -> None:
    """Matching speed (MB of text per CPU second, best of ``repeats``) over a corpus's JSONL
    files, against make_benchmark_items.py's items, for each min_item_chars (0: off)."""
    config = DecontaminateConfig(paths=[str(items_dir)])
    items = load_benchmarks(config.paths, config.fields, config.id_field)
    texts = [json.loads(line)["text"] for f in sorted(corpus.glob("*.jsonl")) for line in f.open()]
    mb = sum(len(t.encode()) for t in texts) / 1e6
    print(f"{len(items)} items, {len(texts)} documents, {mb:.1f} MB")
    for m in thresholds:
        started = time.process_time()
        index = BenchmarkIndex(items, config.char_ngram, 0, min_item_chars=m)
        build = time.process_time() - started
        best = float("inf")
        for _ in range(repeats):
            started = time.process_time()
            removed = sum(index.match(t) is not None for t in texts)
            best = min(best, time.process_time() - started)
        indexed = sum(t["items_indexed"] for t in index.totals().values())
        print(
            f"min_item_chars {m:2d}: {indexed} items indexed, {len(index.chars.hashes)} char "
            f"windows in all, build {build:.2f} s, match {best:.2f} s = {mb / best:.1f} MB/s, "
            f"{removed} documents matched"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="make_contamination_corpus out")
    parser.add_argument(
        "--throughput",
        type=Path,
        help="instead: time matching over --corpus's *.jsonl against these benchmark items "
        "(make_benchmark_items.py out) for each min_item_chars",
    )
    parser.add_argument("--min-item-chars", default="0,30", help="with --throughput")
    parser.add_argument("--repeats", type=int, default=3, help="with --throughput")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the kprep prepare run")
    parser.add_argument(
        "--short-only", action="store_true", help="only the short-item table (char n 50)"
    )
    args = parser.parse_args(argv)
    if args.throughput:
        thresholds = [int(m) for m in args.min_item_chars.split(",")]
        throughput(args.corpus, args.throughput, thresholds, args.repeats)
        return 0
    benchmarks = sorted(str(p) for p in (args.corpus / "benchmarks").glob("*.jsonl"))
    config = DecontaminateConfig(paths=benchmarks)
    items = load_benchmarks(benchmarks, config.fields, config.id_field)
    docs = [json.loads(line) for line in (args.corpus / "corpus.jsonl").open(encoding="utf-8")]
    labels = {}
    for line in (args.corpus / "labels.jsonl").open(encoding="utf-8"):
        label = json.loads(line)
        labels[label["id"]] = label
    kinds = Counter(label["kind"] for label in labels.values())
    print(f"{len(items)} benchmark items, {len(docs)} documents {dict(kinds)}\n")
    results = []
    if not args.short_only:
        for n in CHAR_NS:
            results.append((f"char {n}", evaluate(BenchmarkIndex(items, n, 0), docs, labels)))
        for n in EOJEOL_NS:
            results.append((f"eojeol {n}", evaluate(BenchmarkIndex(items, 0, n), docs, labels)))
        print(table(results, kinds))
    shorts = []
    for m in MIN_ITEM_CHARS:
        index = BenchmarkIndex(items, config.char_ngram, 0, min_item_chars=m)
        shorts.append((str(m) if m else "0 (off)", evaluate(index, docs, labels)))
    print("\nwhole short items, char n", config.char_ngram)
    print(short_table(shorts, kinds))
    for name, result in results + shorts:
        for example in result["examples"]:
            print(f"  {name}: unplanted match {example}")
    if not args.no_pipeline:
        pipeline_run(args.corpus, benchmarks, labels)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
