"""Dedupe throughput and memory: documents/s per core and peak RSS at growing corpus sizes.

    .venv/bin/python bench/bench_dedupe_scale.py --sizes 10000,100000 [--workers 2]

For each size, a synthetic corpus is written once as JSONL shards under --cache (documents made
of random lines of ../shared/corpora/ko_docs.jsonl.gz, then 10% exact and 20% near copies of
earlier ones), and a fresh Python process runs Read -> Deduplicate (default config) on the local
FnApiRunner in ``multi_processing`` mode. It reports wall time, CPU seconds of the runner and
its workers, documents per CPU-second, and peak RSS of the runner process (which holds the
runner-managed shuffle) and of the largest worker process (which runs the DoFns).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "ko_docs.jsonl.gz"
DOCS_PER_SHARD = 10_000


def write_corpus(source: Path, directory: Path, size: int, seed: int) -> None:
    """``size`` documents in JSONL shards: 70% new, 20% near copies, 10% exact copies."""
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        pool = [
            line
            for record in lines
            for line in json.loads(record)["text"].split("\n")
            if len(line) >= 20
        ]
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    recent: list[str] = []  # copies are drawn from the last 1,000 documents
    out = None
    for i in range(size):
        if i % DOCS_PER_SHARD == 0:
            if out:
                out.close()
            out = open(directory / f"part-{i // DOCS_PER_SHARD:05d}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
        roll = rng.random()
        if recent and roll < 0.1:
            text = rng.choice(recent)
        elif recent and roll < 0.3:
            words = rng.choice(recent).split(" ")
            for _ in range(max(1, len(words) // 30)):
                words[rng.randrange(len(words))] = rng.choice(pool).split(" ")[0]
            text = " ".join(words)
        else:
            text = "\n".join(rng.choice(pool) for _ in range(rng.randint(5, 25)))
        recent = (recent + [text])[-1000:]
        out.write(json.dumps({"id": f"doc{i:08d}", "text": text}, ensure_ascii=False) + "\n")
    out.close()
    (directory / "DONE").write_text(str(size))


class PeakMemory:
    """Samples the RSS of this process and of each descendant (the SDK workers) every 0.2 s.

    Worker processes may be killed rather than waited for, so ``RUSAGE_CHILDREN`` can miss them.
    """

    def __init__(self):
        import psutil  # a benchmark-only dependency: pip install psutil

        self._me = psutil.Process()
        self._done = threading.Event()
        self.runner_mb = self.worker_mb = 0.0
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        import psutil

        while not self._done.wait(0.2):
            try:
                self.runner_mb = max(self.runner_mb, self._me.memory_info().rss / 2**20)
                for child in self._me.children(recursive=True):
                    self.worker_mb = max(self.worker_mb, child.memory_info().rss / 2**20)
            except psutil.Error:  # a worker ended between listing and reading it
                continue

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()


def run_once(directory: Path, workers: int, baseline: bool) -> dict:
    """Run the pipeline in this process; the figures as a dict.

    ``baseline``: instead of Deduplicate, one GroupByKey of the documents by id: what the runner
    itself needs to read and shuffle the corpus once.
    """
    import apache_beam as beam
    from apache_beam.metrics.metric import MetricsFilter

    from runners.options import make_pipeline
    from transforms.dedupe import DedupeConfig
    from transforms.records import make_document
    from transforms.steps.dedupe import Deduplicate
    from transforms.steps.stage import METRICS_NAMESPACE

    def to_document(line: str) -> dict:
        record = json.loads(line)
        return make_document(record["id"], record["text"], "bench")

    args = ["--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"]
    started = time.monotonic()
    pipeline = make_pipeline(args)
    docs = (
        pipeline
        | "Read" >> beam.io.ReadFromText(str(directory / "part-*.jsonl"))
        | "Parse" >> beam.Map(to_document)
    )
    if baseline:
        outputs = [docs | beam.Map(lambda d: (d["id"], d)) | beam.GroupByKey()]
    else:
        outputs = list(docs | "Dedupe" >> Deduplicate(DedupeConfig()))
    _ = outputs | beam.Flatten() | beam.combiners.Count.Globally()
    with PeakMemory() as peak:
        result = pipeline.run()
        result.wait_until_finish()
    wall = time.monotonic() - started
    query = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
    counters = {c.key.metric.name: c.committed for c in query["counters"]}
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall_s": wall,
        "cpu_s": me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime,
        "runner_peak_mb": max(peak.runner_mb, me.ru_maxrss / 1024),
        "worker_peak_mb": max(peak.worker_mb, children.ru_maxrss / 1024),
        "counters": counters,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/kprep-bench-dedupe"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--baseline", action="store_true", help="shuffle the corpus once, no dedupe"
    )
    parser.add_argument("--run-one", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.run_one:
        print(json.dumps(run_once(args.run_one, args.workers, args.baseline)))
        return
    if not args.corpus.is_file():
        sys.exit(f"corpus {args.corpus} not found: pass --corpus")
    print("docs      wall_s   cpu_s  docs/cpu-s  runner_peak_MB  worker_peak_MB  kept  exact  near")
    for size in (int(s) for s in args.sizes.split(",")):
        directory = args.cache / f"{size}-seed{args.seed}"
        if not (directory / "DONE").is_file():
            write_corpus(args.corpus, directory, size, args.seed)
        child = subprocess.run(
            [sys.executable, __file__, "--run-one", str(directory), "--workers", str(args.workers)]
            + (["--baseline"] if args.baseline else []),
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        counts = [figures["counters"].get(f"dedupe.{k}", 0) for k in ("kept", "dropped.exact")]
        counts.append(figures["counters"].get("dedupe.dropped.near", 0))
        print(
            f"{size:<9d} {figures['wall_s']:6.0f} {figures['cpu_s']:7.0f} "
            f"{size / figures['cpu_s']:11.0f} {figures['runner_peak_mb']:15.0f} "
            f"{figures['worker_peak_mb']:15.0f} {counts[0]:5d} {counts[1]:6d} {counts[2]:5d}",
            flush=True,
        )


if __name__ == "__main__":
    main()
