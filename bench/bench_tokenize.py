"""Tokenizing Korean text: tokenizers against kprep's exact tiktoken path, raw and in Beam.

On the same clean Parquet text (real Korean, ../shared/corpora/ko_docs) and the bundled
Polyglot-Ko tokenizer, in one run with the variants alternating so machine noise hits both:

- raw encoders on one core: tokenizers ``encode_batch`` against the tiktoken encoder;
- raw encoders on every core: one process per core, each with a share of the documents;
- the tokenize stage end to end (Beam, shards written): one core (in_memory) and every core
  (multi_processing), fast path against ``--no-fast-encoder``; the shards must be identical.

Every process runs tokenizers on one thread (RAYON_NUM_THREADS=1), as Beam workers do.

    python bench/bench_tokenize.py [--mb 20] [--repeats 3] [--workers N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ["RAYON_NUM_THREADS"] = "1"  # before tokenizers starts its thread pool
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from pipeline.config import build_config  # noqa: E402
from pipeline.tokenize import run_tokenize  # noqa: E402
from transforms.fast_bpe import Encoder, TokenizersEncoder, load_encoder  # noqa: E402
from transforms.shards import ENCODE_BATCH  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "ko_docs.jsonl.gz"
RELEASED = Path(__file__).resolve().parent.parent / "tokenizer_training" / "data"
CLEAN_FILES = 16  # so every worker of the all-core runs gets files to encode


def make_clean_dir(root: Path, megabytes: int) -> list[str]:
    """A clean/ directory of about ``megabytes`` of real Korean text (documents repeated)."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        docs = [json.loads(line)["text"] for line in handle]
    ids, texts, size, copy = [], [], 0, 0
    while size < megabytes * 1e6:
        for i, text in enumerate(docs):
            ids.append(f"{copy}-{i}")
            texts.append(text)
            size += len(text.encode("utf-8"))
        copy += 1
    (root / "clean").mkdir(parents=True)
    for part in range(CLEAN_FILES):
        table = pa.table({"id": ids[part::CLEAN_FILES], "text": texts[part::CLEAN_FILES]})
        pq.write_table(table, root / "clean" / f"part-{part:05d}-of-{CLEAN_FILES:05d}.parquet")
    return texts


def make_encoder(tokenizer_json: str, fast: bool) -> Encoder:
    if fast:
        return load_encoder(tokenizer_json)
    from tokenizers import Tokenizer

    return TokenizersEncoder(Tokenizer.from_str(tokenizer_json))


_worker_encoder: Encoder | None = None


def _start_worker(tokenizer_json: str, fast: bool) -> None:
    global _worker_encoder
    _worker_encoder = make_encoder(tokenizer_json, fast)


def _count_tokens(texts: list[str]) -> int:
    return sum(len(ids) for ids in _worker_encoder.encode_batch(texts))


def raw_seconds(tokenizer_json: str, fast: bool, texts: list[str], workers: int) -> float:
    """Seconds to encode ``texts`` in the stage's batches, encoders already built."""
    chunks = [texts[i : i + ENCODE_BATCH] for i in range(0, len(texts), ENCODE_BATCH)]
    if workers == 1:
        encoder = make_encoder(tokenizer_json, fast)
        started = time.perf_counter()
        for chunk in chunks:
            encoder.encode_batch(chunk)
        return time.perf_counter() - started
    with ProcessPoolExecutor(
        workers, initializer=_start_worker, initargs=(tokenizer_json, fast)
    ) as pool:
        list(pool.map(_count_tokens, [chunks[0]] * workers))  # every worker built and warm
        started = time.perf_counter()
        list(pool.map(_count_tokens, chunks))
        return time.perf_counter() - started


def stage_seconds(root: Path, tokenizer: Path, fast: bool, runner: list[str]) -> tuple[float, dict]:
    out = root / f"out-{'fast' if fast else 'tokenizers'}"
    shutil.rmtree(out, ignore_errors=True)
    config = build_config(overrides={"shards.fast_encoder": fast})
    started = time.perf_counter()
    stats = run_tokenize(
        config,
        str(root / "clean"),
        str(tokenizer),
        str(out / "shards"),
        str(out / "rejected"),
        runner,
    )
    seconds = time.perf_counter() - started
    assert stats["encoder"] == ("tiktoken" if fast else "tokenizers")
    shards = {
        p.name: p.read_bytes() for p in (out / "shards").iterdir() if p.suffix in (".bin", ".idx")
    }
    return seconds, shards


def report(label: str, seconds: dict[bool, list[float]], mb: float, tokens: int) -> None:
    slow, fast = statistics.median(seconds[False]), statistics.median(seconds[True])
    print(f"  {label}")
    for name, value in (("tokenizers", slow), ("tiktoken (kprep fast path)", fast)):
        print(
            f"    {name:<28} {mb / value:>7.2f} MB/s {tokens / value:>12,.0f} tokens/s"
            f"  {value:6.2f} s"
        )
    print(f"    speed-up: {slow / fast:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if not CORPUS.is_file():
        sys.exit(f"{CORPUS} not found: this benchmark needs ../shared/corpora")
    root = Path(tempfile.mkdtemp(prefix="kprep-bench-tokenize-"))
    try:
        texts = make_clean_dir(root, args.mb)
        tokenizer = root / "tokenizer.json"
        with gzip.open(RELEASED / "polyglot-ko-1.3b-tokenizer.json.gz", "rb") as src:
            tokenizer.write_bytes(src.read())
        tokenizer_json = tokenizer.read_text()
        mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        tokens = sum(len(ids) for ids in make_encoder(tokenizer_json, True).encode_batch(texts))
        runners = {
            "stage, one core (in_memory)": ["--direct_running_mode=in_memory"],
            f"stage, {args.workers} workers (multi_processing)": [
                "--direct_running_mode=multi_processing",
                f"--direct_num_workers={args.workers}",
            ],
        }
        raw: dict[str, dict[bool, list[float]]] = {
            "raw encoder, one core": {True: [], False: []},
            f"raw encoder, {args.workers} processes": {True: [], False: []},
        }
        stage: dict[str, dict[bool, list[float]]] = {
            name: {True: [], False: []} for name in runners
        }
        identical = True
        for _ in range(args.repeats):
            for fast in (False, True):
                raw["raw encoder, one core"][fast].append(
                    raw_seconds(tokenizer_json, fast, texts, 1)
                )
                raw[f"raw encoder, {args.workers} processes"][fast].append(
                    raw_seconds(tokenizer_json, fast, texts, args.workers)
                )
            for name, runner in runners.items():
                shards = {}
                for fast in (False, True):
                    seconds, shards[fast] = stage_seconds(root, tokenizer, fast, runner)
                    stage[name][fast].append(seconds)
                identical &= bool(shards[True]) and shards[True] == shards[False]
        print(
            f"{len(texts):,} documents, {mb:.1f} MB, {tokens:,} tokens, Polyglot-Ko tokenizer; "
            f"median of {args.repeats}; {os.cpu_count()} cores"
        )
        for label, seconds in {**raw, **stage}.items():
            report(label, seconds, mb, tokens)
        print(f"  shards byte-identical between the encoders: {'yes' if identical else 'NO'}")
        one_core = "stage, one core (in_memory)"
        stage_fast = statistics.median(stage[one_core][True])
        raw_fast = statistics.median(raw["raw encoder, one core"][True])
        print(f"  one-core stage runs at {raw_fast / stage_fast:.0%} of the raw fast encoder")
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
