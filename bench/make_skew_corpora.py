"""Skew corpora that break naive pipelines, each with its expected kprep outcome.

    .venv/bin/python bench/make_skew_corpora.py --which all --scale 0.01 --out /tmp/skew
    .venv/bin/python bench/make_skew_corpora.py --which near_chain --scale 1 --out /data/skew

``--scale 1`` gives the full sizes below; every size scales linearly, with a floor. Korean text
comes from the sentences of ../shared/corpora/ko_docs.jsonl.gz through bench/make_corpus.py's
helpers; every corpus is deterministic by seed.

- ``hot_duplicate``: one document repeated 200,000 times under distinct ids (one hot exact-
  duplicate key), 20,000 near copies of it that differ only in a 4-syllable code (distinct
  texts, so after exact dedupe each LSH band of the document is a bucket of most of the 20,001
  hot texts), and 300 ordinary documents. Every hot document has the same length, so the
  keeper (longest, ties -> smallest id) is ``hot-0000000``.
- ``near_chain``: 50,000 one-line documents of 40 sentences where document i+1 is document i
  with one sentence replaced by another of the same length: neighbours have a character
  5-gram Jaccard of 0.90-1.0, the two ends share nothing (0.03). One cluster, kept as
  ``chain-0000000`` (all documents have the same length).
- ``one_big_file``: 2 GB of make_corpus documents in a single JSONL file; the reference is the
  same lines split over 4 files.
- ``many_tiny_files``: 20,000 files of 1-3 make_corpus documents; the reference is the same
  lines in 4 files.
- ``one_source``: one 500 MB shard whose documents all carry ``source`` "site-000.example.kr";
  the reference is the same records with 1,000 different sources of the same length.

Each corpus directory holds its input, the reference input where it has one, and
``skew.json``: the dict its ``make_*`` function returns (input, extra prepare flags, expected
outcome). :func:`check_run` compares a finished kprep run with it.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TextIO

import pyarrow.parquet as pq
from make_corpus import SEED_CORPUS, Generator, load_sentences, new_generator

# Full sizes (--scale 1.0).
HOT_COPIES = 200_000
HOT_NEAR_COPIES = 20_000
HOT_ORDINARY = 300
CHAIN_DOCUMENTS = 50_000
BIG_FILE_BYTES = 2_000_000_000
TINY_FILES = 20_000
ONE_SOURCE_BYTES = 500_000_000

HOT_SENTENCES = 12  # sentences of the hot document (about 530 characters)
CHAIN_SENTENCES = 40  # sentences of a chain document (about 1,600 characters)
MIN_SAME_LENGTH = 50  # a chain sentence has at least this many same-length replacements
REFERENCE_FILES = 4
ONE_SOURCE = "site-000.example.kr"
CODE_SYLLABLES = "가나다라마바사아자차카타파하거너더러머버서어저처커터퍼허고노도로"  # 32
# Sentences that kprep's normalisation leaves as they are and that hold no number (no PII):
# the edits of the hot and chain documents then keep every document's length.
PLAIN_SENTENCE = re.compile(r"[가-힣A-Za-z .,?!'\"()~·:;/%-]+")
SHINGLE = 5  # kprep's default near-dedupe shingles: character 5-grams, spaces removed

Record = dict[str, Any]  # a JSONL record: id, source, text


# ---------------------------------------------------------------------------------------------
# Building blocks


@cache
def plain_sentences() -> tuple[str, ...]:
    """The seed corpus's Korean sentences made of Hangul, Latin letters and plain punctuation."""
    korean, _ = load_sentences(SEED_CORPUS)
    return tuple(s for s in korean if PLAIN_SENTENCE.fullmatch(s))


@cache
def sentences_by_length() -> dict[int, tuple[str, ...]]:
    """Plain sentences grouped by length, for lengths with at least MIN_SAME_LENGTH of them."""
    groups: dict[int, list[str]] = {}
    for sentence in plain_sentences():
        groups.setdefault(len(sentence), []).append(sentence)
    return {n: tuple(group) for n, group in groups.items() if len(group) >= MIN_SAME_LENGTH}


def scaled(full: int, scale: float, floor: int) -> int:
    """``full`` times ``scale``, at least ``floor``."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    return max(floor, round(full * scale))


def shingles(text: str) -> set[str]:
    """Character 5-grams of the text with whitespace removed (kprep's default shingles)."""
    compact = "".join(text.split())
    return {compact[i : i + SHINGLE] for i in range(len(compact) - SHINGLE + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """The Jaccard similarity of two shingle sets."""
    return len(a & b) / len(a | b) if a or b else 1.0


def line(record: Record) -> str:
    """The record as one JSONL line."""
    return json.dumps(record, ensure_ascii=False) + "\n"


def ordinary_text(generator: Generator) -> str:
    """A new make_corpus document: paragraphs of random sentences, no duplicate, PII or junk."""
    return "\n".join(" ".join(paragraph) for paragraph in generator.paragraphs())


def code(number: int, width: int = 4) -> str:
    """``number`` as ``width`` syllables of CODE_SYLLABLES: same length for every number."""
    base = len(CODE_SYLLABLES)
    if not 0 <= number < base**width:
        raise ValueError(f"code {number} does not fit in {width} syllables")
    digits = []
    for _ in range(width):
        number, digit = divmod(number, base)
        digits.append(CODE_SYLLABLES[digit])
    return "".join(reversed(digits))


class SplitWriter:
    """Lines into ``parts`` files ``DIR/part-NNNNN.jsonl``, the next file after about every
    ``total / parts`` bytes (the last one takes whatever is over ``total``)."""

    def __init__(self, directory: Path, total: int, parts: int = REFERENCE_FILES):
        directory.mkdir(parents=True, exist_ok=True)
        self._handles: list[TextIO] = [
            open(directory / f"part-{i:05d}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
            for i in range(parts)
        ]
        self._total = max(1, total)
        self.written = 0

    def write(self, text: str) -> None:
        parts = len(self._handles)
        self._handles[min(parts - 1, self.written * parts // self._total)].write(text)
        self.written += len(text.encode("utf-8"))

    def __enter__(self) -> SplitWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self._handles:
            handle.close()


INPUT_DIRS = ("input", "single", "tiny", "one", "reference")  # what the corpora write


def _fresh(out_dir: Path) -> None:
    """The corpus directory without the inputs and summary of an earlier corpus."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in INPUT_DIRS:
        shutil.rmtree(out_dir / name, ignore_errors=True)
    (out_dir / "skew.json").unlink(missing_ok=True)


def _finish(out_dir: Path, summary: dict[str, Any]) -> dict[str, Any]:
    (out_dir / "skew.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return summary


# ---------------------------------------------------------------------------------------------
# The corpora


def make_hot_duplicate(out_dir: Path, scale: float, seed: int) -> dict[str, Any]:
    """One document under many ids, near copies of it, and ordinary documents (4 files).

    Expected, with kprep's default settings: ``hot-0000000`` kept with
    cluster_size = copies + near copies, the other copies rejected ``dedupe exact`` and the near
    copies ``dedupe near``, all with duplicate_of ``hot-0000000``; every ordinary document clean
    with cluster_size 1.
    """
    _fresh(out_dir)
    copies = scaled(HOT_COPIES, scale, 20)
    near = scaled(HOT_NEAR_COPIES, scale, 5)
    ordinary = scaled(HOT_ORDINARY, scale, 30)
    rng = random.Random(seed)
    body = " ".join(rng.sample(plain_sentences(), HOT_SENTENCES))

    def hot_text(number: int) -> str:  # number 0: the copies' text; 1..near: the near copies
        return f"{body} 문서 관리 번호는 {code(number)}입니다."

    generator = new_generator(seed)
    ordinary_docs = [(f"doc-{i:07d}", ordinary_text(generator)) for i in range(ordinary)]
    order = [("hot", i) for i in range(copies)] + [("near", i) for i in range(near)]
    order += [("doc", i) for i in range(ordinary)]
    rng.shuffle(order)

    def records() -> Iterator[str]:
        for kind, i in order:
            if kind == "hot":
                yield line({"id": f"hot-{i:07d}", "source": "skew", "text": hot_text(0)})
            elif kind == "near":
                yield line({"id": f"hotnear-{i:07d}", "source": "skew", "text": hot_text(i + 1)})
            else:
                doc_id, text = ordinary_docs[i]
                yield line({"id": doc_id, "source": "skew", "text": text})

    estimate = (copies + near) * len(line({"id": "hot-0000000", "text": hot_text(0)}).encode())
    with SplitWriter(out_dir / "input", estimate) as parts:
        for text in records():
            parts.write(text)
    written = parts.written
    keeper = "hot-0000000"
    hot_j = jaccard(shingles(hot_text(0)), shingles(hot_text(1)))
    return _finish(
        out_dir,
        {
            "corpus": "hot_duplicate",
            "scale": scale,
            "seed": seed,
            "documents": copies + near + ordinary,
            "bytes": written,
            "input": "input",
            "prepare_args": [],
            "notes": {
                "copies": copies,
                "near_copies": near,
                "ordinary": ordinary,
                "jaccard_copy_vs_near_copy": round(hot_j, 3),
            },
            "expect": {
                "records_in": copies + near + ordinary,
                "clean_ids": sorted([keeper] + [doc_id for doc_id, _ in ordinary_docs]),
                "rejected": {"dedupe": {"exact": copies - 1, "near": near}},
                "cluster_size": {keeper: copies + near},
                "duplicate_of": {keeper: copies - 1 + near},
            },
        },
    )


def make_near_chain(out_dir: Path, scale: float, seed: int) -> dict[str, Any]:
    """A chain of one-line documents, each its predecessor with one sentence replaced.

    The replacement has the same length, so every document has the same length and the
    keeper is the smallest id; no step returns to an earlier document (which would be an exact
    copy, found at 50,000 documents). Ids follow the chain (``chain-0000000`` first), the order in
    which large-star/small-star connected components needs the most rounds (about log2 N on
    a path). Expected: one cluster of N, ``chain-0000000`` kept, N-1 rejected ``dedupe near``.
    """
    _fresh(out_dir)
    count = scaled(CHAIN_DOCUMENTS, scale, 10)
    rng = random.Random(seed)
    by_length = sentences_by_length()
    usable = [s for group in by_length.values() for s in group]
    current = rng.sample(usable, CHAIN_SENTENCES)
    chain: list[tuple[str, ...]] = []
    first_shingles = previous = shingles(" ".join(current))
    step_j = []
    seen = {tuple(current)}  # a step may not return to an earlier document: that is a copy
    for _ in range(count):
        chain.append(tuple(current))
        if len(chain) == count:
            break
        while True:
            position = rng.randrange(CHAIN_SENTENCES)
            present = set(current)
            candidates = by_length[len(current[position])]
            while (replacement := rng.choice(candidates)) in present:
                pass
            following = [*current[:position], replacement, *current[position + 1 :]]
            if tuple(following) not in seen:
                break
        current = following
        seen.add(tuple(current))
        now = shingles(" ".join(current))
        step_j.append(jaccard(previous, now))
        previous = now
    order = list(range(count))
    rng.shuffle(order)
    with SplitWriter(out_dir / "input", count * len(" ".join(chain[0]).encode())) as parts:
        for i in order:
            parts.write(
                line({"id": f"chain-{i:07d}", "source": "skew", "text": " ".join(chain[i])})
            )
    written = parts.written
    keeper = "chain-0000000"
    return _finish(
        out_dir,
        {
            "corpus": "near_chain",
            "scale": scale,
            "seed": seed,
            "documents": count,
            "bytes": written,
            "input": "input",
            "prepare_args": [],
            "notes": {
                "sentences_per_document": CHAIN_SENTENCES,
                "document_chars": len(" ".join(chain[0])),
                "neighbour_jaccard_min": round(min(step_j, default=1.0), 3),
                "neighbour_jaccard_max": round(max(step_j, default=1.0), 3),
                "ends_jaccard": round(jaccard(first_shingles, previous), 3),
            },
            "expect": {
                "records_in": count,
                "clean_ids": [keeper],
                "rejected": {"dedupe": {"near": count - 1}} if count > 1 else {},
                "cluster_size": {keeper: count},
                "duplicate_of": {keeper: count - 1},
            },
        },
    )


def make_one_big_file(out_dir: Path, scale: float, seed: int) -> dict[str, Any]:
    """make_corpus documents in one JSONL file; the reference holds the same lines in 4 files.

    Expected: accounting holds, and clean/ and rejected/ are byte for byte the reference's
    (the inputs' total size is the same, so is the number of output files).
    """
    _fresh(out_dir)
    size = scaled(BIG_FILE_BYTES, scale, 200_000)
    generator = new_generator(seed)
    (out_dir / "single").mkdir()
    count = 0
    with (
        open(out_dir / "single" / "corpus.jsonl", "w", encoding="utf-8") as single,
        SplitWriter(out_dir / "reference", size) as reference,
    ):
        while reference.written < size:
            text = line(generator.next()[0])
            single.write(text)
            reference.write(text)
            count += 1
    return _finish(
        out_dir,
        _same_as_reference("one_big_file", scale, seed, count, reference.written, "single"),
    )


def make_many_tiny_files(out_dir: Path, scale: float, seed: int) -> dict[str, Any]:
    """Many files of 1-3 make_corpus documents; the reference holds the same lines in 4 files.

    Expected: accounting holds, and clean/ and rejected/ are byte for byte the reference's.
    """
    _fresh(out_dir)
    files = scaled(TINY_FILES, scale, 10)
    generator = new_generator(seed)
    rng = random.Random(seed)
    tiny = out_dir / "tiny"
    tiny.mkdir()
    count = 0
    with SplitWriter(out_dir / "reference", files * 2 * 4000) as reference:
        for number in range(files):
            with open(tiny / f"f-{number:07d}.jsonl", "w", encoding="utf-8") as handle:
                for _ in range(rng.randint(1, 3)):
                    text = line(generator.next()[0])
                    handle.write(text)
                    reference.write(text)
                    count += 1
    summary = _same_as_reference("many_tiny_files", scale, seed, count, reference.written, "tiny")
    summary["notes"] = {"files": files}
    return _finish(out_dir, summary)


def make_one_source(out_dir: Path, scale: float, seed: int) -> dict[str, Any]:
    """One shard whose documents share one ``source``; the reference gives them 1,000 sources.

    Expected: accounting holds; every clean row's source is ONE_SOURCE; without the source
    column, clean/ equals the reference's, and rejected/ (which has no source) is byte for
    byte the reference's. The sources have the same length, so the inputs do too.
    """
    _fresh(out_dir)
    size = scaled(ONE_SOURCE_BYTES, scale, 200_000)
    generator = new_generator(seed)
    (out_dir / "one").mkdir()
    (out_dir / "reference").mkdir()
    count = written = 0
    with (
        open(out_dir / "one" / "shard.jsonl", "w", encoding="utf-8") as one,
        open(out_dir / "reference" / "shard.jsonl", "w", encoding="utf-8") as reference,
    ):
        while written < size:
            record = generator.next()[0]
            text = line(dict(record, source=ONE_SOURCE))
            one.write(text)
            reference.write(line(dict(record, source=f"site-{count % 1000:03d}.example.kr")))
            written += len(text.encode("utf-8"))
            count += 1
    summary = _same_as_reference("one_source", scale, seed, count, written, "one")
    summary["expect"].update(same_except=["source"], clean_sources=[ONE_SOURCE])
    return _finish(out_dir, summary)


def _same_as_reference(
    corpus: str, scale: float, seed: int, count: int, written: int, input_dir: str
) -> dict[str, Any]:
    return {
        "corpus": corpus,
        "scale": scale,
        "seed": seed,
        "documents": count,
        "bytes": written,
        "input": input_dir,
        "prepare_args": [],
        "reference": "reference",
        "expect": {"records_in": count, "same_as_reference": True},
    }


CORPORA: dict[str, Callable[[Path, float, int], dict[str, Any]]] = {
    "hot_duplicate": make_hot_duplicate,
    "near_chain": make_near_chain,
    "one_big_file": make_one_big_file,
    "many_tiny_files": make_many_tiny_files,
    "one_source": make_one_source,
}


# ---------------------------------------------------------------------------------------------
# Checking a run against the expected outcome


@dataclass(frozen=True)
class Check:
    """One expected property of a run: what was expected, what was found."""

    name: str
    expected: Any
    found: Any

    @property
    def ok(self) -> bool:
        return self.expected == self.found

    def __str__(self) -> str:
        if self.ok:
            return f"pass  {self.name}: {_short(self.found)}"
        return f"FAIL  {self.name}: expected {_short(self.expected)}, found {_short(self.found)}"


def _short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


SHOWN_ITEMS = 20  # ids or entries listed in a check's finding


def _prepare_parquet(directory: Path) -> list[Path]:
    """prepare's Parquet files of an output directory (not tokenize's rejected rows)."""
    return sorted(directory.glob("part-*.parquet"))


def _columns(directory: Path, columns: list[str]) -> dict[str, list[Any]]:
    """The columns of prepare's Parquet files in ``directory``, concatenated."""
    out: dict[str, list[Any]] = {c: [] for c in columns}
    for path in _prepare_parquet(directory):
        table = pq.read_table(path, columns=columns)
        for column in columns:
            out[column] += table.column(column).to_pylist()
    return out


def _first(items: Any) -> Any:
    """At most SHOWN_ITEMS of a sorted list or dict, so a failed check stays readable."""
    if isinstance(items, dict):
        return dict(sorted(items.items())[:SHOWN_ITEMS])
    return sorted(items)[:SHOWN_ITEMS]


def check_run(
    run_dir: Path, summary: dict[str, Any], reference_dir: Path | None = None
) -> list[Check]:
    """The checks of one kprep prepare (and tokenize, if it ran) against ``summary["expect"]``.

    ``reference_dir`` is the run on the reference input, for the corpora that have one. Reads
    only the id-sized columns, and compares Parquet files one at a time.
    """
    expect = summary["expect"]
    stages = json.loads((run_dir / "stats.json").read_text(encoding="utf-8"))["stages"]
    prepare = stages["prepare"]
    clean = _columns(run_dir / "clean", ["id", "source", "cluster_size"])
    rejected = _columns(run_dir / "rejected", ["id", "stage", "duplicate_of"])
    clean_ids, rejected_ids = clean["id"], rejected["id"]
    checks = [
        Check("records in", expect["records_in"], prepare["records_in"]),
        Check("clean + rejected rows", prepare["records_in"], len(clean_ids) + len(rejected_ids)),
        Check("distinct ids", len(clean_ids) + len(rejected_ids), len({*clean_ids, *rejected_ids})),
    ]
    if "clean_ids" in expect:
        wanted, found = set(expect["clean_ids"]), set(clean_ids)
        checks.append(Check("clean documents", len(wanted), len(clean_ids)))
        checks.append(Check("expected clean ids missing", [], _first(wanted - found)))
        checks.append(Check("unexpected clean ids", [], _first(found - wanted)))
    if "rejected" in expect:
        checks.append(Check("rejected by stage", expect["rejected"], prepare["rejected_by_stage"]))
    if "cluster_size" in expect:
        sizes = dict(zip(clean_ids, clean["cluster_size"], strict=True))
        for doc_id, size in expect["cluster_size"].items():
            checks.append(Check(f"cluster_size of {doc_id}", size, sizes.get(doc_id)))
        others = {i: n for i, n in sizes.items() if i not in expect["cluster_size"] and n != 1}
        checks.append(Check("other clusters (size > 1)", {}, _first(others)))
    if "duplicate_of" in expect:
        named = Counter(
            keeper
            for stage, keeper in zip(rejected["stage"], rejected["duplicate_of"], strict=True)
            if stage == "dedupe"
        )
        checks.append(Check("dedupe rejections by keeper", expect["duplicate_of"], dict(named)))
    if "clean_sources" in expect:
        found_sources = sorted(set(clean["source"]))
        checks.append(Check("clean sources", expect["clean_sources"], _first(found_sources)))
    if expect.get("same_as_reference"):
        if reference_dir is None:
            checks.append(Check("reference run", "present", "missing"))
        else:
            checks += _reference_checks(run_dir, reference_dir, expect.get("same_except", []))
    if "tokenize" in stages:
        checks.append(Check("tokenized documents", len(clean_ids), stages["tokenize"]["documents"]))
    return checks


def _reference_checks(run_dir: Path, reference_dir: Path, except_columns: list[str]) -> list[Check]:
    """clean/ and rejected/ against the reference run's: the same file names, the same bytes
    (or, with ``except_columns``, the same tables without those columns)."""
    checks = []
    for sub in ("clean", "rejected"):
        ours = {p.name: p for p in _prepare_parquet(run_dir / sub)}
        theirs = {p.name: p for p in _prepare_parquet(reference_dir / sub)}
        checks.append(Check(f"{sub}/ files as the reference's", sorted(theirs), sorted(ours)))
        skip = except_columns if sub == "clean" else []  # rejected/ has no source column
        differing = []
        for name in sorted(ours.keys() & theirs.keys()):
            if skip:
                same = (
                    pq.read_table(ours[name])
                    .drop_columns(skip)
                    .equals(pq.read_table(theirs[name]).drop_columns(skip))
                )
            else:
                same = ours[name].read_bytes() == theirs[name].read_bytes()
            if not same:
                differing.append(name)
        what = f"bytes but {', '.join(skip)}" if skip else "bytes"
        checks.append(Check(f"{sub}/ files whose {what} differ", [], differing))
    return checks


# ---------------------------------------------------------------------------------------------


def load_summary(corpus_dir: Path) -> dict[str, Any] | None:
    """The skew.json of an existing corpus directory, or None."""
    path = corpus_dir / "skew.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def ensure_corpus(name: str, out_dir: Path, scale: float, seed: int) -> dict[str, Any]:
    """The corpus ``name`` in ``out_dir``: reused when its scale and seed match, else made."""
    known = load_summary(out_dir)
    if known and known["corpus"] == name and known["scale"] == scale and known["seed"] == seed:
        return known
    return CORPORA[name](out_dir, scale, seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--which", default="all", help=f"all, or comma-separated of: {', '.join(CORPORA)}"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the full sizes")
    parser.add_argument("--out", type=Path, required=True, help="one directory per corpus in it")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)
    names = list(CORPORA) if args.which == "all" else args.which.split(",")
    unknown = [n for n in names if n not in CORPORA]
    if unknown:
        parser.error(f"unknown corpus {', '.join(unknown)}; choose from {', '.join(CORPORA)}")
    if not SEED_CORPUS.exists():
        print(f"make_skew_corpora: the seed corpus {SEED_CORPUS} is missing", file=sys.stderr)
        return 2
    for name in names:
        started = time.monotonic()
        summary = CORPORA[name](args.out / name, args.scale, args.seed)
        shown = {k: v for k, v in summary.items() if k != "expect"}
        print(json.dumps(shown, ensure_ascii=False))
        print(f"{name}: written in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
