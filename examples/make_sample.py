"""Rebuild the bundled sample corpus from ../shared/corpora (deterministic; run from the repo root).

The sample mixes real Korean documents with the work every stage needs: exact and near
duplicates, synthetic PII, HTML pages with boilerplate, junk documents and broken lines.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
OUT = Path(__file__).resolve().parent
SEED = 20261127

# Synthetic numbers only: valid shapes, no real person's data.
PII_SENTENCES = [
    "문의는 담당자 휴대폰 010-2468-1357 로 연락 주세요.",
    "사무실 전화: (02)345-6789, 팩스 02-345-6790",
    "환불 계좌는 신한은행 110-234-567890 (예금주 홍길동) 입니다.",
    "주민등록번호 900101-1234568 을 입력하세요.",
    "카카오뱅크 3333-12-3456789 로 입금 부탁드립니다.",
    "대표번호 1588-1234 로 전화주시면 안내해 드립니다.",
    "해외에서는 +82-10-9876-5432 로 연락 가능합니다.",
    "연락처 010.5555.1212 (평일 9시~18시)",
]
JUNK = [
    "",
    "   \n\t  ",
    "click here click here click here buy now free free free",
    "!!!!! ###### ***** ?????? ~~~~~~ @@@@@@ !!!!! ###### *****",
    "ㅋㅋ",
]


def load(name: str) -> list[dict]:
    with gzip.open(SHARED / name, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def main() -> None:
    rng = random.Random(SEED)
    docs = load("ko_docs.jsonl.gz")
    prose = [d for d in docs if d["source"] in ("konlpy", "debian-faq-ko")]
    help_pages = [
        d
        for d in docs
        if d["source"] not in ("konlpy", "debian-faq-ko") and 400 < len(d["text"]) < 2500
    ]
    picked = rng.sample(help_pages, 130) + [d for d in prose if len(d["text"]) < 12000][:8]
    records = [{"id": d["id"], "source": d["source"], "text": d["text"]} for d in picked]
    for i, doc in enumerate(rng.sample(records, 20)):
        lines = doc["text"].split("\n")
        lines.insert(rng.randrange(len(lines) + 1), PII_SENTENCES[i % len(PII_SENTENCES)])
        doc["text"] = "\n".join(lines)
    for doc in rng.sample(records, 10):  # exact copies under new ids
        records.append(dict(doc, id=doc["id"] + "#copy"))
    for doc in rng.sample(records[:130], 5):  # near copies: one line changed
        lines = doc["text"].split("\n")
        lines[-1] = lines[-1] + " (개정판)"
        records.append(dict(doc, id=doc["id"] + "#revised", text="\n".join(lines)))
    for i, text in enumerate(JUNK):
        records.append({"id": f"junk-{i}", "source": "synthetic", "text": text})
    rng.shuffle(records)
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines.insert(17, '{"id": "broken-1", "text": "닫히지 않은 JSON')
    lines.insert(42, '{"id": "no-text", "body": "text 필드가 없는 레코드"}')
    (OUT / "sample.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    pages = [p for p in load("ko_html_pages.jsonl.gz") if len(p["html"]) < 12000]
    with gzip.GzipFile(OUT / "sample_html.jsonl.gz", "wb", mtime=0) as handle:
        for page in rng.sample(pages, 25):
            # The text corpus holds the same pages under the same ids: keep ids unique.
            page = dict(page, id="html:" + page["id"])
            handle.write((json.dumps(page, ensure_ascii=False) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()
