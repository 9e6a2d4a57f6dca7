"""Throughput of the per-document cleaning core, where its time goes, and what the filters drop.

    .venv/bin/python bench/bench_cleaning.py                 # shared corpora + 30 MB synthetic
    .venv/bin/python bench/bench_cleaning.py --synthetic-mb 0 --calibration --word-units \
        --html-parsers --line-dedupe 5                        # the calibration side studies

Stages, each timed alone on the previous stage's output and together as the pipeline runs them:
HTML to text (pages only), normalize_text, strip_boilerplate_lines, first_failing_filter. The
corpus-wide repeated-line removal is a shuffle and is not measured here. Rates are input bytes
(UTF-8 text or HTML) per CPU second of this one process, so they are per core; the best of
--repeats runs counts. The synthetic corpus recombines lines of both shared files into longer
documents with a seeded generator, so every run measures the same text.
"""

import argparse
import cProfile
import gzip
import io
import json
import platform
import pstats
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from transforms.boilerplate import strip_boilerplate_lines
from transforms.filters import hangul, repetition, spam, symbols
from transforms.filters.base import FilterConfig, first_failing_filter
from transforms.filters.text_view import TextView
from transforms.filters.words import mean_word_length
from transforms.normalize import html_to_text, looks_like_html, normalize_text

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
PROSE_SOURCES = ("konlpy", "debian-faq-ko")


def read_jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def page_text(doc: dict) -> str:
    """The document's raw input: its text, or its HTML page."""
    return doc["text"] if "text" in doc else doc["html"]


def synthetic_corpus(docs: list[dict], pages: list[dict], megabytes: float, seed: int) -> list[str]:
    """Documents of 1-6 runs of consecutive lines from random sources; every fifth one a whole
    HTML page. Seeded, built in memory."""
    rng = random.Random(seed)
    sources = [doc["text"].split("\n") for doc in docs]
    target = megabytes * 1e6
    out: list[str] = []
    size = 0
    while size < target:
        if len(out) % 5 == 4:
            text = rng.choice(pages)["html"]
        else:
            parts = []
            for _ in range(rng.randint(1, 6)):
                lines = rng.choice(sources)
                start = rng.randrange(len(lines))
                parts.extend(lines[start : start + rng.randint(5, 80)])
            text = "\n".join(parts)
        out.append(text)
        size += len(text.encode())
    return out


def to_text(raw: str) -> str:
    return html_to_text(raw) if looks_like_html(raw) else raw


def clean_text(raw: str) -> str:
    """What the filters see: text, normalised, without boilerplate lines."""
    return strip_boilerplate_lines(normalize_text(to_text(raw)))[0]


def clean(raw: str, cfg: FilterConfig):
    """The three stages as the pipeline runs them on one document."""
    return first_failing_filter(clean_text(raw), cfg)


def cpu_seconds(fn: Callable, items: Iterable, repeats: int) -> tuple[float, list]:
    best, out = float("inf"), []
    for _ in range(repeats):
        start = time.process_time()
        out = [fn(item) for item in items]
        best = min(best, time.process_time() - start)
    return best, out


def throughput(name: str, raws: list[str], cfg: FilterConfig, repeats: int) -> None:
    megabytes = sum(len(raw.encode()) for raw in raws) / 1e6
    print(f"\n## {name}: {len(raws):,} documents, {megabytes:.1f} MB\n")
    print("| stage | CPU s | MB/s per core | docs/s |")
    print("|---|---:|---:|---:|")

    def row(stage: str, seconds: float) -> None:
        rate = megabytes / seconds
        print(f"| {stage} | {seconds:.2f} | {rate:.1f} | {len(raws) / seconds:,.0f} |")

    seconds, texts = cpu_seconds(to_text, raws, repeats)
    if any(text is not raw for text, raw in zip(texts, raws, strict=True)):
        row("html_to_text (pages only)", seconds)
    seconds, normalised = cpu_seconds(normalize_text, texts, repeats)
    row("normalize_text", seconds)
    seconds, stripped = cpu_seconds(strip_boilerplate_lines, normalised, repeats)
    row("strip_boilerplate_lines", seconds)
    seconds, _ = cpu_seconds(lambda t: first_failing_filter(t[0], cfg), stripped, repeats)
    row("first_failing_filter", seconds)
    text_only = [raw for raw in raws if not looks_like_html(raw)]
    if text_only and len(text_only) < len(raws):
        text_mb = sum(len(raw.encode()) for raw in text_only) / 1e6
        seconds, _ = cpu_seconds(lambda raw: clean(raw, cfg), text_only, repeats)
        print(
            f"| all three, text documents only ({text_mb:.1f} MB) | {seconds:.2f} | "
            f"{text_mb / seconds:.1f} | {len(text_only) / seconds:,.0f} |"
        )
    seconds, _ = cpu_seconds(lambda raw: clean(raw, cfg), raws, repeats)
    row("**all stages together**", seconds)


def profile(raws: list[str], cfg: FilterConfig, top: int) -> None:
    profiler = cProfile.Profile(time.process_time)  # CPU time: other jobs share the machine
    profiler.enable()
    for raw in raws:
        clean(raw, cfg)
    profiler.disable()
    report = io.StringIO()
    pstats.Stats(profiler, stream=report).sort_stats("tottime").print_stats(top)
    lines = [line for line in report.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    print(f"\n## cProfile, all stages together, top {top} by own time\n\n```")
    print("\n".join(lines[start - 2 :]))
    print("```")


def drop_table(name: str, docs: list[dict], cfg: FilterConfig) -> None:
    reasons: Counter[str] = Counter()
    lines_removed = docs_changed = 0
    for doc in docs:
        text, removed = strip_boilerplate_lines(normalize_text(to_text(page_text(doc))))
        lines_removed += removed
        docs_changed += removed > 0
        drop = first_failing_filter(text, cfg)
        reasons[drop.reason if drop else "kept"] += 1
    print(f"\n## Drops by filter, {name} ({len(docs):,} documents)\n")
    print(
        f"Boilerplate lines removed before filtering: {lines_removed:,} from {docs_changed:,} "
        "documents.\n"
    )
    print("| filter | documents | share |")
    print("|---|---:|---:|")
    for reason, count in reasons.most_common():
        print(f"| {reason} | {count:,} | {count / len(docs):.1%} |")


def _hangul_share(view: TextView) -> float:
    hangul_letters, letters = hangul.letter_counts(view)
    return hangul_letters / letters if letters else 0.0


# What each filter measures, by the FilterConfig field that bounds it.
MEASURES: dict[str, Callable[[TextView], float]] = {
    "min_chars / max_chars": lambda view: len(view.text),
    "min_hangul_share": _hangul_share,
    "min / max_mean_word_length": mean_word_length,
    "max_symbol_word_ratio": symbols.symbol_word_ratio,
    "max_bullet_line_frac": symbols.bullet_line_frac,
    "max_ellipsis_line_frac": symbols.ellipsis_line_frac,
    "max_dup_line_frac": repetition.dup_line_frac,
    "max_dup_line_char_frac": repetition.dup_line_char_frac,
    **{
        f"max_top_ngram_char_frac, n={n}": (
            lambda view, n=n: repetition.top_ngram_char_frac(view.words, n)
        )
        for n in (2, 3, 4)
    },
    **{
        f"max_dup_ngram_char_frac, n={n}": (
            lambda view, n=n: repetition.dup_ngram_char_frac(view.words, n)
        )
        for n in (5, 6, 7, 8, 9, 10)
    },
    "max_spam_words_per_1k": lambda view: spam.spam_density(view, len(spam.spam_hits(view))),
}


def calibration(docs: list[dict]) -> None:
    """Each measure on the prose set (which the defaults must keep) and on all of ko_docs."""
    views = [TextView(clean_text(doc["text"])) for doc in docs]
    prose = [view for view, doc in zip(views, docs, strict=True) if doc["source"] in PROSE_SOURCES]
    print("\n## Calibration: each filter's measure after normalisation and boilerplate removal\n")
    print("| measure (FilterConfig field) | prose min | prose max | ko_docs 1% | 50% | 99% |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, measure in MEASURES.items():
        values = sorted(measure(view) for view in views)
        prose_values = [measure(view) for view in prose]
        quantiles = statistics.quantiles(values, n=100)
        cells = [min(prose_values), max(prose_values), quantiles[0], quantiles[49], quantiles[98]]
        print(f"| {name} | " + " | ".join(f"{value:.3g}" for value in cells) + " |")


def lexbor_text(raw: str) -> str:
    return LexborHTMLParser(raw).text()


def html_parsers(pages: list[dict], repeats: int) -> None:
    """html_to_text against other parsers importable here (resiliparse's extractor also breaks
    lines at blocks; lxml's text_content and the stdlib parser below do not)."""
    raws = [page["html"] for page in pages]
    megabytes = sum(len(raw.encode()) for raw in raws) / 1e6
    candidates: dict[str, Callable[[str], str]] = {
        "selectolax (lexbor): html_to_text": html_to_text,
        "selectolax (lexbor): parse + text(), no line breaks": lexbor_text,
    }
    try:
        from resiliparse.extract.html2text import extract_plain_text

        candidates["resiliparse extract_plain_text"] = extract_plain_text
    except ImportError:
        pass
    try:
        import lxml.html

        # bytes: lxml refuses str input that carries an XML encoding declaration
        candidates["lxml text_content"] = lambda raw: lxml.html.fromstring(
            raw.encode()
        ).text_content()
    except ImportError:
        pass
    from html.parser import HTMLParser

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    def stdlib(raw: str) -> str:
        parser = _Text()
        parser.feed(raw)
        return "".join(parser.parts)

    candidates["stdlib html.parser"] = stdlib
    print(f"\n## HTML parsers on {len(raws):,} pages, {megabytes:.1f} MB\n")
    print("| parser | MB/s per core | pages/s |")
    print("|---|---:|---:|")
    for name, fn in candidates.items():
        seconds, _ = cpu_seconds(fn, raws, repeats)
        print(f"| {name} | {megabytes / seconds:.1f} | {len(raws) / seconds:,.0f} |")


def word_units(docs: list[dict]) -> None:
    """Mean word length in eojeol and in Kiwi morphemes, and what each costs to compute."""
    from kiwipiepy import Kiwi

    kiwi = Kiwi()
    kiwi.tokenize("모델을 불러 둡니다.")  # the first call loads the model: not timed
    groups = {
        "prose (konlpy + debian-faq-ko)": [d for d in docs if d["source"] in PROSE_SOURCES],
        "help pages, first 300": [d for d in docs if d["source"] not in PROSE_SOURCES][:300],
    }
    print("\n## Word units: mean word length per document (min / median / max) and cost\n")
    print("| documents | eojeol | eojeol MB/s | Kiwi morphemes | Kiwi MB/s |")
    print("|---|---|---:|---|---:|")
    for name, group in groups.items():
        texts = [clean_text(doc["text"]) for doc in group]
        megabytes = sum(len(text.encode()) for text in texts) / 1e6
        eojeol_s, eojeol = cpu_seconds(lambda t: mean_word_length(TextView(t)), texts, 1)
        start = time.process_time()
        morphemes = [
            statistics.fmean(len(token.form) for token in tokens) if tokens else 0.0
            for tokens in map(kiwi.tokenize, texts)
        ]
        kiwi_s = time.process_time() - start

        def spread(values: list[float]) -> str:
            return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"

        print(
            f"| {name} | {spread(eojeol)} | {megabytes / eojeol_s:.1f} | {spread(morphemes)} | "
            f"{megabytes / kiwi_s:.2f} |"
        )


def line_dedupe_effect(docs: list[dict], min_docs: int) -> None:
    """What RemoveRepeatedLines takes out of the cleaned documents (FnApiRunner, in memory)."""
    import apache_beam as beam
    from apache_beam.metrics.metric import MetricsFilter
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from transforms.steps.line_dedupe import RemoveRepeatedLines

    cleaned = [dict(doc, text=clean_text(doc["text"])) for doc in docs]
    pipeline = beam.Pipeline(
        runner=FnApiRunner(), options=PipelineOptions(flags=[], direct_running_mode="in_memory")
    )
    _ = pipeline | beam.Create(cleaned) | RemoveRepeatedLines(min_docs=min_docs)
    start = time.perf_counter()
    result = pipeline.run()
    result.wait_until_finish()
    wall = time.perf_counter() - start
    counters = result.metrics().query(MetricsFilter().with_namespace("kprep"))["counters"]
    print(f"\n## RemoveRepeatedLines(min_docs={min_docs}) on {len(docs):,} cleaned documents\n")
    for counter in sorted(counters, key=lambda c: c.key.metric.name):
        print(f"- {counter.key.metric.name}: {counter.committed:,}")
    print(f"- wall time (FnApiRunner in_memory, one process): {wall:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--synthetic-mb", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--profile-top", type=int, default=15)
    parser.add_argument("--html-parsers", action="store_true", help="compare HTML parsers too")
    parser.add_argument("--word-units", action="store_true", help="eojeol against Kiwi morphemes")
    parser.add_argument("--calibration", action="store_true", help="every filter's measure")
    parser.add_argument(
        "--line-dedupe",
        type=int,
        metavar="MIN_DOCS",
        default=0,
        help="run RemoveRepeatedLines on ko_docs with this min_docs",
    )
    args = parser.parse_args()
    if not (args.corpora / "ko_docs.jsonl.gz").is_file():
        raise SystemExit(f"{args.corpora}/ko_docs.jsonl.gz not found; pass --corpora DIR")

    print(
        f"# bench_cleaning: {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, one process"
    )
    cfg = FilterConfig()
    docs = read_jsonl(args.corpora / "ko_docs.jsonl.gz")
    pages = read_jsonl(args.corpora / "ko_html_pages.jsonl.gz")
    throughput("ko_docs.jsonl.gz (text)", [doc["text"] for doc in docs], cfg, args.repeats)
    throughput("ko_html_pages.jsonl.gz (HTML)", [page["html"] for page in pages], cfg, args.repeats)
    prose = [doc for doc in docs if doc["source"] in PROSE_SOURCES]
    throughput("prose subset of ko_docs", [doc["text"] for doc in prose], cfg, args.repeats)
    if args.synthetic_mb > 0:
        synthetic = synthetic_corpus(docs, pages, args.synthetic_mb, args.seed)
        throughput(f"synthetic, seed {args.seed}", synthetic, cfg, args.repeats)
        profile(synthetic, cfg, args.profile_top)
    else:
        profile([doc["text"] for doc in docs], cfg, args.profile_top)
    drop_table("ko_docs.jsonl.gz", docs, cfg)
    drop_table("prose subset (konlpy + debian-faq-ko)", prose, cfg)
    if args.html_parsers:
        html_parsers(pages, args.repeats)
    if args.calibration:
        calibration(docs)
    if args.word_units:
        word_units(docs)
    if args.line_dedupe:
        line_dedupe_effect(docs, args.line_dedupe)


if __name__ == "__main__":
    main()
