"""Data mixing in `kprep tokenize`: per-group train shards, weights, cluster upsampling."""

import gzip
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from pipeline.config import ConfigError, build_config
from pipeline.report import write_report
from pipeline.tokenize import run_tokenize
from pipeline.verify import Report, check_shards
from tokenizer_training.report import RELEASED_TOKENIZER
from trainer.data import build_blend
from transforms.layout import neox_data_config
from transforms.megatron import IndexedDataset
from transforms.mixing import (
    MixingError,
    file_name,
    group_column,
    group_of,
    parse_schedule,
    parse_weights,
    repeats_for,
    sources_section,
    stream_shares,
)

SCHEDULE = "1:1,2-10:2,11-100:3,101+:1"
SOURCES = ("news", "wiki", "blog posts")

# ----------------------------------------------------------------------------- options


def test_weights_parse_and_bad_ones_say_why():
    assert parse_weights(["news=0.5", "a=b=2"]) == {"news": 0.5, "a=b": 2.0}
    for bad, why in [
        ("news", "NAME=WEIGHT"),
        ("=2", "NAME=WEIGHT"),
        ("news=lots", "not a number"),
        ("news=-1", ">= 0"),
        ("news=inf", ">= 0"),
    ]:
        with pytest.raises(MixingError, match=why):
            parse_weights([bad])
    with pytest.raises(MixingError, match="given twice"):
        parse_weights(["news=1", "news=2"])


def test_a_schedule_covers_every_cluster_size_once():
    schedule = parse_schedule(SCHEDULE)
    assert schedule == [(1, 1, 1), (2, 10, 2), (11, 100, 3), (101, None, 1)]
    sizes = {None: 1, 0: 1, 1: 1, 2: 2, 10: 2, 11: 3, 100: 3, 101: 1, 10**9: 1}
    assert {size: repeats_for(size, schedule) for size in sizes} == sizes
    assert parse_schedule("1+:2") == [(1, None, 2)]


@pytest.mark.parametrize(
    ("schedule", "why"),
    [
        ("1:1,2-10", "is not SIZE:N"),
        ("1:1,2-10:x", "is not SIZE:N"),
        ("1:1,3+:2", "leaves a gap"),
        ("1-5:1,3+:2", "overlaps"),
        ("2+:1", "leaves a gap"),
        ("1:1,5-2:1,6+:1", "ends before it starts"),
        ("1:0,2+:1", "at least 1"),
        ("1:1,2-10:2", "have no bucket"),
        ("1+:1,5+:2", "after an open bucket"),
    ],
)
def test_bad_schedules_say_what_is_wrong(schedule, why):
    with pytest.raises(MixingError, match=why):
        parse_schedule(schedule)


def test_bad_options_stop_the_config():
    with pytest.raises(ConfigError, match="needs --mix-by"):
        build_config(overrides={"shards.source_weights": ["news=2"]})
    with pytest.raises(ConfigError, match="leaves a gap"):
        build_config(overrides={"shards.upsample_by_cluster": "1:1,3+:2"})
    with pytest.raises(ConfigError, match="not a number"):
        build_config(overrides={"shards.mix_by": "source", "shards.source_weights": ["a=b"]})


def test_groups_come_from_a_clean_column_or_a_metadata_field():
    row = {"source": "news", "lang": "ko", "metadata": '{"domain": "a.kr", "year": 2021}'}
    assert group_of(row, "source", "unknown") == ("news", False)
    assert group_of(row, "lang", "unknown") == ("ko", False)
    assert group_of(row, "domain", "unknown") == ("a.kr", False)
    assert group_of(row, "year", "unknown") == ("2021", False)
    assert group_of(row, "topic", "unknown") == ("unknown", True)
    assert group_of({"metadata": '{"domain": null}'}, "domain", "none") == ("none", True)
    assert group_of({"metadata": "not json"}, "domain", "none") == ("none", True)
    assert group_column("lang", ["id", "text", "lang", "metadata"]) == "lang"
    assert group_column("domain", ["id", "text", "metadata"]) == "metadata"
    assert group_column("text", ["id", "text"]) is None


def test_group_file_names_are_safe_and_distinct():
    assert file_name("news") == "news" and file_name("ko.wiki-2") == "ko.wiki-2"
    odd = ["blog posts", "blog/posts", "블로그", "../x"]
    names = [file_name(g) for g in odd]
    assert len(set(names)) == len(odd)
    assert all(n.replace("-", "").replace("_", "").replace(".", "").isalnum() for n in names)
    assert not any(n.startswith(".") for n in names)


def test_shares_are_tokens_written_times_weight():
    tallies = [
        (("train", "a"), (2, 100, 3, 150, 0)),
        (("train", "b"), (1, 100, 1, 100, 1)),
        (("valid", "a"), (1, 10, 1, 10, 0)),
    ]
    sources = sources_section(tallies, "domain", True, {"b": 2.5}, "unknown", None)
    a, b = sources["groups"]["a"], sources["groups"]["b"]
    assert a["train"]["effective_tokens"] == 150 and b["train"]["effective_tokens"] == 250
    assert (a["train"]["share"], b["train"]["share"]) == (0.375, 0.625)
    assert a["valid"]["effective_tokens"] == 10  # never weighted
    assert sources["missing"] == 1 and b["shards"] == "train-b"
    with pytest.raises(MixingError, match="the groups are: a, b"):
        sources_section(tallies, "domain", True, {"c": 1.0}, "unknown", None)
    manifest = {
        "sources": sources,
        "shards": [
            {"name": "train-a_00000", "split": "train", "group": "a", "tokens": 150},
            {"name": "train-b_00000", "split": "train", "group": "b", "tokens": 60},
            {"name": "train-b_00001", "split": "train", "group": "b", "tokens": 40},
            {"name": "valid_00000", "split": "valid", "tokens": 10},
        ],
    }
    assert stream_shares(manifest, "train") == [("a", 0.375), ("b", 0.625)]
    assert stream_shares(manifest, "valid") == [(None, 1.0)]
    neox = neox_data_config([("d", manifest, 1.0)], "t.json")
    assert neox["train_data_weights"] == [0.375, 0.375, 0.25]
    assert neox["valid_data_weights"] == [1.0]


# ----------------------------------------------------------------------------- pipeline


def _clean_dir(root: Path) -> None:
    rng = random.Random(0)
    rows = []
    for i in range(300):
        meta = {"domain": ["a.kr", "b.kr"][i % 2]} if i % 5 else {}
        rows.append(
            {
                "id": f"d{i:04d}",
                "text": "한국어 문장입니다. " * rng.randint(3, 40) + str(i),
                "source": SOURCES[i % 3],
                "lang": "en" if i % 7 == 0 else "ko",
                "metadata": json.dumps(meta),
                "cluster_size": rng.choice([1, 1, 1, 2, 5, 20, 200]),
            }
        )
    (root / "clean").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), root / "clean" / "part-00000-of-00001.parquet")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixing")
    _clean_dir(root)
    (root / "tokenizer.json").write_bytes(gzip.decompress(Path(RELEASED_TOKENIZER).read_bytes()))
    return root


def tokenize(corpus: Path, name: str, **options) -> Path:
    overrides = {
        "shards.valid_fraction": 0.1,
        "shards.test_fraction": 0.1,
        "shards.target_shard_tokens": 2000,
        **{f"shards.{key}": value for key, value in options.items()},
    }
    out = corpus / name
    run_tokenize(
        build_config(overrides=overrides),
        str(corpus / "clean"),
        str(corpus / "tokenizer.json"),
        str(out / "shards"),
        str(out / "rejected"),
        ["--direct_running_mode=in_memory"],
    )
    return out / "shards"


@pytest.fixture(scope="module")
def default(corpus):
    return tokenize(corpus, "default")


@pytest.fixture(scope="module")
def mixed(corpus):
    weights = ["news=2", "wiki=0.5"]
    return tokenize(corpus, "mixed", mix_by="source", source_weights=weights)


@pytest.fixture(scope="module")
def upsampled(corpus):
    return tokenize(corpus, "upsampled", upsample_by_cluster=SCHEDULE)


def manifest_of(shards: Path) -> dict:
    return json.loads((shards / "manifest.json").read_text())


def files_of(shards: Path, split: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(shards.glob(f"{split}*")) if p.suffix != ".yml"}


def test_the_default_is_one_stream_counted_per_source(default, corpus):
    manifest = manifest_of(default)
    assert all("group" not in s and s["name"].split("_")[0] in ("train", "valid", "test")
               for s in manifest["shards"])  # fmt: skip
    sources = manifest["sources"]
    assert (sources["by"], sources["mixed"], sources["upsample_by_cluster"]) == (
        "source",
        False,
        None,
    )
    assert sorted(sources["groups"]) == sorted(SOURCES)
    clean = Counter(pq.read_table(corpus / "clean", columns=["source"]).column(0).to_pylist())
    assert {
        name: sum(g[split]["documents"] for split in ("train", "valid", "test"))
        for name, g in sources["groups"].items()
    } == clean
    for split, totals in manifest["splits"].items():
        assert totals["tokens"] == sum(g[split]["tokens"] for g in sources["groups"].values())
    neox = yaml.safe_load((default / "neox_data.yml").read_text())
    assert all(p.split("/")[-1].startswith("train_") for p in neox["train_data_paths"])


def test_per_source_shards_hold_what_the_manifest_says(mixed, default):
    manifest = manifest_of(mixed)
    groups = manifest["sources"]["groups"]
    assert {g: groups[g]["weight"] for g in groups} == {"news": 2.0, "wiki": 0.5, "blog posts": 1.0}
    for name, group in groups.items():
        shards = [s for s in manifest["shards"] if s.get("group") == name]
        assert shards and all(s["name"].startswith(group["shards"] + "_") for s in shards)
        datasets = [IndexedDataset(mixed / s["name"]) for s in shards]
        assert sum(len(d) for d in datasets) == group["train"]["documents"]
        assert sum(len(d.tokens) for d in datasets) == group["train"]["tokens"]
        assert group["train"]["effective_tokens"] == group["train"]["tokens"] * group["weight"]
    # the same documents as the default run's train split, by group
    before = manifest_of(default)["sources"]["groups"]
    assert {n: g["train"]["tokens"] for n, g in before.items()} == {
        n: g["train"]["tokens"] for n, g in groups.items()
    }
    report = Report(echo=False)
    check_shards(str(mixed), report, None)
    assert report.failures == []


def test_valid_and_test_are_the_default_runs_bytes(mixed, upsampled, default):
    for split in ("valid", "test"):
        expected = files_of(default, split)
        assert expected and files_of(mixed, split) == expected == files_of(upsampled, split)


def test_neox_data_yml_weights_give_each_source_its_share(mixed):
    manifest = manifest_of(mixed)
    groups = manifest["sources"]["groups"]
    neox = yaml.safe_load((mixed / "neox_data.yml").read_text())
    by_group: Counter = Counter()
    for path, weight in zip(neox["train_data_paths"], neox["train_data_weights"], strict=True):
        shard = next(s for s in manifest["shards"] if s["name"] == Path(path).name)
        by_group[shard["group"]] += weight
    effective = {n: g["train"]["tokens"] * g["weight"] for n, g in groups.items()}
    total = sum(effective.values())
    for name, value in effective.items():
        assert by_group[name] == pytest.approx(value / total, abs=1e-6)
        assert groups[name]["train"]["share"] == pytest.approx(value / total, abs=1e-7)
    valid = {s["name"]: s["tokens"] for s in manifest["shards"] if s["split"] == "valid"}
    shares = [valid[Path(p).name] / sum(valid.values()) for p in neox["valid_data_paths"]]
    assert neox["valid_data_weights"] == pytest.approx(shares, abs=1e-7)  # by tokens only


def test_the_trainer_blend_draws_sources_in_proportion(mixed):
    groups = manifest_of(mixed)["sources"]["groups"]
    blend = build_blend([mixed], "train", seq_len=32, seed=1)
    names = [d.docs.name.rsplit(":", 1)[1] for d in blend.datasets]
    assert sorted(names) == sorted(groups)
    drawn = Counter(names[d] for d, _ in blend.next_indices(2000))
    for name, group in groups.items():
        assert drawn[name] / 2000 == pytest.approx(group["train"]["share"], abs=0.002)
    assert blend.read(blend.next_indices(2)).shape == (2, 33)
    valid = build_blend([mixed], "valid", seq_len=32, seed=1)
    assert len(valid.datasets) == 1  # one common stream, unweighted


def test_upsampling_writes_train_copies_by_cluster_size(upsampled, default, corpus):
    manifest = manifest_of(upsampled)
    schedule = parse_schedule(SCHEDULE)
    clean = pq.read_table(corpus / "clean").to_pylist()
    default_groups = manifest_of(default)["sources"]["groups"]
    groups = manifest["sources"]["groups"]
    assert manifest["sources"]["upsample_by_cluster"] == SCHEDULE
    expected_copies = 0
    by_id = {row["id"]: row for row in clean}
    train = _train_ids(default, by_id)
    for doc_id in train:
        expected_copies += repeats_for(by_id[doc_id]["cluster_size"], schedule) - 1
    written = sum(g["train"]["documents_written"] for g in groups.values())
    assert written == len(train) + expected_copies == manifest["splits"]["train"]["documents"]
    for name, group in groups.items():
        assert group["train"]["documents"] == default_groups[name]["train"]["documents"]
        assert group["train"]["tokens_written"] > group["train"]["tokens"]
        for split in ("valid", "test"):
            assert group[split] == default_groups[name][split]
    report = Report(echo=False)
    check_shards(str(upsampled), report, None)
    assert report.failures == []


def _train_ids(default: Path, by_id: dict) -> list[str]:
    """The default run's train documents, matched back to ids by their text."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(default.parent.parent / "tokenizer.json"))
    by_text = {row["text"]: doc_id for doc_id, row in by_id.items()}
    ids = []
    for shard in manifest_of(default)["shards"]:
        if shard["split"] == "train":
            dataset = IndexedDataset(default / shard["name"])
            for i in range(len(dataset)):
                ids.append(by_text[tokenizer.decode(dataset[i][:-1].tolist())])
    return ids


def test_upsampled_shards_are_the_same_on_a_rerun(upsampled, corpus):
    again = tokenize(corpus, "upsampled-again", upsample_by_cluster=SCHEDULE)
    assert files_of(again, "train") == files_of(upsampled, "train")
    copies = manifest_of(again)["shards"]
    assert copies == manifest_of(upsampled)["shards"]


def test_copies_are_spread_not_side_by_side(upsampled):
    manifest = manifest_of(upsampled)
    adjacent = total = 0
    for shard in manifest["shards"]:
        if shard["split"] == "train":
            dataset = IndexedDataset(upsampled / shard["name"])
            docs = [bytes(dataset[i]) for i in range(len(dataset))]
            total += len(docs)
            adjacent += sum(a == b for a, b in zip(docs, docs[1:], strict=False))
    assert adjacent < total * 0.05


def test_a_weight_for_a_group_that_does_not_exist_stops_the_run(corpus):
    with pytest.raises(MixingError, match="'nws'.*the groups are: blog posts, news, wiki"):
        tokenize(corpus, "typo", mix_by="source", source_weights=["nws=2"])
    assert not (corpus / "typo" / "shards" / "manifest.json").exists()


def test_a_metadata_field_groups_and_counts_documents_without_it(corpus):
    shards = tokenize(
        corpus, "by-domain", mix_by="domain", mix_default_group="none", source_weights=["a.kr=3"]
    )
    sources = manifest_of(shards)["sources"]
    assert sorted(sources["groups"]) == ["a.kr", "b.kr", "none"]
    assert (sources["by"], sources["default_group"]) == ("domain", "none")
    assert sources["missing"] == 60  # every fifth document has no domain
    assert sum(sum(g[s]["documents"] for s in ("train", "valid", "test"))
               for n, g in sources["groups"].items() if n == "none") == 60  # fmt: skip
    assert np.isclose(sum(g["train"]["share"] for g in sources["groups"].values()), 1.0)


def test_another_clean_column_groups_too(corpus):
    shards = tokenize(corpus, "by-lang", mix_by="lang", source_weights=["en=0"])
    groups = manifest_of(shards)["sources"]["groups"]
    assert sorted(groups) == ["en", "ko"] and manifest_of(shards)["sources"]["missing"] == 0
    assert sum(groups["en"][s]["documents"] for s in ("train", "valid", "test")) == 43
    assert groups["en"]["train"]["share"] == 0.0 and groups["ko"]["train"]["share"] == 1.0


def test_the_report_shows_tokens_per_source_before_and_after_weighting(mixed, tmp_path):
    import shutil

    shutil.copytree(mixed, tmp_path / "shards")
    _, md_path = write_report(str(tmp_path))
    summary = Path(md_path).read_text(encoding="utf-8")
    assert "## Tokens per source" in summary
    news = manifest_of(mixed)["sources"]["groups"]["news"]
    train = news["train"]
    row = f"| news | 2 | {sum(news[s]['documents'] for s in ('train', 'valid', 'test')):,} | "
    row += f"{train['tokens']:,} | {train['tokens_written']:,} | {train['effective_tokens']:,} |"
    assert row in summary
    assert "Valid and test are never upsampled or weighted" in summary
