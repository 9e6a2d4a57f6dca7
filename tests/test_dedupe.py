"""Deduplication: the pure core (shingles, MinHash, banding, keepers, components) and the Beam
composite on the local runner (exact and near clusters, chains, determinism, hot buckets)."""

import random
from dataclasses import replace

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.util import assert_that, equal_to

from runners.options import make_pipeline
from transforms.components import ComponentsDidNotConverge, components_locally
from transforms.dedupe import (
    DedupeConfig,
    bucket_links,
    describe_params,
    keeper_rank,
    merge_groups,
    resolve_group,
)
from transforms.minhash import (
    MinHasher,
    band_keys,
    check_sketch,
    detection_probability,
    detection_probability_with_check,
    estimated_jaccard,
    jaccard,
    kiwi_morphemes,
    shingle_hashes,
    shingle_ids,
)
from transforms.records import Rejection, make_document, text_key
from transforms.steps.dedupe import Deduplicate
from transforms.steps.stage import METRICS_NAMESPACE

IN_MEMORY = ["--direct_running_mode=in_memory"]
# Few rounds keep the unrolled graph small (the test graphs converge in 1-2); a lower check
# threshold leaves room for the chain below: links at J ~ 0.8, its ends at J ~ 0.64.
FAST = DedupeConfig(max_rounds=3, min_jaccard=0.7)


def hangul_sentences(count: int, seed: int) -> list[str]:
    """Random Korean-looking sentences: eojeols of 2-4 random syllables."""
    rng = random.Random(seed)
    syllable = lambda: chr(rng.randrange(0xAC00, 0xD7A4))  # noqa: E731
    return [
        " ".join("".join(syllable() for _ in range(rng.randint(2, 4))) for _ in range(8)) + "."
        for _ in range(count)
    ]


def edited(text: str, every: int) -> str:
    """Every ``every``-th eojeol replaced: a near copy."""
    words = text.split(" ")
    return " ".join("바뀐말" if i % every == 0 else w for i, w in enumerate(words))


# --- pure core ---------------------------------------------------------------------------------


def test_key_depends_on_the_text_only():
    assert text_key("가나다") == text_key("가나다") != text_key("가나다 ")


def verdicts(outcomes):
    """(reason or "kept", id, duplicate_of) of each of resolve_group's outcomes, sorted."""
    return sorted(
        (o.reason, o.id, o.duplicate_of) if isinstance(o, Rejection) else ("kept", o["id"], None)
        for o in outcomes
    )


def test_the_smallest_id_leads_a_text_group_and_counts_it():
    docs = [make_document(i, "같은 글", "s") for i in ("b", "a", "c")]
    groups = [(keeper_rank(d, "smallest_id"), 1, b"", b"") for d in docs]
    merged = None
    for group in groups:
        merged = merge_groups(merged, group)
    assert merged[0][2] == "a" and merged[1] == 3
    outcomes = list(resolve_group([("doc", d) for d in docs] + [("verdict", ("a", "a", 3))]))
    assert verdicts(outcomes) == [("exact", "b", "a"), ("exact", "c", "a"), ("kept", "a", None)]
    assert next(o for o in outcomes if not isinstance(o, Rejection))["cluster_size"] == 3


def test_resolve_names_the_cluster_keeper_and_needs_one_verdict():
    docs = [make_document("x", "글", "s"), make_document("y", "글", "s")]
    outcomes = list(resolve_group([("doc", d) for d in docs] + [("verdict", ("x", "k", 0))]))
    assert verdicts(outcomes) == [("exact", "y", "k"), ("near", "x", "k")]
    with pytest.raises(RuntimeError, match="0 verdicts"):
        list(resolve_group([("doc", docs[0])]))


def test_keeper_policies_order_nodes():
    short = make_document("a", "짧은 글", "s")
    long = make_document("b", "조금 더 긴 글입니다", "s")
    scored = dict(make_document("c", "글", "s", metadata='{"quality_score": 0.9}'))
    field = dict(make_document("d", "글", "s"), quality_score=0.95)
    assert min([short, long], key=lambda d: keeper_rank(d, "smallest_id"))["id"] == "a"
    assert min([short, long], key=lambda d: keeper_rank(d, "longest"))["id"] == "b"
    ranked = sorted([short, long, scored, field], key=lambda d: keeper_rank(d, "highest_quality"))
    assert [d["id"] for d in ranked] == ["d", "c", "b", "a"]  # unscored last, longest first


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="shingle"):
        DedupeConfig(shingle="bytes")
    with pytest.raises(ValueError, match="keeper"):
        DedupeConfig(keeper="random")
    with pytest.raises(ValueError, match="bands"):
        DedupeConfig(bands=0)
    with pytest.raises(ValueError, match="min_jaccard"):
        DedupeConfig(min_jaccard=1.5)
    assert DedupeConfig(bands=9, rows=13).num_hashes == 117


def test_char_shingles_ignore_spacing_and_punctuation():
    assert np.array_equal(
        shingle_ids("대한민국은 민주공화국이다.", "char", 5),
        shingle_ids("대한 민국은  민주공화국이다!!", "char", 5),
    )
    assert not np.array_equal(
        shingle_ids("대한민국은 민주공화국이다", "word", 2),
        shingle_ids("대한 민국은 민주공화국이다", "word", 2),
    )
    assert shingle_ids("가나", "char", 5).size == 1  # shorter than n: one shingle
    assert shingle_ids(" ... ", "char", 5).size == 0


def test_signatures_from_repeated_shingles_equal_those_from_distinct_ones():
    hasher = MinHasher(100, seed=42)
    text = "같은 문장이 반복됩니다. " * 40 + "그리고 다른 문장도 있습니다."
    repeated = shingle_hashes(text, "char", 5)
    assert repeated.size > shingle_ids(text, "char", 5).size  # repeats are kept
    assert np.array_equal(
        hasher.signature(repeated), hasher.signature(shingle_ids(text, "char", 5))
    )
    ids = shingle_ids(hangul_sentences(5, 1)[0], "word", 3)
    assert ids.max() < 2**32 and np.all(np.diff(ids) > 0)  # sorted, distinct, 32-bit


def test_morpheme_shingles_come_from_kiwi():
    forms = kiwi_morphemes("학교에서 공부했다.")
    assert forms[:2] == ["학교", "에서"] and "." not in forms
    stand_in = lambda text: text.replace("에서", " 에서").split()  # noqa: E731
    assert shingle_ids("학교에서 공부", "morpheme", 1, morphemes=stand_in).size == 3


def test_minhash_is_multiply_add_shift_of_each_shingle():
    hasher = MinHasher(16, seed=3)
    a, b = hasher._a.ravel(), hasher._b.ravel()
    assert len(set(a.tolist()) | set(b.tolist())) == 32  # distinct 64-bit parameters
    shingles = np.array([0, 1, 2**31, 2**32 - 1, 123456789], dtype=np.uint64)
    expected = [
        min(((int(ai) * int(x) + int(bi)) % 2**64) >> 32 for x in shingles)
        for ai, bi in zip(a, b, strict=True)
    ]
    assert hasher.signature(shingles).tolist() == expected
    big = np.arange(5000, dtype=np.uint64) * np.uint64(800_000)  # several chunks
    assert np.array_equal(hasher.signature(big), hasher.signature(big[::-1].copy()))


def test_signature_agreement_estimates_jaccard():
    # Shingle ids are hashes; a 2-universal family needs such well-spread inputs (an arithmetic
    # progression of ids would bias the minima).
    hasher = MinHasher(400, seed=1)
    ids = np.random.default_rng(0).choice(2**32, 1100, replace=False).astype(np.uint64)
    a, b = ids[:1000], ids[100:]  # J = 900 / 1100
    estimate = estimated_jaccard(
        check_sketch(hasher.signature(a)), check_sketch(hasher.signature(b))
    )
    assert abs(estimate - jaccard(a, b)) < 0.06
    assert jaccard(a, b) == pytest.approx(900 / 1100)


def test_band_keys_match_only_the_same_band():
    signature = np.arange(12, dtype=np.uint64)
    keys = band_keys(signature, 3, 4)
    changed = signature.copy()
    changed[5] = 99
    assert [k == c for k, c in zip(keys, band_keys(changed, 3, 4), strict=True)] == [1, 0, 1]
    same_values = band_keys(np.zeros(8, dtype=np.uint64), 2, 4)
    assert same_values[0] != same_values[1] and len(same_values[0]) == 16


def test_detection_probability_curve():
    assert detection_probability(0.8, 20, 5) == pytest.approx(1 - (1 - 0.8**5) ** 20)
    assert detection_probability(1.0, 20, 5) == 1.0
    checked = [detection_probability_with_check(j / 10, 20, 5, 0.7) for j in range(11)]
    assert checked == sorted(checked) and checked[-1] == pytest.approx(1.0)
    assert all(c <= detection_probability(j / 10, 20, 5) + 1e-12 for j, c in enumerate(checked))
    text = describe_params(DedupeConfig(bands=14, rows=8))
    assert "14 bands x 8 rows = 112 hashes" in text and "0.80" in text


def test_bucket_links_star_and_fan_out():
    nodes = [(0, 0, f"d{i:03d}") for i in range(100)]
    random.Random(0).shuffle(nodes)
    small = list(bucket_links(nodes[:5], 5, 10))
    assert sorted(small) == sorted((n, min(nodes[:5])) for n in nodes[:5] if n != min(nodes[:5]))
    links = list(bucket_links(nodes, len(nodes), 10))
    assert sorted(links) == sorted(bucket_links(sorted(nodes), len(nodes), 10))
    incoming: dict = {}
    for _, anchor in links:
        incoming[anchor] = incoming.get(anchor, 0) + 1
    assert max(incoming.values()) < 25  # no anchor collects the whole bucket
    roots = components_locally(links, max_rounds=4)
    assert set(roots.values()) == {min(nodes)} and len(roots) == 99


def union_find_roots(edges):
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v in edges:
        a, b = find(u), find(v)
        parent[max(a, b)] = min(a, b)
    return {x: find(x) for x in parent if find(x) != x}


@pytest.mark.parametrize("shape", ["path", "random", "tree"])
def test_star_rounds_match_union_find(shape):
    rng = random.Random(len(shape))
    nodes = list(range(300))
    rng.shuffle(nodes)
    if shape == "path":
        edges = list(zip(nodes, nodes[1:], strict=False))
    elif shape == "tree":
        edges = [(nodes[i], nodes[rng.randrange(i)]) for i in range(1, len(nodes))]
    else:
        edges = [(rng.randrange(300), rng.randrange(300)) for _ in range(200)]
    assert components_locally(edges, max_rounds=10) == union_find_roots(edges)


def test_star_rounds_fail_loudly_at_the_round_limit():
    path = [(i, i + 1) for i in range(64)]
    with pytest.raises(ComponentsDidNotConverge):
        components_locally(path, max_rounds=1)


# --- Beam ----------------------------------------------------------------------------------------


def run(docs, config, args=IN_MEMORY):
    """(pipeline, kept (id, cluster_size), rejected (id, stage, reason, duplicate_of))."""
    pipeline = make_pipeline(args)
    kept, rejected = pipeline | beam.Create(docs) | Deduplicate(config)
    kept = kept | "kept rows" >> beam.Map(lambda d: (d["id"], d["cluster_size"]))
    rejected = rejected | "rejected rows" >> beam.Map(
        lambda r: (r["id"], r["stage"], r["reason"], r["duplicate_of"])
    )
    return pipeline, kept, rejected


def cluster_corpus() -> list[dict]:
    """a: exact twin a2 and near copy a3; b alone; chain c1 ~ c2 ~ c3 with c1 !~ c3."""
    a = " ".join(hangul_sentences(30, 1))
    sentences = hangul_sentences(108, 2)
    docs = [
        make_document("a1", a, "s"),
        make_document("a2", a, "s"),
        make_document("a3", edited(a, 25), "s"),
        make_document("b", " ".join(hangul_sentences(30, 3)), "s"),
        make_document("c1", " ".join(sentences[0:88]), "s"),
        make_document("c2", " ".join(sentences[10:98]), "s"),
        make_document("c3", " ".join(sentences[20:108]), "s"),
    ]
    return docs


EXPECTED_KEPT = [("a3", 3), ("b", 1), ("c1", 3)]  # the longest of each cluster
EXPECTED_REJECTED = [
    ("a1", "dedupe", "near", "a3"),
    ("a2", "dedupe", "exact", "a3"),
    ("c2", "dedupe", "near", "c1"),
    ("c3", "dedupe", "near", "c1"),
]


def test_chain_preconditions_hold_for_the_default_hashes():
    docs = {d["id"]: d["text"] for d in cluster_corpus()}
    hasher = MinHasher(FAST.num_hashes, FAST.seed)
    sketch = {k: check_sketch(hasher.signature(shingle_ids(t, "char", 5))) for k, t in docs.items()}
    est = lambda x, y: estimated_jaccard(sketch[x], sketch[y])  # noqa: E731
    assert est("c1", "c2") >= 0.75 and est("c2", "c3") >= 0.75 > FAST.min_jaccard
    assert est("c1", "c3") < FAST.min_jaccard  # c1 and c3 are linked only through c2
    assert est("a1", "a3") >= 0.8 and est("a1", "b") < 0.2
    assert max(["c1", "c2", "c3"], key=lambda k: len(docs[k])) == "c1"
    assert len(docs["a3"]) > len(docs["a1"])


def test_exact_and_near_clusters_with_a_chain():
    pipeline, kept, rejected = run(cluster_corpus(), FAST)
    assert_that(kept, equal_to(EXPECTED_KEPT), label="kept")
    assert_that(rejected, equal_to(EXPECTED_REJECTED), label="rejected")
    pipeline.run().wait_until_finish()


def test_exact_only_keeps_the_smallest_id_with_its_cluster_size():
    docs = [make_document(i, "같은 글", "s") for i in ("b", "a", "c")] + [
        make_document("d", "다른 글", "s")
    ]
    pipeline, kept, rejected = run(docs, DedupeConfig(near=False, keeper="smallest_id"))
    assert_that(kept, equal_to([("a", 3), ("d", 1)]), label="kept")
    assert_that(
        rejected,
        equal_to([("b", "dedupe", "exact", "a"), ("c", "dedupe", "exact", "a")]),
        label="rejected",
    )
    pipeline.run().wait_until_finish()


def test_without_the_candidate_check_and_with_exact_off():
    docs = cluster_corpus()[:3]
    config = replace(FAST, exact=False, check_candidates=False)
    pipeline, kept, rejected = run(docs, config)
    assert_that(kept, equal_to([("a3", 3)]), label="kept")
    assert_that(
        rejected,
        equal_to([("a1", "dedupe", "near", "a3"), ("a2", "dedupe", "near", "a3")]),
        label="rejected",
    )
    pipeline.run().wait_until_finish()


def test_nothing_removed_when_both_stages_are_off():
    docs = [make_document(i, "같은 글", "s") for i in ("a", "b")]
    pipeline, kept, rejected = run(docs, DedupeConfig(exact=False, near=False))
    assert_that(kept, equal_to([("a", 1), ("b", 1)]), label="kept")
    assert_that(rejected, equal_to([]), label="rejected")
    pipeline.run().wait_until_finish()


def test_same_output_whatever_the_input_order():
    docs = cluster_corpus()
    random.Random(5).shuffle(docs)
    pipeline, kept, rejected = run(docs, FAST)
    assert_that(kept, equal_to(EXPECTED_KEPT), label="kept")
    assert_that(rejected, equal_to(EXPECTED_REJECTED), label="rejected")
    pipeline.run().wait_until_finish()


@pytest.mark.slow
def test_same_output_with_two_worker_processes():
    args = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]
    pipeline, kept, rejected = run(cluster_corpus()[::-1], FAST, args)
    assert_that(kept, equal_to(EXPECTED_KEPT), label="kept")
    assert_that(rejected, equal_to(EXPECTED_REJECTED), label="rejected")
    pipeline.run().wait_until_finish()


def test_hot_bucket_is_fanned_out_and_counted():
    base = " ".join(hangul_sentences(20, 7))
    docs = [make_document(f"h{i:02d}", f"{base} 번호{i:02d}", "s") for i in range(40)]
    pipeline, kept, rejected = run(docs, replace(FAST, max_bucket_size=8))
    assert_that(kept, equal_to([("h00", 40)]), label="kept")  # ties on length: smallest id
    result = pipeline.run()
    result.wait_until_finish()
    counters = {
        c.key.metric.name: c.committed
        for c in result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))[
            "counters"
        ]
    }
    assert counters["dedupe.buckets.hot"] > 0 and counters["dedupe.buckets.hot_members"] >= 40
    assert counters["dedupe.dropped.near"] == 39 and counters["dedupe.kept"] == 1


def test_round_limit_fails_the_pipeline_loudly():
    # A path: each window of 20 sentences overlaps only its neighbours enough to link.
    sentences = hangul_sentences(84, 9)
    docs = [
        make_document(f"p{i:02d}", " ".join(sentences[4 * i : 4 * i + 20]), "s") for i in range(16)
    ]
    pipeline, _, _ = run(docs, replace(FAST, max_rounds=1, min_jaccard=0.55))
    with pytest.raises(Exception, match="did not converge in max_rounds=1"):
        pipeline.run().wait_until_finish()
