"""Morpheme-split vs plain byte-level BPE, beside the released Polyglot-Ko tokenizer.

    python bench/bench_tokenizer.py [--corpus PATH] [--workers 2] [--sizes 10,100] [--points-only]

1. The corpus (default ``../shared/corpora/ko_docs.jsonl.gz``, distinct texts) becomes a clean/
   directory, less the ``--other-domain`` sources (default the Debian FAQ and the konlpy law and
   bill texts), which are kept out of training entirely as an out-of-domain held-out set.
2. ``run_train_tokenizer`` trains a ``--vocab-size`` vocabulary twice, with and without the Kiwi
   morpheme split, on 90% of clean/'s text (local FnApiRunner, ``multi_processing`` x
   ``--workers``): the Beam wall time of the sample stage gives the morpheme-split throughput.
3. ``tokenizer_report`` measures both and the released tokenizer on two held-out sets: the
   in-domain documents above the sample's id-hash threshold, and the out-of-domain sources.
4. BPE training alone (``train_bpe``) on ``--sizes`` MB of morpheme-split text, each point in a
   fresh process for its peak memory (VmHWM). The corpus is smaller than these sizes, so its split
   sample is repeated: counting time scales as with real text, but the number of distinct
   pre-tokens, which drives the merge phase and memory, does not grow as a real corpus's would.
   Kiwi time per size is estimated from the measured throughput. ``--points-only`` reruns just
   this part on the sample a previous run left in ``--out``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from pipeline.train_tokenizer import run_train_tokenizer  # noqa: E402
from tokenizer_training.morphemes import load_kiwi, split_morphemes  # noqa: E402
from tokenizer_training.report import RELEASED_NAME, tokenizer_report  # noqa: E402
from tokenizer_training.sample import held_out_from_clean, read_sample, text_bytes  # noqa: E402
from tokenizer_training.train import train_bpe  # noqa: E402
from transforms.pii import DEFAULT_PII_TOKENS  # noqa: E402
from transforms.records import CLEAN_SCHEMA, make_document  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "ko_docs.jsonl.gz"
MB = 1_000_000


def write_clean(
    corpus: Path, clean_dir: Path, other_domain: set[str], shards: int = 4
) -> tuple[int, list[str]]:
    """Distinct texts as clean/ shards, except the ``other_domain`` sources' texts, returned."""
    rows, outside, seen = [], [], set()
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            text = record.get("text")
            if not isinstance(text, str) or not text.strip() or text in seen:
                continue
            seen.add(text)
            if record.get("source") in other_domain:
                outside.append(text)
            else:
                rows.append(make_document(record["id"], text, record.get("source", "")))
    clean_dir.mkdir(parents=True, exist_ok=True)
    for shard in range(shards):
        part = sorted(rows[shard::shards], key=lambda r: r["id"])
        table = pa.Table.from_pylist(part, schema=CLEAN_SCHEMA)
        pq.write_table(table, clean_dir / f"part-{shard:05d}-of-{shards:05d}.parquet")
    return len(rows), outside


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would include the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def kiwi_one_core(texts: list[str], megabytes: float = 1.0) -> float:
    """MB/s of ``split_morphemes`` alone on one core, over the first ``megabytes`` of text."""
    kiwi = load_kiwi()
    chosen, total = [], 0
    for text in texts:
        if total >= megabytes * MB:
            break
        chosen.append(text)
        total += len(text.encode("utf-8"))
    started = time.process_time()
    for text in chosen:
        split_morphemes(kiwi, text, DEFAULT_PII_TOKENS.values())
    return total / MB / (time.process_time() - started)


def train_point(sample_dir: str, megabytes: int, vocab_size: int) -> dict:
    """BPE alone on ``megabytes`` of the split sample, repeated; run in its own process."""
    texts = list(read_sample(sample_dir))
    target = megabytes * MB

    def repeated():
        fed = 0
        while True:
            for text in texts:
                if fed >= target:
                    return
                fed += len(text.encode("utf-8"))
                yield text

    baseline = peak_rss_mb()
    started = time.monotonic()
    tokenizer = train_bpe(repeated(), vocab_size, DEFAULT_PII_TOKENS)
    return {
        "wall_s": round(time.monotonic() - started, 1),
        "peak_rss_mb": round(peak_rss_mb()),
        "baseline_rss_mb": round(baseline),
        "vocab_size": tokenizer.get_vocab_size(with_added_tokens=True),
    }


def print_training(runs: dict[str, dict]) -> None:
    print("## Training on the sample (local FnApiRunner)\n")
    print("| tokenizer | documents | sample MB | Beam sample stage s | MB/s | BPE s | merges |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, s in runs.items():
        rate = s["sample_bytes"] / MB / s["sample_wall_s"]
        print(
            f"| {name} | {s['sample_documents']:,} | {s['sample_bytes'] / MB:.1f} | "
            f"{s['sample_wall_s']:.1f} | {rate:.3f} | {s['bpe_wall_s']:.1f} | {s['merges']:,} |"
        )


def print_held_out(title: str, out: Path, texts: list[str]) -> None:
    split = tokenizer_report(str(out / "tokenizer_split"), texts)
    plain = tokenizer_report(str(out / "tokenizer_plain"), texts, None)
    columns = {
        "ours, morpheme split": split["tokenizers"][0],
        "ours, plain": plain["tokenizers"][0],
        RELEASED_NAME: split["tokenizers"][1],
    }
    held = split["held_out"]
    print(f"\n## Held out, {title}: {held['documents']:,} documents, {held['bytes'] / MB:.2f} MB\n")
    print(
        "| tokenizer | vocab | bytes/token | chars/token | Hangul vocab | byte fragments | "
        "tokens crossing a morpheme boundary |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, c in columns.items():
        print(
            f"| {name} | {c['vocab_size']:,} | {c['bytes_per_token']:.3f} | "
            f"{c['chars_per_token']:.3f} | {c['vocab_hangul_share']:.1%} | "
            f"{c['vocab_fragment_share']:.1%} | {c['boundary_crossing_share']:.2%} |"
        )


def print_points(args: argparse.Namespace, split_rate: float | None) -> None:
    print(f"\n## BPE training alone on repeated morpheme-split text (vocab {args.vocab_size:,})\n")
    print(
        f"| sample | BPE wall s | peak RSS MB (before training) | Kiwi split est. s, "
        f"{args.workers} workers | est. s, 64 workers |"
    )
    print("|---:|---:|---:|---:|---:|")
    for megabytes in [int(s) for s in args.sizes.split(",")]:
        child = subprocess.run(
            [sys.executable, __file__, "--out", str(args.out), "--vocab-size",
             str(args.vocab_size), "--train-point", str(megabytes)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        point = json.loads(child.stdout.strip().splitlines()[-1])
        estimates = (
            f"{megabytes / split_rate:,.0f} | {megabytes / (split_rate / args.workers * 64):,.0f}"
            if split_rate
            else "- | -"
        )
        print(
            f"| {megabytes:,} MB | {point['wall_s']:.1f} | {point['peak_rss_mb']:,} "
            f"({point['baseline_rss_mb']:,}) | {estimates} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument(
        "--other-domain",
        default="debian-faq-ko,konlpy",
        help="sources kept out of training, as the out-of-domain held-out set",
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/kprep-bench-tokenizer"))
    parser.add_argument("--workers", type=int, default=2, help="Beam multi_processing workers")
    parser.add_argument("--vocab-size", type=int, default=30000)
    parser.add_argument("--sizes", default="10,100", help="MB of text for the BPE-only points")
    parser.add_argument(
        "--points-only",
        action="store_true",
        help="only the BPE-only points, on the sample of a previous run",
    )
    parser.add_argument("--train-point", type=int, help=argparse.SUPPRESS)  # child process
    args = parser.parse_args()  # fmt: skip
    if args.train_point:
        point = train_point(str(args.out / "sample_split"), args.train_point, args.vocab_size)
        print(json.dumps(point))
        return
    if args.points_only:
        print_points(args, None)
        return
    if not args.corpus.exists():
        sys.exit(f"corpus {args.corpus} not found: pass --corpus PATH (JSONL.gz with a text field)")

    clean = args.out / "clean"
    documents, other_domain = write_clean(args.corpus, clean, set(args.other_domain.split(",")))
    available = text_bytes([str(p) for p in sorted(clean.glob("*.parquet"))])
    sample_bytes = int(0.9 * available)
    beam_args = ["--direct_running_mode=multi_processing", f"--direct_num_workers={args.workers}"]
    print(
        f"# Tokenizer benchmark: {args.corpus.name}, {documents:,} distinct training-domain "
        f"documents ({available / MB:.1f} MB of text), sample_bytes {sample_bytes / MB:.1f} MB, "
        f"vocab {args.vocab_size:,}, Beam multi_processing x{args.workers}; {os.cpu_count()} "
        f"cores, load average {os.getloadavg()[0]:.1f} at the start\n"
    )
    runs = {}
    for name, split in (("morpheme split", True), ("plain", False)):
        tag = "split" if split else "plain"
        for stale in (args.out / f"sample_{tag}").glob("*"):
            stale.unlink()  # time the Beam stage, not a reused sample
        runs[name] = run_train_tokenizer(
            str(clean), str(args.out / f"tokenizer_{tag}"), args.vocab_size, sample_bytes,
            DEFAULT_PII_TOKENS, show_progress=False, morpheme_split=split, beam_args=beam_args,
            sample_dir=str(args.out / f"sample_{tag}"),
        )  # fmt: skip
    print_training(runs)
    split_stats = runs["morpheme split"]
    split_rate = split_stats["sample_bytes"] / MB / split_stats["sample_wall_s"]
    in_domain = held_out_from_clean(str(clean), sample_bytes, 10**12)
    print_held_out("in-domain (id hash above the sample's)", args.out, in_domain)
    print_held_out(f"other domain ({args.other_domain})", args.out, other_domain)
    print(
        f"\nMorpheme split: {split_rate:.3f} MB/s in Beam with {args.workers} workers (start-up "
        f"and Kiwi loading included); Kiwi alone {kiwi_one_core(in_domain):.3f} MB/s per core."
    )
    print_points(args, split_rate)


if __name__ == "__main__":
    main()
