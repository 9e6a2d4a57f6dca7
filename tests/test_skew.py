"""Skew corpora (bench/make_skew_corpora.py) through ``kprep prepare`` at CI sizes.

Each corpus is small here, but shaped as at full size: one hot exact-duplicate key and hot LSH
buckets, a near-duplicate chain that needs many connected-components rounds, one file against
the same records in four, many tiny files against a few, and one source for every document.
The exact outcome is asserted from clean/, rejected/ and stats.json. Full sizes: bench/skew.py.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pipeline.cli import main
from tokenizer_training.report import RELEASED_TOKENIZER
from transforms.megatron import IndexedDataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import make_skew_corpora as skew  # noqa: E402

if not skew.SEED_CORPUS.exists():
    pytest.skip(f"the seed corpus {skew.SEED_CORPUS} is missing", allow_module_level=True)

BEAM = ["--direct_running_mode=in_memory", "--log-level=WARNING"]
SEED = 1234
# CI sizes, as --scale of the full sizes: 1,000 copies + 100 near copies + 30 ordinary documents;
# a chain of 1,000; ~3 MB in one file; 100 tiny files; ~1 MB of one source.
HOT_SCALE = 0.005
CHAIN_SCALE = 0.02
COPIES, NEAR_COPIES, ORDINARY, CHAIN = 1000, 100, 30, 1000
BIG_FILE_SCALE = 0.0015
TINY_SCALE = 0.005
ONE_SOURCE_SCALE = 0.002


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Every corpus at its CI size: name -> (directory, summary)."""
    root = tmp_path_factory.mktemp("skew")
    scales = {
        "hot_duplicate": HOT_SCALE,
        "near_chain": CHAIN_SCALE,
        "one_big_file": BIG_FILE_SCALE,
        "many_tiny_files": TINY_SCALE,
        "one_source": ONE_SOURCE_SCALE,
    }
    return {
        name: (root / name, skew.CORPORA[name](root / name, scale, SEED))
        for name, scale in scales.items()
    }


def prepare(input_path: Path, out: Path, *flags: str) -> dict[str, Any]:
    """``kprep prepare`` in-process; returns stats.json's prepare figures."""
    assert main(["prepare", "--input", str(input_path), "--output", str(out), *flags, *BEAM]) == 0
    return json.loads((out / "stats.json").read_text())["stages"]["prepare"]


def rows(directory: Path) -> list[dict[str, Any]]:
    return pq.read_table(directory).to_pylist()


def failed_checks(run_dir: Path, summary: dict[str, Any], reference: Path | None = None):
    return [str(c) for c in skew.check_run(run_dir, summary, reference) if not c.ok]


def dedupe_config(path: Path, **values: int) -> str:
    path.write_text("[dedupe]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()))
    return str(path)


# ---------------------------------------------------------------------------------------------
# The generators themselves


def test_corpora_are_deterministic_and_shaped_as_documented(corpora, tmp_path):
    directory, summary = corpora["hot_duplicate"]
    again = skew.make_hot_duplicate(tmp_path / "hot", HOT_SCALE, SEED)
    for name in ("part-00000.jsonl", "part-00003.jsonl"):
        assert (tmp_path / "hot" / "input" / name).read_bytes() == (
            directory / "input" / name
        ).read_bytes()
    assert again == summary
    notes = summary["notes"]
    assert (notes["copies"], notes["near_copies"], notes["ordinary"]) == (
        COPIES,
        NEAR_COPIES,
        ORDINARY,
    )
    assert corpora["near_chain"][1]["documents"] == CHAIN
    texts = Counter()
    for path in sorted((directory / "input").glob("*.jsonl")):
        for record in map(json.loads, path.open(encoding="utf-8")):
            texts[record["text"]] += record["id"].startswith("hot")
    hot_texts = [text for text, n in texts.items() if n]
    # one text COPIES times, NEAR_COPIES texts once each
    assert sorted(Counter(texts[t] for t in hot_texts).items()) == [(1, NEAR_COPIES), (COPIES, 1)]
    assert len({len(t) for t in hot_texts}) == 1  # equal lengths: the smallest id is kept
    chain = corpora["near_chain"][1]["notes"]
    assert chain["neighbour_jaccard_min"] >= 0.85 and chain["ends_jaccard"] < 0.3
    assert corpora["many_tiny_files"][1]["notes"]["files"] == 100


# ---------------------------------------------------------------------------------------------
# 1. hot duplicate


@pytest.mark.parametrize("max_bucket_size", [None, 8], ids=["default", "chunked-buckets"])
def test_hot_duplicate_keeps_one_copy(corpora, tmp_path, max_bucket_size):
    directory, summary = corpora["hot_duplicate"]
    flags = list(summary["prepare_args"])
    if max_bucket_size:  # 101 distinct hot texts share buckets: cut into chunks of 8
        flags += ["--config", dedupe_config(tmp_path / "d.toml", max_bucket_size=8)]
    out = tmp_path / "run"
    stats = prepare(directory / summary["input"], out, *flags)
    assert failed_checks(out, summary) == []

    clean = {row["id"]: row for row in rows(out / "clean")}
    rejected = rows(out / "rejected")
    ordinary = {f"doc-{i:07d}" for i in range(ORDINARY)}
    assert set(clean) == {"hot-0000000"} | ordinary
    assert clean["hot-0000000"]["cluster_size"] == COPIES + NEAR_COPIES
    assert all(clean[i]["cluster_size"] == 1 for i in ordinary)
    exact = sorted(r["id"] for r in rejected if (r["stage"], r["reason"]) == ("dedupe", "exact"))
    near = sorted(r["id"] for r in rejected if (r["stage"], r["reason"]) == ("dedupe", "near"))
    assert exact == [f"hot-{i:07d}" for i in range(1, COPIES)]
    assert near == [f"hotnear-{i:07d}" for i in range(NEAR_COPIES)]
    assert {r["duplicate_of"] for r in rejected} == {"hot-0000000"}
    assert stats["records_in"] == COPIES + NEAR_COPIES + ORDINARY
    assert stats["clean"] == 1 + ORDINARY and stats["rejected"] == COPIES - 1 + NEAR_COPIES
    hot_buckets = stats["counters"].get("dedupe.buckets.hot", 0)
    assert hot_buckets > 0 if max_bucket_size else hot_buckets == 0


def test_hot_duplicate_tokenizes(corpora, tmp_path):
    directory, summary = corpora["hot_duplicate"]
    out = tmp_path / "run"
    prepare(directory / summary["input"], out, *summary["prepare_args"])
    tokenizer = tmp_path / "tokenizer.json"
    tokenizer.write_bytes(gzip.decompress(Path(RELEASED_TOKENIZER).read_bytes()))
    args = ["tokenize", "--input", str(out), "--tokenizer", str(tokenizer)]
    assert main([*args, "--output", str(out / "shards"), *BEAM]) == 0
    assert failed_checks(out, summary) == []
    manifest = json.loads((out / "shards" / "manifest.json").read_text())
    lengths = []
    for shard in manifest["shards"]:
        dataset = IndexedDataset(out / "shards" / shard["name"])
        lengths += [len(dataset[i]) for i in range(len(dataset))]
        assert all(dataset[i][-1] == 2 for i in range(len(dataset)))  # <|endoftext|>
    assert len(lengths) == 1 + ORDINARY  # the kept copy and the ordinary documents, once each
    tokenize = json.loads((out / "stats.json").read_text())["stages"]["tokenize"]
    assert tokenize["documents"] == 1 + ORDINARY and tokenize["tokens"] == sum(lengths)


def test_hot_duplicate_with_default_line_threshold(corpora, tmp_path):
    directory, summary = corpora["hot_duplicate"]
    out = tmp_path / "run"
    stats = prepare(directory / summary["input"], out)
    assert stats["records_in"] == COPIES + NEAR_COPIES + ORDINARY
    assert stats["clean"] == 1 + ORDINARY
    assert stats["rejected_by_stage"] == {"dedupe": {"exact": COPIES - 1, "near": NEAR_COPIES}}
    clean = {row["id"]: row for row in rows(out / "clean")}
    assert clean["hot-0000000"]["cluster_size"] == COPIES + NEAR_COPIES


# ---------------------------------------------------------------------------------------------
# 2. near-duplicate chain


def test_near_chain_is_one_cluster(corpora, tmp_path):
    directory, summary = corpora["near_chain"]
    out = tmp_path / "run"
    stats = prepare(directory / summary["input"], out)
    assert failed_checks(out, summary) == []
    clean = rows(out / "clean")
    assert [(r["id"], r["cluster_size"]) for r in clean] == [("chain-0000000", CHAIN)]
    rejected = rows(out / "rejected")
    assert sorted(r["id"] for r in rejected) == [f"chain-{i:07d}" for i in range(1, CHAIN)]
    assert {(r["stage"], r["reason"], r["duplicate_of"]) for r in rejected} == {
        ("dedupe", "near", "chain-0000000")
    }
    assert stats["counters"]["dedupe.dropped.near"] == CHAIN - 1


def test_near_chain_needs_several_component_rounds(corpora, tmp_path):
    # This 1,000-chain needs 8 large-star/small-star rounds (such a chain of N about
    # log2 N - 2; docs/scale.md): with 3 the run must fail loudly, not write split clusters.
    directory, summary = corpora["near_chain"]
    config = dedupe_config(tmp_path / "d.toml", max_rounds=3)
    with pytest.raises(Exception, match="did not converge"):
        prepare(directory / summary["input"], tmp_path / "run", "--config", config)


# ---------------------------------------------------------------------------------------------
# 3-5. layouts that must not change the result


@pytest.mark.slow
@pytest.mark.parametrize("name", ["one_big_file", "many_tiny_files", "one_source"])
def test_layout_gives_the_reference_result(corpora, tmp_path, name):
    directory, summary = corpora[name]
    shards = ["--output-shards", "8"]  # 8 clean and 2 rejected files: rows spread by id hash
    ours = prepare(directory / summary["input"], tmp_path / "run", *shards)
    theirs = prepare(directory / summary["reference"], tmp_path / "reference", *shards)
    assert failed_checks(tmp_path / "run", summary, tmp_path / "reference") == []
    assert len(list((tmp_path / "run" / "clean").glob("part-*.parquet"))) == 8
    assert len(list((tmp_path / "run" / "rejected").glob("part-*.parquet"))) == 2
    assert ours["records_in"] == theirs["records_in"] == summary["documents"]
    assert ours["input_bytes"] == theirs["input_bytes"]
    assert ours["rejected_by_stage"] == theirs["rejected_by_stage"]
    # the corpora hold make_corpus's duplicates and junk: every kind of outcome is there
    assert {"dedupe", "filter"} <= set(ours["rejected_by_stage"])
    assert ours["clean"] > 0.6 * ours["records_in"]
    clean = rows(tmp_path / "run" / "clean")
    if name == "one_source":
        assert {r["source"] for r in clean} == {skew.ONE_SOURCE}
        assert len({r["source"] for r in rows(tmp_path / "reference" / "clean")}) > 100
    if name == "many_tiny_files":
        assert ours["input_files"] == 100 and theirs["input_files"] == 4
    if name == "one_big_file":
        assert ours["input_files"] == 1 and theirs["input_files"] == 4


# ---------------------------------------------------------------------------------------------
# Beyond the five: ids that restart in every file


def test_ids_repeated_across_files(tmp_path):
    rng = random.Random(SEED)
    same_length = skew.sentences_by_length()[40]
    inputs = tmp_path / "input"
    inputs.mkdir()
    for number in range(3):
        with (inputs / f"part-{number}.jsonl").open("w", encoding="utf-8") as handle:
            for i in range(5):
                text = " ".join(rng.sample(same_length, 8))
                handle.write(json.dumps({"id": str(i + 1), "text": text}, ensure_ascii=False))
                handle.write("\n")
    stats = prepare(inputs, tmp_path / "run")
    assert stats["records_in"] == 15 and stats["clean"] + stats["rejected"] == 15
    assert stats["id_collisions"] == {"ids": 5, "records": 15}
