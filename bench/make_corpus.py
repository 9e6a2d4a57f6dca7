"""A synthetic Korean corpus of a requested size with a ground-truth file, deterministic by seed.

    .venv/bin/python bench/make_corpus.py --size 100MB --out /tmp/corpus-100mb
    .venv/bin/python bench/make_corpus.py --size 1GB --out /tmp/corpus-1gb --seed 7

Documents are recombined from the sentences of ../shared/corpora/ko_docs.jsonl.gz: each line is
a paragraph of several random sentences, so lines do not repeat across documents by accident.
Into that stream go, at fixed rates:

- exact duplicates (``exact``): a copy of an earlier document under a new id;
- near duplicates (``near``): an earlier document with about 5% of its sentences replaced, one
  paragraph dropped or one line appended (character 5-gram Jaccard 0.76-1.0, median 0.91);
- PII: resident-registration, phone and bank-account numbers written in the forms Korean pages
  use, with a keyword beside them; every injected number is listed in the ground truth;
- boilerplate: site footers (lines shared by many documents, for repeated-line removal) and
  known notices (transforms/data/boilerplate_ko.txt) appended to documents;
- junk documents (``junk``): too short, mostly Latin script, spam, one line repeated, symbols.

Writes ``OUT/part-NNNNN.jsonl`` (``{"id", "source", "text"}``; one file per ~32 MB, at least 4,
since both kprep and datatrove parallelise over files), ``OUT/truth.jsonl.gz`` (one row per
document: id, kind, dup_of, junk, pii, boilerplate lines) and ``OUT/corpus.json`` (counts).
Memory stays flat: duplicates are drawn from a bounded reservoir of recent documents.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import random
import re
import sys
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any

SEED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "ko_docs.jsonl.gz"
SPAM_WORDS = Path(__file__).resolve().parents[1] / "transforms" / "data" / "spam_words_ko.txt"
BYTES_PER_FILE = 32 * 1024 * 1024
MIN_FILES = 4
RESERVOIR = 5000  # recent documents that duplicates are copied from

# Share of generated documents of each kind; the rest are new ("base") documents.
RATES = {"exact": 0.05, "near": 0.05, "junk": 0.05}
PII_RATE = 0.05  # of base documents
FOOTER_RATE = 0.15  # of base documents
NOTICE_RATE = 0.05  # of base documents

FOOTERS = [
    [
        "한빛일보 | 서울특별시 중구 세종대로 1길 23 | 등록번호 서울 아 01234",
        "발행인 겸 편집인 김한빛 | 청소년보호책임자 이정민",
        "Copyright 한빛일보. All rights reserved.",
    ],
    [
        "이 블로그의 인기 글 | 이웃 추가 | 맨 위로 가기",
        "공감 스크랩 신고하기 | 카테고리 전체 보기",
    ],
    [
        "오늘 본 상품 | 장바구니 | 주문 배송 조회 | 고객 센터",
        "상호명 가나다몰 | 대표 박가나 | 통신판매업 신고 제2024-서울강남-0000호",
        "반품 교환 안내 | 이용 약관 | 개인 정보 처리 방침",
    ],
]
NOTICES = [
    "저작권자 © 한빛일보 무단전재 및 재배포 금지",
    "ⓒ 가나다뉴스, 무단 전재 및 재배포 금지",
]
BANKS = [("국민은행", (6, 2, 6)), ("신한은행", (3, 3, 6)), ("우리은행", (4, 3, 6))]
RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
HANGUL = re.compile("[가-힣]")


def parse_size(text: str) -> int:
    """'10MB', '1.5GB', '250000' -> bytes (decimal units)."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([KMG]?B?)\s*", text.upper())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10MB, 1GB)")
    scale = {"": 1, "B": 1, "K": 1e3, "KB": 1e3, "M": 1e6, "MB": 1e6, "G": 1e9, "GB": 1e9}
    return int(float(match[1]) * scale[match[2]])


def load_sentences(path: Path) -> tuple[list[str], list[str]]:
    """(Korean sentences, mostly-Latin sentences) of the seed corpus, each distinct, sorted."""
    korean, latin = set(), set()
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            text = " ".join(json.loads(line)["text"].split())
            for sentence in SENTENCE_END.split(text):
                if not 20 <= len(sentence) <= 300:
                    continue
                letters = sum(ch.isalpha() for ch in sentence)
                hangul = len(HANGUL.findall(sentence))
                if letters and hangul / letters >= 0.6:
                    korean.add(sentence)
                elif hangul == 0 and letters > 15:
                    latin.add(sentence)
    return sorted(korean), sorted(latin)


def rrn(rng: random.Random) -> str:
    """A resident-registration number with a real birth date and a valid check digit."""
    year = rng.randint(1950, 2009)
    birth = f"{year % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    sex = rng.choice("12") if year < 2000 else rng.choice("34")
    body = birth + sex + "".join(rng.choice("0123456789") for _ in range(5))
    check = (11 - sum(int(d) * w for d, w in zip(body, RRN_WEIGHTS, strict=True)) % 11) % 10
    return f"{body[:6]}-{body[6:]}{check}"


def pii_sentence(rng: random.Random) -> tuple[str, str, str]:
    """(kind, number, sentence holding it) in the forms Korean pages write them."""
    kind = rng.choice(("rrn", "tel", "acc"))
    if kind == "rrn":
        number = rrn(rng)
        return kind, number, f"신청서에는 주민등록번호 {number}를 적어 주십시오."
    if kind == "tel":
        number = f"010-{rng.randint(2000, 9999)}-{rng.randint(0, 9999):04d}"
        return kind, number, f"자세한 사항은 전화 {number}로 문의하시기 바랍니다."
    bank, layout = rng.choice(BANKS)
    number = "-".join("".join(rng.choice("0123456789") for _ in range(n)) for n in layout)
    return kind, number, f"참가비는 {bank} 계좌 {number} (예금주 홍길동)로 입금해 주세요."


class Generator:
    """The document stream: one ``(record, truth)`` per call of :meth:`next`."""

    def __init__(self, seed: int, korean: list[str], latin: list[str], spam: list[str]):
        self.rng = random.Random(seed)
        self.korean, self.latin, self.spam = korean, latin, spam
        self.recent: deque[tuple[str, list[list[str]]]] = deque(maxlen=RESERVOIR)
        self.count = 0

    def paragraphs(self) -> list[list[str]]:
        """A new document's paragraphs (lists of sentences): about 1.5 KB, long-tailed."""
        target = min(20_000, max(250, int(self.rng.lognormvariate(7.1, 0.8))))
        paragraphs, size = [], 0
        while size < target:
            paragraph = [self.rng.choice(self.korean) for _ in range(self.rng.randint(2, 6))]
            paragraphs.append(paragraph)
            size += sum(len(s) + 1 for s in paragraph)
        return paragraphs

    def near_copy(self, paragraphs: list[list[str]]) -> list[list[str]]:
        """The paragraphs with ~5% of sentences replaced, or one dropped or appended line."""
        copy = [list(p) for p in paragraphs]
        edit = self.rng.choice(("replace", "drop", "append"))
        if edit == "drop" and len(copy) > 5:
            del copy[self.rng.randrange(len(copy))]
        elif edit == "append":
            copy.append([self.rng.choice(self.korean)])
        else:
            sentences = sum(len(p) for p in copy)
            for _ in range(max(1, round(0.05 * sentences))):
                paragraph = self.rng.choice(copy)
                paragraph[self.rng.randrange(len(paragraph))] = self.rng.choice(self.korean)
        return copy

    def junk(self) -> tuple[str, str]:
        kind = self.rng.choice(("short", "latin", "spam", "repeated", "symbols"))
        if kind == "short":
            return kind, self.rng.choice(self.korean)[:60]
        if kind == "latin":
            return kind, "\n".join(self.rng.choice(self.latin) for _ in range(12))
        if kind == "spam":
            words = [self.rng.choice(self.spam) for _ in range(60)]
            return kind, "\n".join(" ".join(words[i : i + 6]) for i in range(0, 60, 6))
        if kind == "repeated":
            return kind, "\n".join([self.rng.choice(self.korean)] * 30)
        lines = (
            " ".join(self.rng.choice("#*=-|+") * 4 for _ in range(12))
            + f" {self.rng.randint(0, 999)}"
            for _ in range(20)
        )
        return kind, "\n".join(lines)

    def next(self) -> tuple[dict[str, Any], dict[str, Any]]:
        doc_id = f"syn-{self.count:010d}"
        self.count += 1
        truth: dict[str, Any] = {"id": doc_id, "kind": "base"}
        draw = self.rng.random()
        kind = next(
            (k for k, edge in zip(RATES, _cumulative(RATES.values()), strict=True) if draw < edge),
            "base",
        )
        if kind in ("exact", "near") and self.recent:
            source_id, paragraphs = self.rng.choice(self.recent)
            truth.update(kind=kind, dup_of=source_id)
            if kind == "near":
                paragraphs = self.near_copy(paragraphs)
            text = "\n".join(" ".join(p) for p in paragraphs)
        elif kind == "junk":
            truth["kind"] = "junk"
            truth["junk"], text = self.junk()
        else:
            paragraphs = self.paragraphs()
            if self.rng.random() < PII_RATE:
                truth["pii"] = []
                for _ in range(self.rng.randint(1, 3)):
                    pii_kind, number, sentence = pii_sentence(self.rng)
                    self.rng.choice(paragraphs).append(sentence)
                    truth["pii"].append([pii_kind, number])
            extra: list[str] = []
            if self.rng.random() < FOOTER_RATE:
                extra += self.rng.choice(FOOTERS)
            if self.rng.random() < NOTICE_RATE:
                extra.append(self.rng.choice(NOTICES))
            if extra:
                paragraphs = paragraphs + [[line] for line in extra]
                truth["boilerplate"] = extra
            self.recent.append((doc_id, paragraphs))
            text = "\n".join(" ".join(p) for p in paragraphs)
        return {"id": doc_id, "source": "synthetic", "text": text}, truth


def _cumulative(values) -> list[float]:
    total, out = 0.0, []
    for value in values:
        total += value
        out.append(total)
    return out


def load_spam_words(path: Path = SPAM_WORDS) -> list[str]:
    """The spam word list that junk documents are made of."""
    return [
        w.strip()
        for w in path.read_text(encoding="utf-8").splitlines()
        if w.strip() and not w.startswith("#")
    ]


def new_generator(seed: int) -> Generator:
    """The document stream of this corpus for ``seed``, from the seed corpus's sentences."""
    korean, latin = load_sentences(SEED_CORPUS)
    return Generator(seed, korean, latin, load_spam_words())


def make_corpus(size: int, out: Path, seed: int = 1234) -> dict[str, Any]:
    """Write the corpus of about ``size`` bytes of JSONL into ``out``; returns its summary."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("part-*.jsonl"):
        old.unlink()
    files = max(MIN_FILES, math.ceil(size / BYTES_PER_FILE))
    generator = new_generator(seed)
    kinds: Counter = Counter()
    pii: Counter = Counter()
    written = 0
    # mtime=0: the gzip header holds no timestamp, so the same seed gives identical bytes
    with (
        open(out / "truth.jsonl.gz", "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed,
        io.TextIOWrapper(packed, encoding="utf-8") as truth_file,
    ):
        for index in range(files):
            limit = size * (index + 1) // files
            with open(out / f"part-{index:05d}.jsonl", "w", encoding="utf-8") as part:
                while written < limit:
                    record, truth = generator.next()
                    line = json.dumps(record, ensure_ascii=False) + "\n"
                    part.write(line)
                    truth_file.write(json.dumps(truth, ensure_ascii=False) + "\n")
                    written += len(line.encode("utf-8"))
                    kinds[truth["kind"]] += 1
                    pii.update(kind for kind, _ in truth.get("pii", []))
    summary = {
        "seed": seed,
        "requested_bytes": size,
        "bytes": written,
        "files": files,
        "documents": generator.count,
        "kinds": dict(sorted(kinds.items())),
        "pii": dict(sorted(pii.items())),
        "seed_sentences": {"korean": len(generator.korean), "latin": len(generator.latin)},
    }
    (out / "corpus.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, required=True, help="e.g. 10MB, 100MB, 1GB")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)
    if not SEED_CORPUS.exists():
        print(f"make_corpus: the seed corpus {SEED_CORPUS} is missing", file=sys.stderr)
        return 2
    started = time.monotonic()
    print(json.dumps(make_corpus(args.size, args.out, args.seed), indent=2))
    print(f"written in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
