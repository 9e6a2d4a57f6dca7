"""kprep prepare+tokenize side by side with datatrove doing the same work on the same corpus.

    .venv/bin/python bench/make_corpus.py --size 10MB --out /tmp/bench/c10
    .venv/bin/python bench/compare_datatrove.py --corpus /tmp/bench/c10 --runs 3

Needs ``pip install datatrove psutil``. Each run measures, one after the other on this machine:

- kprep: ``kprep prepare`` (read, normalise, repeated lines, filters, PII, exact dedupe, Parquet)
  then ``kprep tokenize`` into Megatron shards, both with Beam's local multi-processing runner;
- datatrove: JsonlReader -> GopherRepetitionFilter -> GopherQualityFilter -> JsonlWriter ->
  MinhashDedupSignature; MinhashDedupBuckets; MinhashDedupCluster; JsonlReader ->
  MinhashDedupFilter -> MegatronDocumentTokenizer, on LocalPipelineExecutor, every rejected
  document written by an exclusion writer (kprep writes its rejected rows too), zstd JSONL.
  Its filters use kprep's thresholds (transforms/filters/base.py) where the two share a rule.
  ``--words kiwi`` splits words as datatrove does for Korean (Kiwi morphemes, as FineWeb-2;
  datatrove's ``kor`` default asks for a Kiwi model kiwipiepy >= 0.22 no longer ships, so the
  script passes datatrove's KiwiTokenizer with the shipped ``cong`` model);
  ``--words eojeol`` splits on whitespace as kprep does; ``both`` (default) runs both.

Both use the released Polyglot-Ko tokenizer and the same number of worker processes. Each
process tree is measured from outside (psutil, sampled every 0.1 s): wall time, CPU time (user +
system of every process), peak memory (the largest sum of resident set sizes over the tree; pages
shared by forked workers count once per process). Throughput is input documents per second per
worker. Ratios are taken within each run and their median is printed, so machine load drifting
between runs cancels out. The dedupe decisions are compared on the documents that both tools'
filters kept, and each tool is scored against the corpus ground truth (bench/make_corpus.py).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
KPREP = Path(sys.executable).with_name("kprep")
RELEASED_TOKENIZER = ROOT / "tokenizer_training" / "data" / "polyglot-ko-1.3b-tokenizer.json.gz"
EOD = "<|endoftext|>"
SAMPLE_EVERY_S = 0.1


# ---------------------------------------------------------------------------------------------
# Measuring a process tree


class MemoryLimitExceeded(Exception):
    """A measured process tree went over its memory limit and was killed; ``usage`` holds the
    figures measured up to then. Not a RuntimeError: :func:`attempt` does not rerun it."""

    def __init__(self, command: list[str], rss_mb: float, limit_mb: float, usage: dict[str, Any]):
        super().__init__(
            f"{' '.join(command)}: its process tree reached {rss_mb:,.0f} MB, over the "
            f"{limit_mb:,.1f} MB limit, and was killed"
        )
        self.command, self.rss_mb, self.limit_mb, self.usage = command, rss_mb, limit_mb, usage


def _kill_tree(root: psutil.Process) -> None:
    """Kill ``root`` and every descendant (children first, so none is re-parented and missed)."""
    try:
        members = [*root.children(recursive=True), root]
    except psutil.Error:
        members = [root]
    for member in members:
        with contextlib.suppress(psutil.Error):
            member.kill()
    psutil.wait_procs(members, timeout=10)


def measure(
    commands: list[list[str]],
    log_path: Path,
    every_s: float = SAMPLE_EVERY_S,
    memory_limit_mb: float | None = None,
) -> dict[str, Any]:
    """Run ``commands`` one after the other; wall s, CPU s and peak MB of their process trees
    (and the peak of the largest single process, with the start of its command line).

    CPU time is the larger of two lower bounds: the sampled per-process times (which miss each
    process's last ``every_s``) and getrusage of the waited-for descendants (which misses
    workers that nobody waited for). With ``memory_limit_mb``, a tree whose summed resident
    memory goes over it at a sample is killed at once and :class:`MemoryLimitExceeded` raised.
    """
    wall = cpu = peak = largest = 0.0
    largest_name = ""
    with open(log_path, "ab") as log:
        for command in commands:
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            sampled: dict[tuple[int, float], float] = {}
            while proc.poll() is None:
                rss = 0
                try:
                    tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(True)]
                except psutil.Error:
                    tree = []
                for member in tree:
                    try:
                        with member.oneshot():
                            times = member.cpu_times()
                            sampled[(member.pid, member.create_time())] = times.user + times.system
                            own = member.memory_info().rss / 2**20
                            name = " ".join(Path(a).name for a in member.cmdline()[:3])
                    except psutil.Error:
                        continue  # it exited between the listing and the read
                    rss += own
                    if own > largest:
                        largest, largest_name = own, name
                peak = max(peak, rss)
                if memory_limit_mb is not None and rss > memory_limit_mb:
                    with contextlib.suppress(psutil.Error):
                        _kill_tree(psutil.Process(proc.pid))
                    proc.kill()
                    proc.wait()
                    log.write(f"killed: {rss:.0f} MB > limit {memory_limit_mb:.0f} MB\n".encode())
                    usage = {
                        "wall_s": wall + time.perf_counter() - started,
                        "cpu_s": cpu + sum(sampled.values()),
                        "peak_mb": peak,
                        "largest_process_mb": largest,
                        "largest_process": largest_name,
                    }
                    raise MemoryLimitExceeded(command, rss, memory_limit_mb, usage)
                time.sleep(every_s)
            wall += time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            waited = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            cpu += max(sum(sampled.values()), waited)
            if proc.returncode != 0:
                raise RuntimeError(
                    f"{' '.join(command)} failed ({proc.returncode}); see {log_path}"
                )
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_mb": peak,
        "largest_process_mb": largest,
        "largest_process": largest_name,
    }


def attempt(what: str, run: Callable[[], dict[str, Any]], failures: list[str]) -> dict[str, Any]:
    """``run()``, tried up to three times; each failure is noted in ``failures`` (a process that
    dies at exit fails the run, and is rerun rather than measured)."""
    for _ in range(3):
        try:
            return run()
        except RuntimeError as err:
            failures.append(f"{what}: {err}")
            print(f"  {what} failed, run again: {err}", flush=True)
    raise RuntimeError(f"{what} failed three times: {failures[-1]}")


def released_tokenizer(directory: Path) -> str:
    """The Polyglot-Ko tokenizer.json, unpacked into ``directory``."""
    path = directory / "polyglot-ko-tokenizer.json"
    if not path.exists():
        path.write_bytes(gzip.decompress(RELEASED_TOKENIZER.read_bytes()))
    return str(path)


def corpus_files(corpus: Path) -> list[Path]:
    files = sorted(corpus.glob("part-*.jsonl"))
    if not files:
        raise SystemExit(f"no part-*.jsonl in {corpus}: make one with bench/make_corpus.py")
    return files


def run_kprep(corpus: Path, out: Path, tokenizer: str, workers: int) -> dict[str, Any]:
    """kprep prepare then tokenize as subprocesses: their usage, figures and stage times."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    mode = "multi_processing" if workers > 1 else "in_memory"
    beam = [f"--direct_running_mode={mode}", f"--direct_num_workers={workers}"]
    beam.append("--log-level=WARNING")
    prepare = [str(KPREP), "prepare", "--input", str(corpus / "part-*.jsonl"), "--output", str(out)]
    tokenize = [str(KPREP), "tokenize", "--input", str(out), "--tokenizer", tokenizer]
    tokenize += ["--output", str(out / "shards")]
    usage = measure([prepare + beam, tokenize + beam], out / "commands.log")
    stages = json.loads((out / "stats.json").read_text())["stages"]
    return {
        **usage,
        "documents_in": stages["prepare"]["records_in"],
        "documents_out": stages["tokenize"]["documents"],
        "tokens": stages["tokenize"]["tokens"],
        "stage_wall_s": {stage: stages[stage]["wall_s"] for stage in ("prepare", "tokenize")},
    }


# ---------------------------------------------------------------------------------------------
# The datatrove side (run in its own process, so that it is measured like kprep)


def datatrove_pipeline(corpus: Path, out: Path, tokenizer: str, workers: int, words: str) -> None:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.filters import GopherQualityFilter, GopherRepetitionFilter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.tokens import MegatronDocumentTokenizer
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.word_tokenizers import KiwiTokenizer, WordTokenizer

    from transforms.filters.base import FilterConfig

    class EojeolTokenizer(WordTokenizer):
        """Words split on whitespace (eojeol), as kprep's filters count them."""

        def word_tokenize(self, text: str) -> list[str]:
            return text.split()

        def sent_tokenize(self, text: str) -> list[str]:
            return [line for line in text.splitlines() if line.strip()]

        def span_tokenize(self, text: str) -> list[tuple[int, int]]:
            return [match.span() for match in re.finditer(r"\S+", text)]

    # datatrove's own Korean tokenizer, on the Kiwi model kiwipiepy ships ("kor" asks for the
    # "sbg" model, which kiwipiepy no longer includes since 0.22)
    language = KiwiTokenizer(model_type="cong") if words == "kiwi" else EojeolTokenizer()
    limits = FilterConfig()
    minhash = MinhashConfig()
    files = len(corpus_files(corpus))

    def writer(name: str) -> JsonlWriter:
        return JsonlWriter(str(out / name), compression="zstd")

    def run(name: str, steps: list, tasks: int) -> None:
        logs = str(out / "logs" / name)
        LocalPipelineExecutor(steps, tasks=tasks, workers=workers, logging_dir=logs).run()

    reader = {"glob_pattern": "part-*.jsonl", "text_key": "text", "id_key": "id"}
    run(
        "filter",
        [
            JsonlReader(str(corpus), **reader),
            GopherRepetitionFilter(
                dup_line_frac=limits.max_dup_line_frac,
                dup_line_char_frac=limits.max_dup_line_char_frac,
                top_n_grams=limits.max_top_ngram_char_frac,
                dup_n_grams=limits.max_dup_ngram_char_frac,
                exclusion_writer=writer("removed_repetition"),
                language=language,
            ),
            GopherQualityFilter(
                # kprep's 100-character minimum is about 20 eojeol or 40 morphemes; its word
                # length bounds are for eojeol (Kiwi morphemes average 1.5 characters); no
                # English stop words
                min_doc_words=20 if words == "eojeol" else 40,
                max_doc_words=None,
                min_avg_word_length=limits.min_mean_word_length if words == "eojeol" else None,
                max_avg_word_length=limits.max_mean_word_length if words == "eojeol" else None,
                max_symbol_word_ratio=limits.max_symbol_word_ratio,
                max_bullet_lines_ratio=limits.max_bullet_line_frac,
                max_ellipsis_lines_ratio=limits.max_ellipsis_line_frac,
                min_stop_words=None,
                exclusion_writer=writer("removed_quality"),
                language=language,
            ),
            writer("filtered"),
            MinhashDedupSignature(str(out / "signatures"), config=minhash, language=language),
        ],
        files,
    )
    run(
        "buckets",
        [MinhashDedupBuckets(str(out / "signatures"), str(out / "buckets"), config=minhash)],
        minhash.num_buckets,
    )
    # cluster ids and sizes: kprep records both (duplicate_of, cluster_size) too
    cluster = MinhashDedupCluster(
        str(out / "buckets"), str(out / "remove_ids"), save_cluster_id=True, save_cluster_size=True
    )
    run("cluster", [cluster], 1)
    run(
        "tokenize",
        [
            JsonlReader(str(out / "filtered"), text_key="text", id_key="id"),
            MinhashDedupFilter(
                str(out / "remove_ids"),
                exclusion_writer=writer("removed_dedupe"),
                load_cluster_ids=True,
                load_cluster_sizes=True,
            ),
            writer("clean"),  # as kprep writes clean/
            MegatronDocumentTokenizer(
                str(out / "tokens"), tokenizer_name_or_path=tokenizer, eos_token=EOD
            ),
        ],
        files,
    )


def run_datatrove(
    corpus: Path, out: Path, tokenizer: str, workers: int, words: str
) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    command = [sys.executable, __file__, "--corpus", str(corpus), "--_datatrove-out", str(out)]
    command += ["--workers", str(workers), "--words", words, "--tokenizer", tokenizer]
    usage = measure([command], out / "commands.log")
    return {
        **usage,
        "documents_in": sum(1 for f in corpus_files(corpus) for _ in open(f, "rb")),
        "documents_out": len(read_docs(out / "clean")),
        "tokens": sum(f.stat().st_size for f in (out / "tokens").glob("*.bin")) // 2,
    }


def read_docs(directory: Path) -> dict[str, dict[str, Any]]:
    """id -> metadata of the documents a datatrove JsonlWriter wrote into ``directory``."""
    import zstandard

    docs: dict[str, dict[str, Any]] = {}
    for path in directory.glob("*.jsonl.zst"):
        with zstandard.open(path, "rt", encoding="utf-8") as handle:
            for row in map(json.loads, handle):
                docs[row["id"]] = row.get("metadata", {})
    return docs


# ---------------------------------------------------------------------------------------------
# Decisions: dedupe agreement and the ground truth


@dataclass
class Decisions:
    """One tool's decisions: ids filtered out, ids that reached dedupe, ids removed by it, and
    for every id that reached dedupe its cluster (the keeper's id, or its own)."""

    filtered: set[str]
    entered: set[str]
    removed: set[str]
    cluster: dict[str, str]


def decisions_kprep(out: Path) -> Decisions:
    rows = pq.read_table(out / "rejected", columns=["id", "stage", "duplicate_of"]).to_pylist()
    clean = pq.read_table(out / "clean", columns=["id"]).column("id").to_pylist()
    removed = {r["id"]: r["duplicate_of"] for r in rows if r["stage"] == "dedupe"}
    return Decisions(
        filtered={r["id"] for r in rows if r["stage"] in ("read", "filter")},
        entered=set(clean) | set(removed),
        removed=set(removed),
        cluster={**{i: i for i in clean}, **removed},
    )


def decisions_datatrove(out: Path) -> Decisions:
    kept, removed = read_docs(out / "clean"), read_docs(out / "removed_dedupe")
    cluster = {}
    for doc_id, metadata in {**kept, **removed}.items():
        number = metadata.get("minhash_cluster_id", -1)
        cluster[doc_id] = doc_id if number == -1 else f"cluster {number}"
    return Decisions(
        filtered=set(read_docs(out / "removed_repetition"))
        | set(read_docs(out / "removed_quality")),
        entered=set(read_docs(out / "filtered")),
        removed=set(removed),
        cluster=cluster,
    )


def load_truth(corpus: Path) -> dict[str, dict[str, Any]]:
    with gzip.open(corpus / "truth.jsonl.gz", "rt", encoding="utf-8") as handle:
        return {row["id"]: row for row in map(json.loads, handle)}


def score(truth: dict[str, dict[str, Any]], tool: Decisions) -> dict[str, Any]:
    """One tool's decisions against the ground truth.

    A family is a generated document with its exact and near copies. Among the members that
    reached dedupe, one should be kept: more is a missed duplicate, none an over-removal.
    """
    junk = {i for i, t in truth.items() if t["kind"] == "junk"}
    families: dict[str, list[str]] = {}
    for doc_id, row in truth.items():
        if row["kind"] != "junk":
            families.setdefault(row.get("dup_of", doc_id), []).append(doc_id)
    kept_per_family = Counter()
    with_copies = 0
    for members in families.values():
        present = [m for m in members if m in tool.entered]
        if len(present) > 1:
            with_copies += 1
            kept_per_family[sum(1 for m in present if m not in tool.removed)] += 1
    singletons = {m[0] for m in families.values() if len(m) == 1 and m[0] in tool.entered}
    return {
        "junk_filtered": f"{len(junk & tool.filtered)}/{len(junk)}",
        "good_filtered": len(tool.filtered - junk),
        "families_with_copies": with_copies,
        "families_one_kept": kept_per_family[1],
        "copies_missed": sum((k - 1) * n for k, n in kept_per_family.items() if k > 1),
        "families_wiped": kept_per_family[0],
        "singletons_removed": len(singletons & tool.removed),
    }


def agreement(a: Decisions, b: Decisions) -> dict[str, Any]:
    """How far two dedupe decisions agree on the documents both tools' filters kept.

    Keeper policies differ (kprep keeps the longest copy, datatrove the first read), so the
    removed sets can differ where the clusters agree: pairs of documents put in one cluster are
    the comparison that does not depend on the keeper.
    """
    common = a.entered & b.entered
    removed_a, removed_b = a.removed & common, b.removed & common
    pairs_a = _same_cluster_pairs([a.cluster[i] for i in common])
    pairs_b = _same_cluster_pairs([b.cluster[i] for i in common])
    pairs_both = _same_cluster_pairs([(a.cluster[i], b.cluster[i]) for i in common])
    return {
        "documents": len(common),
        "removed_kprep": len(removed_a),
        "removed_datatrove": len(removed_b),
        "removed_both": len(removed_a & removed_b),
        "duplicate_pairs_kprep": pairs_a,
        "duplicate_pairs_datatrove": pairs_b,
        "duplicate_pairs_both": pairs_both,
        "pair_jaccard": round(pairs_both / max(1, pairs_a + pairs_b - pairs_both), 3),
    }


def _same_cluster_pairs(labels: list) -> int:
    return sum(n * (n - 1) // 2 for n in Counter(labels).values())


# ---------------------------------------------------------------------------------------------


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next(
        (x.split(":", 1)[1].strip() for x in cpuinfo if "model name" in x), platform.processor()
    )
    memory = psutil.virtual_memory().total / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, load {load}"


def kprep_version() -> str:
    """The commit measured, and the pipeline files changed since it (read-only git calls)."""
    git = ["git", "-C", str(ROOT)]
    try:
        commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True)
        changed = subprocess.run(
            [*git, "diff", "--name-only", "HEAD", "--", "pipeline", "transforms", "runners"],
            capture_output=True,
        )
    except OSError:
        return "unknown (no git)"
    files = changed.stdout.decode().split()
    return commit.stdout.decode().strip() + (f" + changes in {', '.join(files)}" if files else "")


def summarise(results: list[dict[str, Any]], workers: int) -> dict[str, Any]:
    """Median usage per tool, and the per-run kprep/tool throughput ratios' median."""
    tools = results[0].keys()
    table = {}
    for tool in tools:
        runs = [r[tool] for r in results]
        keys = ("wall_s", "cpu_s", "peak_mb", "largest_process_mb")
        med = {k: statistics.median(r[k] for r in runs) for k in keys}
        docs = runs[0]["documents_in"]
        table[tool] = {
            **{k: round(v, 2) for k, v in med.items()},
            "docs_per_s_per_worker": round(docs / med["wall_s"] / workers, 1),
            "docs_per_cpu_s": round(docs / med["cpu_s"], 1),
            "documents_out": runs[0]["documents_out"],
            "tokens": runs[0]["tokens"],
            "largest_process": runs[-1]["largest_process"],
        }
        if tool != "kprep":
            wall = [r[tool]["wall_s"] / r["kprep"]["wall_s"] for r in results]
            cpu = [r[tool]["cpu_s"] / r["kprep"]["cpu_s"] for r in results]
            table[tool]["kprep_speedup_wall"] = round(statistics.median(wall), 2)
            table[tool]["kprep_speedup_cpu"] = round(statistics.median(cpu), 2)
    return table


def print_table(table: dict[str, Any]) -> None:
    head = f"{'tool':<18}{'wall s':>8}{'CPU s':>8}{'peak MB':>9}{'docs/s/worker':>15}"
    print(head + f"{'docs/CPU s':>12}{'kprep x (wall)':>16}{'kprep x (CPU)':>15}")
    for tool, row in table.items():
        print(
            f"{tool:<18}{row['wall_s']:>8.1f}{row['cpu_s']:>8.1f}{row['peak_mb']:>9.0f}"
            f"{row['docs_per_s_per_worker']:>15.1f}{row['docs_per_cpu_s']:>12.1f}"
            f"{row.get('kprep_speedup_wall', '-'):>16}{row.get('kprep_speedup_cpu', '-'):>15}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="from bench/make_corpus.py")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--words", choices=["kiwi", "eojeol", "both"], default="both")
    parser.add_argument("--work", type=Path, default=None, help="scratch dir (default: a temp)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here too")
    parser.add_argument("--tokenizer", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--_datatrove-out", dest="datatrove_out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.datatrove_out:  # the measured child process
        sys.path.insert(0, str(ROOT))
        datatrove_pipeline(
            args.corpus, args.datatrove_out, args.tokenizer, args.workers, args.words
        )
        return 0

    work = args.work or Path(tempfile.mkdtemp(prefix="kprep-vs-datatrove-"))
    work.mkdir(parents=True, exist_ok=True)
    tokenizer = released_tokenizer(work)
    words = ["kiwi", "eojeol"] if args.words == "both" else [args.words]
    corpus = json.loads((args.corpus / "corpus.json").read_text())
    print(f"corpus {args.corpus}: {corpus['bytes'] / 1e6:.0f} MB, {corpus['documents']} documents")
    print(f"machine: {machine()}; {args.workers} worker processes per tool")
    print(f"kprep: commit {kprep_version()}\n")
    results, failures = [], []
    for run in range(args.runs):
        row = {
            "kprep": attempt(
                "kprep",
                lambda: run_kprep(args.corpus, work / "kprep", tokenizer, args.workers),
                failures,
            )
        }
        for w in words:
            out = work / f"datatrove-{w}"
            row[f"datatrove ({w})"] = attempt(
                f"datatrove ({w})",
                lambda out=out, w=w: run_datatrove(args.corpus, out, tokenizer, args.workers, w),
                failures,
            )
        print(f"run {run + 1}: " + ", ".join(f"{t} {r['wall_s']:.1f} s" for t, r in row.items()))
        results.append(row)
    table = summarise(results, args.workers)
    print()
    print_table(table)
    for tool, row in table.items():
        largest = f"{row['largest_process_mb']:.0f} MB ({row['largest_process']})"
        print(f"  {tool}: largest process {largest}")

    truth = load_truth(args.corpus)
    kprep = decisions_kprep(work / "kprep")
    scores = {"kprep": score(truth, kprep)}
    agree = {}
    for w in words:
        theirs = decisions_datatrove(work / f"datatrove-{w}")
        scores[f"datatrove ({w})"] = score(truth, theirs)
        agree[f"datatrove ({w})"] = agreement(kprep, theirs)
    print("\nagainst the ground truth (last run):")
    for tool, row in scores.items():
        print(f"  {tool:<18} " + ", ".join(f"{k} {v}" for k, v in row.items()))
    print("\ndedupe agreement with kprep, on documents both tools' filters kept:")
    for tool, row in agree.items():
        print(f"  {tool:<18} " + ", ".join(f"{k} {v}" for k, v in row.items()))
    for failure in failures:
        print(f"failed and run again: {failure}")
    if args.json:
        report = {
            "failures": failures,
            "corpus": corpus,
            "machine": machine(),
            "kprep": kprep_version(),
            "workers": args.workers,
            "runs": results,
            "table": table,
            "truth": scores,
            "agreement": agree,
        }
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
