"""Near-dedupe quality on a Korean corpus with known duplicates, against datasketch's MinHashLSH.

    .venv/bin/python bench/bench_dedupe.py                     # default config, ~2 minutes
    .venv/bin/python bench/bench_dedupe.py --shingles char:5,word:5,word:3,morpheme:3

Builds a corpus from real Korean documents (../shared/corpora/ko_docs.jsonl.gz): distinct base
documents, and for some of them exact copies, near copies at controlled eojeol edit rates,
spacing changes, reordered lines, appended boilerplate, truncations and an edit of an edit (a
chain); plus distinct documents wrapped in shared page templates. Each removal is scored
against the exact Jaccard similarity of the shingle sets: a removed document is a true
positive if some kept document of its family (or its keeper) has J >= 0.8 with it, a false
positive if none has J >= 0.5 (in between is not scored); every kept document with J >= 0.8 to
another kept one is a missed removal. The same corpus and shingles go through kprep's
``Deduplicate`` (Beam, in-memory runner) and through datasketch's MinHashLSH with the usual
query-then-insert loop (needs ``pip install datasketch``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import apache_beam as beam
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runners.local import make_pipeline  # noqa: E402
from transforms.dedupe import DedupeConfig, keeper_rank  # noqa: E402
from transforms.minhash import MinHasher, band_keys, shingle_ids  # noqa: E402
from transforms.records import make_document  # noqa: E402
from transforms.steps.dedupe import Deduplicate

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "ko_docs.jsonl.gz"
DUP, DISTINCT = 0.8, 0.5

BOILERPLATE = [
    "\n저작권자 © 한국일보 무단전재 및 재배포 금지\n이 기사를 공유합니다\n관련기사 더보기",
    "\n※ 이 글은 작성자의 개인적인 의견이며 본 사이트의 공식 입장과 다를 수 있습니다. "
    "문의: help@example.com 고객센터 운영시간 평일 09:00~18:00",
    "\n공감 0 댓글 0 스크랩 | 이웃추가 | 이 블로그 인기글 | 맨 위로 | PC버전으로 보기",
]
TEMPLATES = [
    (
        "[뉴스코리아] 입력 2024.{n:02d}.{m:02d} 09:{n:02d} 수정 2024.{n:02d}.{m:02d}\n"
        "글자크기 크게 작게 공유하기 페이스북 트위터 카카오톡 밴드 링크복사\n",
        "\n김{n}기자 reporter{m}@newskorea.example\n저작권자 © 뉴스코리아 무단전재 및 "
        "재배포 금지\n많이 본 뉴스 1 오늘의 날씨 2 주식 시황 3 부동산 동향 4 연예 소식\n"
        "회사소개 광고문의 제휴문의 개인정보처리방침 청소년보호정책 이메일무단수집거부",
    ),
    (
        "홈 > 커뮤니티 > 자유게시판 글쓰기 목록 이전글 다음글 작성자 회원{n} "
        "조회수 {m}{n} 추천 {m}\n",
        "\n이 게시물을 신고 스크랩 공유 댓글 {m}개 등록순 최신순 로그인 후 댓글을 남길 수 "
        "있습니다. 게시판 이용 규칙을 지켜 주세요. 광고성 게시물은 통보 없이 삭제됩니다.",
    ),
]


def load_bases(path: Path, limit: int, seed: int) -> list[str]:
    """Real documents of 300-20,000 characters, in a seeded random order."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines]
    texts = [t for t in texts if 300 <= len(t) <= 20_000]
    random.Random(seed).shuffle(texts)
    return texts[:limit]


def drop_similar_bases(texts: list[str], kind: str, n: int) -> list[str]:
    """The bases with no earlier base at J >= 0.5: families then start out distinct."""
    hasher = MinHasher(80, seed=7)
    shingles = [shingle_ids(t, kind, n) for t in texts]
    buckets: dict[bytes, list[int]] = {}
    keep = []
    for i, ids in enumerate(shingles):
        keys = band_keys(hasher.signature(ids), 40, 2) if ids.size else []
        earlier = {j for key in keys for j in buckets.get(key, ())}
        if not any(true_jaccard(ids, shingles[j]) >= DISTINCT for j in earlier):
            keep.append(i)
            for key in keys:
                buckets.setdefault(key, []).append(i)
    return [texts[i] for i in keep]


def edit_eojeols(text: str, rate: float, vocab: list[str], rng: random.Random) -> str:
    """Substitute, delete or insert an eojeol at ``rate`` of positions, keeping line breaks."""
    out_lines = []
    for line in text.split("\n"):
        words = []
        for word in line.split(" "):
            if rng.random() >= rate:
                words.append(word)
                continue
            action = rng.randrange(3)
            if action == 0:
                words.append(rng.choice(vocab))
            elif action == 2:
                words += [word, rng.choice(vocab)]
        out_lines.append(" ".join(words))
    return "\n".join(out_lines)


def change_spacing(text: str, rate: float, rng: random.Random) -> str:
    """Korean spacing variants: drop a space, or split an eojeol, at ``rate``."""
    chars = []
    for ch in text:
        if ch == " " and rng.random() < rate:
            continue
        chars.append(ch)
        if "가" <= ch <= "힣" and rng.random() < rate / 4:
            chars.append(" ")
    return "".join(chars)


def reorder_lines(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    if len(lines) < 4:
        lines = text.replace(". ", ".\n").split("\n")
    rng.shuffle(lines)
    return "\n".join(lines)


def truncate(text: str, keep: float) -> str:
    cut = int(len(text) * keep)
    space = text.rfind(" ", 0, cut)
    return text[: space if space > cut * 0.9 else cut]


VARIANTS = {
    "exact": lambda t, v, r: t,
    "edit_01": lambda t, v, r: edit_eojeols(t, 0.01, v, r),
    "edit_03": lambda t, v, r: edit_eojeols(t, 0.03, v, r),
    "edit_05": lambda t, v, r: edit_eojeols(t, 0.05, v, r),
    "edit_10": lambda t, v, r: edit_eojeols(t, 0.10, v, r),
    "edit_20": lambda t, v, r: edit_eojeols(t, 0.20, v, r),
    "edit_30": lambda t, v, r: edit_eojeols(t, 0.30, v, r),
    "spacing_10": lambda t, v, r: change_spacing(t, 0.10, r),
    "reorder": lambda t, v, r: reorder_lines(t, r),
    "boilerplate": lambda t, v, r: t + r.choice(BOILERPLATE),
    "trunc_90": lambda t, v, r: truncate(t, 0.9),
    "trunc_70": lambda t, v, r: truncate(t, 0.7),
    "trunc_50": lambda t, v, r: truncate(t, 0.5),
}


def build_corpus(bases: list[str], seed: int) -> tuple[list[dict], list[list[str]], dict]:
    """(documents, groups of related ids, id -> (variant kind, base id)).

    A third of the bases get 1-4 variants each (and some an edit of an edit); a tenth are
    wrapped in one of two shared page templates; the rest stay alone.
    """
    rng = random.Random(seed)
    vocab = [w for t in bases[:200] for w in t.split() if w.strip()]
    docs, groups, kinds = [], [], {}
    templated: list[list[str]] = [[] for _ in TEMPLATES]
    family_end, template_end = len(bases) // 3, len(bases) // 3 + len(bases) // 10
    for i, text in enumerate(bases):
        base_id = f"b{i:05d}"
        if i < family_end:
            family = [base_id]
            docs.append(make_document(base_id, text, "bench"))
            for j, kind in enumerate(rng.sample(sorted(VARIANTS), rng.randint(1, 4))):
                variant_id = f"{base_id}-v{j}"
                variant = VARIANTS[kind](text, vocab, rng)
                docs.append(make_document(variant_id, variant, "bench"))
                family.append(variant_id)
                kinds[variant_id] = (kind, base_id)
                if kind == "edit_05" and rng.random() < 0.5:
                    chain_id = f"{variant_id}-chain"
                    chained = edit_eojeols(variant, 0.05, vocab, rng)
                    docs.append(make_document(chain_id, chained, "bench"))
                    family.append(chain_id)
                    kinds[chain_id] = ("chain_05_05", base_id)
            groups.append(family)
        elif i < template_end:
            head, tail = TEMPLATES[i % len(TEMPLATES)]
            fields = {"n": rng.randint(1, 28), "m": rng.randint(1, 12)}
            body = truncate(text, min(1.0, 600 / len(text)))
            page = head.format(**fields) + body + tail.format(**fields)
            docs.append(make_document(f"t{i:05d}", page, "bench"))
            templated[i % len(TEMPLATES)].append(f"t{i:05d}")
        else:
            docs.append(make_document(base_id, text, "bench"))
    return docs, groups + templated, kinds


def true_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if a.size == 0 and b.size == 0:
        return 1.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (a.size + b.size - common)


def score(removed: dict[str, str], all_ids: list[str], groups, shingles) -> dict[str, float]:
    """Precision, recall and F1 of the removals against the true Jaccard similarity."""
    kept = set(all_ids) - set(removed)
    group_of: dict[str, list[int]] = {}
    for g, members in enumerate(groups):
        for doc_id in members:
            group_of.setdefault(doc_id, []).append(g)
    tp = fp = unscored = 0
    for doc_id, keeper in removed.items():
        others = {keeper} | {m for g in group_of.get(doc_id, []) for m in groups[g] if m in kept}
        best = max(true_jaccard(shingles[doc_id], shingles[o]) for o in others)
        if best >= DUP:
            tp += 1
        elif best < DISTINCT:
            fp += 1
        else:
            unscored += 1
    parent = {doc_id: doc_id for doc_id in kept}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for members in groups:
        alive = [m for m in members if m in kept]
        for i, a in enumerate(alive):
            for b in alive[i + 1 :]:
                if find(a) != find(b) and true_jaccard(shingles[a], shingles[b]) >= DUP:
                    parent[find(a)] = find(b)
    fn = len(kept) - len({find(x) for x in kept})
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "removed": len(removed),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "unscored": unscored,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def run_kprep(docs: list[dict], config: DedupeConfig) -> tuple[dict[str, str], float]:
    """kprep's removals (id -> keeper id) and the pipeline's wall time."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as out:
        with make_pipeline(["--direct_running_mode=in_memory"]) as pipeline:
            _, rejected = pipeline | beam.Create(docs) | Deduplicate(config)
            _ = (
                rejected
                | beam.Map(lambda row: json.dumps([row["id"], row["duplicate_of"]]))
                | beam.io.WriteToText(f"{out}/removed")
            )
        seconds = time.monotonic() - started
        lines = [
            line for path in Path(out).glob("removed*") for line in path.read_text().splitlines()
        ]
        pairs = [json.loads(line) for line in lines]
    return dict(pairs), seconds


def run_datasketch(docs, shingles, config: DedupeConfig, **lsh_args) -> tuple[dict, float]:
    """datasketch's MinHashLSH, query-then-insert in keeper order: a removed document points at
    the first-ranked kept document it collides with."""
    from datasketch import MinHash, MinHashLSH

    started = time.monotonic()
    lsh = MinHashLSH(num_perm=config.num_hashes, **lsh_args)
    rank = {d["id"]: keeper_rank(d, config.keeper) for d in docs}
    removed = {}
    for doc in sorted(docs, key=lambda d: rank[d["id"]]):
        sketch = MinHash(num_perm=config.num_hashes, seed=config.seed)
        sketch.update_batch([int(x).to_bytes(4, "little") for x in shingles[doc["id"]]])
        hits = lsh.query(sketch)
        if hits:
            removed[doc["id"]] = min(hits, key=rank.__getitem__)
        else:
            lsh.insert(doc["id"], sketch)
    return removed, time.monotonic() - started


def merged_with_base(removed: dict[str, str], kinds: dict) -> dict[str, float]:
    """Per variant kind: the share of variants whose cluster keeper is their base's."""
    keeper = lambda doc_id: removed.get(doc_id, doc_id)  # noqa: E731
    shares: dict[str, list[bool]] = {}
    for doc_id, (kind, base_id) in kinds.items():
        shares.setdefault(kind, []).append(keeper(doc_id) == keeper(base_id))
    return {kind: sum(v) / len(v) for kind, v in sorted(shares.items())}


def mean_jaccard_by_kind(kinds: dict, shingles) -> dict[str, float]:
    values: dict[str, list[float]] = {}
    for doc_id, (kind, base_id) in kinds.items():
        values.setdefault(kind, []).append(true_jaccard(shingles[doc_id], shingles[base_id]))
    return {kind: float(np.mean(v)) for kind, v in sorted(values.items())}


def template_pairs(groups, shingles) -> tuple[float, float]:
    """(mean J, share with J >= 0.5) over pairs of distinct documents sharing a template."""
    values = []
    for members in groups[-len(TEMPLATES) :]:
        for i, a in enumerate(members):
            values += [true_jaccard(shingles[a], shingles[b]) for b in members[i + 1 :]]
    return float(np.mean(values)), float(np.mean(np.array(values) >= DISTINCT))


def estimator_error(
    kinds: dict, shingles: dict[str, np.ndarray], config: DedupeConfig, seeds: int = 5
) -> tuple[float, float, float]:
    """(RMSE, bias, theory) of the MinHash Jaccard estimate over ``seeds`` hash seeds, on every
    variant/original pair plus 500 random pairs."""
    from transforms.minhash import check_sketch, estimated_jaccard

    ids = sorted(shingles)
    rng = np.random.default_rng(0)
    pairs = [(variant, base) for variant, (_, base) in kinds.items()]
    pairs += [(ids[i], ids[j]) for i, j in rng.integers(0, len(ids), (500, 2)) if i != j]
    pairs = [(a, b) for a, b in pairs if shingles[a].size and shingles[b].size]
    truth = np.array([true_jaccard(shingles[a], shingles[b]) for a, b in pairs])
    errors = []
    for seed in range(seeds):
        hasher = MinHasher(config.num_hashes, seed)
        sketch = {k: check_sketch(hasher.signature(v)) for k, v in shingles.items() if v.size}
        estimate = np.array([estimated_jaccard(sketch[a], sketch[b]) for a, b in pairs])
        errors.append(estimate - truth)
    error = np.concatenate(errors)
    theory = float(np.sqrt(np.mean(truth * (1 - truth) / config.num_hashes)))
    return float(np.sqrt(np.mean(error**2))), float(np.mean(error)), theory


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--bases", type=int, default=1500, help="real documents to start from")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shingles", default="", help="kind:n,... to compare (default: config's)")
    parser.add_argument("--bands", type=int, help="override the config's LSH bands")
    parser.add_argument("--rows", type=int, help="override the config's rows per band")
    parser.add_argument("--min-jaccard", type=float, help="override the candidate check threshold")
    parser.add_argument("--keeper", help="override the keeper policy")
    parser.add_argument("--no-datasketch", action="store_true")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        sys.exit(f"corpus {args.corpus} not found: pass --corpus")

    overrides = {"bands": args.bands, "rows": args.rows, "min_jaccard": args.min_jaccard}
    overrides["keeper"] = args.keeper
    base_config = DedupeConfig(**{k: v for k, v in overrides.items() if v is not None})
    settings = [s.split(":") for s in args.shingles.split(",") if s] or [
        (base_config.shingle, str(base_config.ngram))
    ]
    bases = drop_similar_bases(load_bases(args.corpus, args.bases, args.seed), "char", 5)
    docs, groups, kinds = build_corpus(bases, args.seed)
    ids = [d["id"] for d in docs]
    print(
        f"corpus: {len(docs)} documents from {len(bases)} distinct bases; "
        f"{len(kinds)} variants in {len(groups) - len(TEMPLATES)} families; "
        f"{sum(len(g) for g in groups[-len(TEMPLATES) :])} templated documents"
    )
    print(f"config: {base_config}")
    rows, kind_rows = [], {}
    for kind, n in settings:
        config = replace(base_config, shingle=kind, ngram=int(n))
        label = f"{kind}:{n}"
        started = time.monotonic()
        shingles = {d["id"]: shingle_ids(d["text"], kind, int(n)) for d in docs}
        hasher = MinHasher(config.num_hashes, config.seed)
        for doc_shingles in shingles.values():
            band_keys(hasher.signature(doc_shingles), config.bands, config.rows)
        sketch_s = time.monotonic() - started
        mean_j, share_similar = template_pairs(groups, shingles)
        kind_rows[label] = mean_jaccard_by_kind(kinds, shingles)
        kind_rows[label]["template pairs"] = mean_j
        print(
            f"\n[{label}] shingles + signature + bands: {len(docs) / sketch_s:.0f} docs/s on one "
            f"core; template pairs: mean J {mean_j:.3f}, {share_similar:.1%} with J >= 0.5"
        )
        rmse, bias, theory = estimator_error(kinds, shingles, config)
        print(
            f"  Jaccard estimate over 5 hash seeds: RMSE {rmse:.4f}, bias {bias:+.4f} "
            f"(theory {theory:.4f})"
        )
        removed, seconds = run_kprep(docs, config)
        rows.append((label, "kprep Deduplicate", score(removed, ids, groups, shingles), seconds))
        merged = {f"kprep {k}": v for k, v in merged_with_base(removed, kinds).items()}
        if not args.no_datasketch:
            for name, lsh_args in (
                ("datasketch threshold=0.8", {"threshold": 0.8}),
                ("datasketch threshold=0.7", {"threshold": 0.7}),
                (
                    f"datasketch {config.bands}x{config.rows}",
                    {"params": (config.bands, config.rows)},
                ),
            ):
                removed, seconds = run_datasketch(docs, shingles, config, **lsh_args)
                rows.append((label, name, score(removed, ids, groups, shingles), seconds))
                if name.endswith("0.8"):
                    merged |= {f"ds {k}": v for k, v in merged_with_base(removed, kinds).items()}
        print("  share of variants clustered with their base:")
        for key, value in merged.items():
            print(f"    {key:28s} {value:6.1%}")

    print(
        "\nshingles  method                       removed   TP   FP   FN  unscored  "
        "precision  recall     F1   seconds"
    )
    for label, name, s, seconds in rows:
        print(
            f"{label:9s} {name:28s} {s['removed']:7d} {s['tp']:4d} {s['fp']:4d} {s['fn']:4d} "
            f"{s['unscored']:9d}  {s['precision']:9.4f} {s['recall']:7.4f} {s['f1']:6.4f} "
            f"{seconds:8.1f}"
        )
    print("\nmean true Jaccard of each variant kind with its base (and of template pairs):")
    kinds_seen = sorted({k for v in kind_rows.values() for k in v})
    print(f"{'kind':16s}" + "".join(f"{label:>12s}" for label in kind_rows))
    for kind in kinds_seen:
        print(
            f"{kind:16s}"
            + "".join(f"{v.get(kind, float('nan')):12.3f}" for v in kind_rows.values())
        )


if __name__ == "__main__":
    main()
