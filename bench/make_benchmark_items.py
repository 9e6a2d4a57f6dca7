"""Benchmark files of KoBEST+KLUE size for timing decontamination, sharing no text with a corpus.

    .venv/bin/python bench/make_benchmark_items.py --out /tmp/bench-items --items 20000

bench/make_corpus.py builds its corpora from every Korean sentence of ../shared/corpora, so no
real sentence is left over to make benchmark items that the 100 MB corpus does not contain. These
items are made of the seed corpus's words drawn by their frequency, in random order: Korean
characters, word lengths and particles as in the corpus (so hashing and lookups cost what real
items cost), no shared sentence. Sizes follow KoBEST and KLUE: three items in four are short
(a premise and two alternatives, or a question: 30-300 characters), one in four a long reading
passage (500-1,500 characters, as KLUE-MRC's contexts). With ``--short-share F``, a share F of
the items is instead one short sentence (12-60 characters, a COPA premise or an NLI hypothesis
alone: what the whole-item rule indexes). Writes ``OUT/<benchmark>.jsonl``.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
from collections import Counter
from pathlib import Path

SEED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "ko_docs.jsonl.gz"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--short-share", type=float, default=0.0, help="short items' share")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    short_rng = random.Random(args.seed + 1)  # without --short-share, the items are as before
    words: Counter = Counter()
    with gzip.open(SEED_CORPUS, "rt", encoding="utf-8") as seed:
        for line in seed:
            words.update(
                w for w in json.loads(line)["text"].split() if any("가" <= c <= "힣" for c in w)
            )
    vocabulary, weights = zip(*sorted(words.items()), strict=True)
    cumulative = list(itertools.accumulate(weights))

    def text(chars: int) -> str:
        out: list[str] = []
        length = 0
        while length < chars:
            drawn = rng.choices(vocabulary, cum_weights=cumulative, k=8)
            out.extend(drawn)
            length += sum(len(w) + 1 for w in drawn)
        return " ".join(out)[:chars].rsplit(" ", 1)[0] + "."

    args.out.mkdir(parents=True, exist_ok=True)
    files = {
        name: (args.out / f"{name}.jsonl").open("w", encoding="utf-8")
        for name in ("kobest_copa_like", "klue_nli_like", "klue_mrc_like", "short_like")
        if name != "short_like" or args.short_share
    }
    for number in range(args.items):
        if args.short_share and short_rng.random() < args.short_share:
            name = "short_like"
            row = {"premise": text(short_rng.randint(12, 60))}
        elif number % 4 == 3:
            name = "klue_mrc_like"
            row = {"context": text(rng.randint(500, 1500)), "question": text(40)}
        elif number % 2:
            name = "klue_nli_like"
            row = {"premise": text(rng.randint(40, 200)), "hypothesis": text(40)}
        else:
            name = "kobest_copa_like"
            row = {
                "premise": text(rng.randint(30, 120)),
                "alternative_1": text(30),
                "alternative_2": text(30),
            }
        row["id"] = f"{name}-{number:06d}"
        files[name].write(json.dumps(row, ensure_ascii=False) + "\n")
    for handle in files.values():
        handle.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
