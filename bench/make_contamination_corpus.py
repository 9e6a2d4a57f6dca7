"""A corpus with planted benchmark overlaps and near misses, a benchmark file and labels.

    .venv/bin/python bench/make_contamination_corpus.py --out /tmp/contamination

Real Korean text from ../shared/corpora/ko_docs.jsonl.gz, split by a hash of each document's id:
one half gives the **benchmark items** (1-4 consecutive sentences, 40-600 characters, mostly
Hangul; a sentence found anywhere in the other half is never used, so the items do not overlap
the corpus by accident), the other half gives the **training documents**. Most training documents
are left as they are (``clean``); into some, one item is planted (between two paragraphs):

- ``exact``: the item as it is;
- ``spacing``: the item with spacing changed (spaces removed inside and between some words,
  doubled elsewhere) and punctuation changed (. -> !, commas dropped, full-width forms);
- ``partial``: a contiguous run of 50-70% of the words of an item of at least 128 letters;

(planted items have at least 64 letters, and so do partial runs: see PLANTED_LETTERS)

and these near misses, which must stay:

- ``near_short``: 12-25 letters of an item (a phrase, under any sensible threshold);
- ``near_reworded``: the item with every third word replaced by another word of the corpus (the
  same topic and most of the words, no run of more than two of the item's words).

**Short items** (``--short-items``, a fourth benchmark ``copa_like``: single sentences of
SHORT_LETTERS letters, as a KoBEST COPA premise or a KLUE-NLI hypothesis, drawn from the same
half and never a sentence of the other half) are planted into ``--short-planted`` further
documents per kind (those with at least SHORT_PLANTED letters, so that every threshold measured
applies to them; taken from the clean ones):

- ``short_exact``: the item as it is, between two paragraphs;
- ``short_spacing``: the item respaced and repunctuated as above, inside a paragraph (between
  two of its words);

and near misses, which must stay:

- ``short_word``: the item with one word replaced by another word of the corpus;
- ``short_part``: the item without its first or last word (or two), inside a paragraph.

``--short-items 0 --short-planted 0`` gives the corpus of the first measurement (the long kinds
and their random draws do not depend on the short ones). The generator also prints how many short
sentences of the benchmark half occur whole, in the matching form, in the training half's text,
by length: the coincidences that the short items above were chosen to avoid.

Writes ``OUT/corpus.jsonl`` (``{"id", "text"}``), ``OUT/benchmarks/<name>.jsonl`` (three
benchmarks, ``{"id", "question"}``), ``OUT/unused_items.jsonl`` and ``OUT/labels.jsonl`` (``{"id",
"kind", "benchmark", "item", "planted"}``: the planted text). Deterministic by seed.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
from pathlib import Path

SEED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "ko_docs.jsonl.gz"
BENCHMARKS = ("kobest_like", "klue_like", "kmmlu_like")
SHORT_BENCHMARK = "copa_like"
PLANTED_LETTERS = 64
SHORT_LETTERS = (10, 49)  # a short item's letters: below the default char_ngram of 50
SHORT_PLANTED = 30  # planted short items have at least this many letters
KINDS = ("exact", "spacing", "partial", "near_short", "near_reworded")
SHORT_KINDS = ("short_exact", "short_spacing", "short_word", "short_part")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
_HANGUL = re.compile("[가-힣]")
_LETTER = re.compile(r"\w")


def half(doc_id: str) -> int:
    return hashlib.blake2b(doc_id.encode(), digest_size=1).digest()[0] % 2


def sentences(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out


def hangul_share(text: str) -> float:
    return len(_HANGUL.findall(text)) / max(1, len(text.replace(" ", "")))


def letters(text: str) -> int:
    return len(_LETTER.findall(text))


def respaced(text: str, rng: random.Random) -> str:
    words = text.split()
    out = []
    for word in words:
        roll = rng.random()
        if roll < 0.2 and len(word) > 3:
            cut = rng.randrange(1, len(word))
            word = word[:cut] + " " + word[cut:]  # a space inside a word
        out.append(word)
        out.append("" if rng.random() < 0.25 else ("  " if rng.random() < 0.2 else " "))
    text = "".join(out).strip()
    text = text.replace(".", "!").replace(",", "").replace("?", "？").replace("(", "（")
    return text.replace(")", "）")


def reworded(text: str, vocabulary: list[str], rng: random.Random) -> str:
    words = text.split()
    return " ".join(rng.choice(vocabulary) if k % 3 == 2 else w for k, w in enumerate(words))


def folded(text: str) -> str:
    """The matching form, roughly (letters and digits, case folded): for the coincidence count."""
    return "".join(_LETTER.findall(text)).casefold().replace("_", "")


def inside_paragraph(text: str, planted: str, rng: random.Random) -> str:
    """``planted`` put between two words of one of ``text``'s longer paragraphs."""
    paragraphs = text.split("\n")
    longest = max(range(len(paragraphs)), key=lambda k: (len(paragraphs[k].split()), -k))
    words = paragraphs[longest].split(" ")
    cut = rng.randrange(0, len(words) + 1)
    paragraphs[longest] = " ".join([*words[:cut], planted, *words[cut:]])
    return "\n".join(paragraphs)


def short_items(
    docs: list[dict], train_sentences: set[str], count: int, rng: random.Random
) -> list[dict]:
    """Single sentences of SHORT_LETTERS letters from the benchmark half, mostly Hangul, none a
    sentence of the training half; prints how many such sentences the training half's text
    contains whole (in the matching form), by length."""
    found, seen = [], set()
    for doc in docs:
        if half(doc["id"]) == 1:
            for sentence in sentences(doc["text"]):
                size = letters(sentence)
                if (
                    SHORT_LETTERS[0] <= size <= SHORT_LETTERS[1]
                    and hangul_share(sentence) >= 0.6
                    and len(sentence.split()) >= 2
                    and sentence not in seen
                ):
                    seen.add(sentence)
                    found.append(sentence)
    train_text = "\n".join(folded(d["text"]) for d in docs if half(d["id"]) == 0)
    shared: dict[str, list[int]] = {}
    for sentence in found:
        bucket = f"{min(40, letters(sentence) // 10 * 10)}+"
        counts = shared.setdefault(bucket, [0, 0])
        counts[0] += folded(sentence) in train_text
        counts[1] += 1
    print(json.dumps({"short sentences found whole in the training half, by letters": shared}))
    chosen = [s for s in found if s not in train_sentences]
    rng.shuffle(chosen)
    return [
        {"benchmark": SHORT_BENCHMARK, "id": f"{SHORT_BENCHMARK}-{k:05d}", "question": text}
        for k, text in enumerate(chosen[:count])
    ]


def plant_short(kind: str, item: str, text: str, vocabulary: list[str], rng: random.Random):
    words = item.split()
    if kind == "short_exact":
        planted = item
        paragraphs = text.split("\n")
        cut = rng.randrange(0, len(paragraphs) + 1)
        return planted, "\n".join([*paragraphs[:cut], planted, *paragraphs[cut:]])
    if kind == "short_spacing":
        planted = respaced(item, rng)
    elif kind == "short_word":
        where = rng.randrange(len(words))
        other = rng.choice([w for w in vocabulary if folded(w) != folded(words[where])][:5000])
        planted = " ".join([*words[:where], other, *words[where + 1 :]])
    else:  # short_part: a word or two less at one end
        cut = 1 if len(words) < 4 else rng.randint(1, 2)
        planted = " ".join(words[cut:] if rng.random() < 0.5 else words[:-cut])
    return planted, inside_paragraph(text, planted, rng)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--items", type=int, default=3000, help="benchmark items")
    parser.add_argument("--planted", type=int, default=100, help="documents per planted kind")
    parser.add_argument("--short-items", type=int, default=1500, help="short benchmark items")
    parser.add_argument(
        "--short-planted", type=int, default=60, help="documents per short planted kind"
    )
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    short_rng = random.Random(args.seed + 1)  # the long kinds' draws do not depend on it
    with gzip.open(SEED_CORPUS, "rt", encoding="utf-8") as seed:
        docs = [json.loads(line) for line in seed]
    train_docs = [d for d in docs if half(d["id"]) == 0 and len(d["text"]) >= 300]
    train_sentences = {s for d in docs if half(d["id"]) == 0 for s in sentences(d["text"])}
    candidates = []
    seen = set()
    for doc in docs:
        if half(doc["id"]) != 1:
            continue
        parts = [s for s in sentences(doc["text"]) if s not in train_sentences]
        start = 0
        while start < len(parts):
            size = rng.randint(1, 4)
            text = " ".join(parts[start : start + size])
            start += size
            if 40 <= len(text) <= 600 and hangul_share(text) >= 0.6 and text not in seen:
                seen.add(text)
                candidates.append(text)
    rng.shuffle(candidates)
    items = [
        {"benchmark": BENCHMARKS[k % 3], "id": f"{BENCHMARKS[k % 3]}-{k:05d}", "question": text}
        for k, text in enumerate(candidates[: args.items])
    ]
    vocabulary = sorted({w for d in train_docs[:300] for w in d["text"].split() if len(w) > 1})
    shorts = short_items(docs, train_sentences, args.short_items, short_rng)
    out = args.out
    (out / "benchmarks").mkdir(parents=True, exist_ok=True)
    if shorts:
        with (out / "benchmarks" / f"{SHORT_BENCHMARK}.jsonl").open("w", encoding="utf-8") as f:
            for item in shorts:
                row = {"id": item["id"], "premise": item["question"]}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    plantable_short = [i for i in shorts if letters(i["question"]) >= SHORT_PLANTED]
    short_kinds = [k for k in SHORT_KINDS for _ in range(args.short_planted)]
    first_short = args.planted * len(KINDS)
    for name in BENCHMARKS:
        with (out / "benchmarks" / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            for item in items:
                if item["benchmark"] == name:
                    row = {"id": item["id"], "question": item["question"]}
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
    # Planted overlaps share at least PLANTED_LETTERS letters with their item, so they are
    # overlaps at every n measured (bench_decontaminate.py); shorter items are still in the
    # benchmark (and count in its share of indexed items).
    plantable = [i for i in items if letters(i["question"]) >= PLANTED_LETTERS]
    long_items = [i for i in plantable if letters(i["question"]) >= 2 * PLANTED_LETTERS]
    rng.shuffle(train_docs)
    labels = []
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as corpus:
        for number, doc in enumerate(train_docs):
            kind = KINDS[number % len(KINDS)] if number < args.planted * len(KINDS) else "clean"
            if first_short <= number < first_short + len(short_kinds) and plantable_short:
                kind = short_kinds[number - first_short]
            text = doc["text"]
            label = {"id": f"doc-{number:05d}", "kind": kind, "benchmark": None, "item": None}
            if kind in SHORT_KINDS:
                item = short_rng.choice(plantable_short)
                planted, text = plant_short(kind, item["question"], text, vocabulary, short_rng)
                label.update(benchmark=item["benchmark"], item=item["id"], planted=planted)
            elif kind != "clean":
                item = rng.choice(long_items if kind == "partial" else plantable)
                words = item["question"].split()
                if kind == "exact":
                    planted = item["question"]
                elif kind == "spacing":
                    planted = respaced(item["question"], rng)
                elif kind == "partial":
                    size = max(1, int(len(words) * rng.uniform(0.5, 0.7)))
                    first = rng.randrange(0, len(words) - size + 1)
                    while letters(" ".join(words[first : first + size])) < PLANTED_LETTERS:
                        size += 1
                        first = min(first, len(words) - size)
                    planted = " ".join(words[first : first + size])
                elif kind == "near_short":
                    first = rng.randrange(0, len(words))
                    planted, run = "", 0
                    for word in words[first:]:
                        if run + letters(word) > 25:
                            break
                        planted, run = (planted + " " + word).strip(), run + letters(word)
                    if run < 12:
                        planted = item["question"][:18]
                else:
                    planted = reworded(item["question"], vocabulary, rng)
                paragraphs = text.split("\n")
                cut = rng.randrange(0, len(paragraphs) + 1)
                text = "\n".join([*paragraphs[:cut], planted, *paragraphs[cut:]])
                label.update(benchmark=item["benchmark"], item=item["id"], planted=planted)
            labels.append(label)
            corpus.write(json.dumps({"id": label["id"], "text": text}, ensure_ascii=False) + "\n")
    with (out / "labels.jsonl").open("w", encoding="utf-8") as f:
        for label in labels:
            f.write(json.dumps(label, ensure_ascii=False) + "\n")
    kinds = (*KINDS, *SHORT_KINDS, "clean")
    counts = {k: sum(1 for label in labels if label["kind"] == k) for k in kinds}
    summary = {"items": len(items), "short_items": len(shorts), "documents": len(labels)}
    print(json.dumps({**summary, "kinds": counts}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
