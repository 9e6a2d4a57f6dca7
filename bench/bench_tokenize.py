"""Tokenize + shard writing on the local Beam runner against the raw tokenizer ceiling.

Both sides run on one core (RAYON_NUM_THREADS=1, in_memory runner) over the same clean Parquet
text, in the same run, so the ratio is what the Beam shell costs: target >= 80% of the ceiling.

    python bench/bench_tokenize.py [--mb 20] [--repeats 3]

Needs ../shared/corpora (the text) ; uses the bundled Polyglot-Ko tokenizer.
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
from pathlib import Path

os.environ["RAYON_NUM_THREADS"] = "1"  # before tokenizers starts its thread pool
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

from pipeline.config import build_config  # noqa: E402
from pipeline.tokenize import run_tokenize  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "ko_docs.jsonl.gz"
RELEASED = Path(__file__).resolve().parent.parent / "tokenizer_training" / "data"


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
    pq.write_table(pa.table({"id": ids, "text": texts}), root / "clean" / "part-00000.parquet")
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not CORPUS.is_file():
        sys.exit(f"{CORPUS} not found: this benchmark needs ../shared/corpora")
    root = Path(tempfile.mkdtemp(prefix="kprep-bench-tokenize-"))
    try:
        texts = make_clean_dir(root, args.mb)
        tokenizer_json = root / "tokenizer.json"
        with gzip.open(RELEASED / "polyglot-ko-1.3b-tokenizer.json.gz", "rb") as src:
            tokenizer_json.write_bytes(src.read())
        config = build_config()
        ceiling, beam = [], []
        for _ in range(args.repeats):
            # A fresh tokenizer each time, as each Beam worker loads one: its word cache is cold.
            tokenizer = Tokenizer.from_file(str(tokenizer_json))
            started = time.perf_counter()
            tokens = sum(
                len(e.ids) + 1 for e in tokenizer.encode_batch(texts, add_special_tokens=False)
            )
            ceiling.append(tokens / (time.perf_counter() - started))
            stats = run_tokenize(
                config,
                str(root / "clean"),
                str(tokenizer_json),
                str(root / "shards"),
                str(root / "rejected"),
                ["--direct_running_mode=in_memory"],
            )
            beam.append(stats["tokens"] / stats["wall_s"])
        mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        print(
            f"{len(texts):,} documents, {mb:.1f} MB, {tokens:,} tokens; one core; "
            f"median of {args.repeats}"
        )
        print(f"  raw encode_batch (ceiling): {statistics.median(ceiling):>12,.0f} tokens/s")
        print(f"  kprep tokenize + write:     {statistics.median(beam):>12,.0f} tokens/s")
        print(f"  ratio: {statistics.median(beam) / statistics.median(ceiling):.1%} of the ceiling")
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
