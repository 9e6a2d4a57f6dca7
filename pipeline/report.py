"""``kprep report DIR``: a run as one self-contained HTML page and a markdown summary.

Everything is read back from the run's files (stats.json, clean/, rejected/, shards/,
tokenizer/, model/train_log.jsonl); a stage that did not run is simply left out. Plots are
matplotlib PNGs (Agg backend) embedded as base64 ``<img>``, so ``report.html`` is one file that
opens anywhere, offline. Parquet is read one row group at a time and only the columns needed, so
a report of a large run needs little memory.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from transforms.files import join, list_parquet, read_json, write_text
from transforms.filters.signals import OTHER_FIELDS, SIGNAL_COLUMNS, SIGNALS
from transforms.layout import MANIFEST, RunLayout, load_stats, tokenizer_json
from transforms.pii import DEFAULT_PII_TOKENS, PII_KINDS, PII_REGISTRY

REPORT_HTML = "report.html"
REPORT_MD = "report.md"
# the stages that reject before clean/, in order (select: a run made by `kprep select`)
PRE_CLEAN_STAGES = ("read", "filter", "decontaminate", "dedupe", "select")
TIMED_STAGES = ("prepare", "train_tokenizer", "tokenize", "train")
EXAMPLES_PER_KIND = 3
EXAMPLE_CONTEXT = 40  # characters shown each side of a masked number
TOP_REASONS = 15
# The quality signals shown (transforms/filters/signals.py), with the Korean share they rule on
SHOWN_SIGNALS = (*SIGNAL_COLUMNS, "korean_share")
SIGNAL_SAMPLE = 200_000  # values kept per signal and outcome: an even sample of larger runs
SIGNAL_OUTCOMES = ("clean", "filter-rejected")


@dataclass
class RunFacts:
    """What the report shows, gathered from the run directory."""

    run_dir: str
    stats: dict[str, Any]
    config: dict[str, Any] | None
    clean_docs: int = 0
    clean_bytes: int = 0
    doc_chars: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cluster_sizes: Counter = field(default_factory=Counter)
    pii_docs: Counter = field(default_factory=Counter)
    pii_examples: dict[str, list[str]] = field(default_factory=dict)
    rejected: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # [rows, bytes]
    # CLD2's top language and Korean share, per outcome ("clean", "rejected")
    languages: dict[str, Counter] = field(default_factory=dict)
    korean_shares: dict[str, list[float]] = field(default_factory=dict)
    # the filters' measures of clean and filter-rejected documents: {outcome: {column: values}}
    signals: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    manifest: dict[str, Any] | None = None
    doc_tokens: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    tokenizer: dict[str, Any] = field(default_factory=dict)
    train_log: list[dict[str, Any]] = field(default_factory=list)
    evaluation: dict[str, Any] = field(default_factory=dict)  # eval.json (kprep eval)


def write_report(run_dir: str) -> tuple[str, str]:
    """Write ``run_dir/report.html`` and ``run_dir/report.md``; returns their paths."""
    facts = collect(run_dir)
    html_path, md_path = join(run_dir, REPORT_HTML), join(run_dir, REPORT_MD)
    write_text(html_path, render_html(facts))
    write_text(md_path, render_markdown(facts))
    return html_path, md_path


# ---------------------------------------------------------------------------------------------
# Reading the run


def collect(run_dir: str) -> RunFacts:
    layout = RunLayout(run_dir)
    config = read_json(layout.config_file) if FileSystems.exists(layout.config_file) else None
    facts = RunFacts(run_dir, load_stats(run_dir)["stages"], config)
    tokens = (config or {}).get("pii", {}).get("tokens") or DEFAULT_PII_TOKENS
    _read_clean(facts, layout.clean, tokens)
    _read_rejected(facts, layout.rejected)
    for outcome, directory in (("clean", layout.clean), ("rejected", layout.rejected)):
        _read_languages(facts, outcome, directory)
    _read_signals(facts, "clean", layout.clean)
    _read_signals(facts, "filter-rejected", layout.rejected, stage="filter")
    _read_shards(facts, layout.shards)
    _read_tokenizer(facts)
    log_path = Path(layout.model, "train_log.jsonl")
    if log_path.is_file():
        lines = log_path.read_text(encoding="utf-8").splitlines()
        facts.train_log = [json.loads(line) for line in lines if line.strip()]
    if FileSystems.exists(layout.eval_file):
        facts.evaluation = read_json(layout.eval_file)
    return facts


def _row_groups(directory: str, columns: list[str]):
    """Each row group of each Parquet file of ``directory``, as a pyarrow table of ``columns``."""
    for path in list_parquet(directory):
        with FileSystems.open(path) as handle:
            parquet = pq.ParquetFile(handle)
            for group in range(parquet.num_row_groups):
                yield parquet.read_row_group(group, columns=columns)


def _read_clean(facts: RunFacts, directory: str, tokens: dict[str, str]) -> None:
    lengths = []
    masks = {kind: re.compile(re.escape(token)) for kind, token in tokens.items()}
    for table in _row_groups(directory, ["text", "pii_counts", "cluster_size"]):
        text = table.column("text")
        lengths.append(pc.utf8_length(text).to_numpy(zero_copy_only=False))
        facts.clean_bytes += int(pc.sum(pc.binary_length(text)).as_py() or 0)
        facts.cluster_sizes.update(table.column("cluster_size").to_pylist())
        counts = table.column("pii_counts").to_pylist()
        for row, found in enumerate(counts):
            for kind in PII_KINDS:
                if not found or not found.get(kind):
                    continue
                facts.pii_docs[kind] += 1
                examples = facts.pii_examples.setdefault(kind, [])
                if len(examples) < EXAMPLES_PER_KIND and kind in masks:
                    example = _snippet(text[row].as_py(), masks[kind])
                    examples.extend([example] if example else [])
    facts.doc_chars = np.concatenate(lengths) if lengths else facts.doc_chars
    facts.clean_docs = len(facts.doc_chars)


def _read_languages(facts: RunFacts, outcome: str, directory: str) -> None:
    """Languages and Korean shares of the rows that have them (runs before language ID have
    no such columns; read rejections have nulls)."""
    for path in list_parquet(directory):
        with FileSystems.open(path) as handle:
            parquet = pq.ParquetFile(handle)
            if "lang" not in parquet.schema_arrow.names:
                continue
            table = parquet.read(columns=["lang", "korean_share"])
        langs = [lang for lang in table.column("lang").to_pylist() if lang is not None]
        facts.languages.setdefault(outcome, Counter()).update(langs)
        shares = table.column("korean_share").drop_null().to_pylist()
        facts.korean_shares.setdefault(outcome, []).extend(shares)


def _read_signals(facts: RunFacts, outcome: str, directory: str, stage: str | None = None) -> None:
    """The quality signals of ``directory``'s rows (of ``stage`` only, when given); files from
    before the signal columns are passed over. At most SIGNAL_SAMPLE values per signal are
    kept: past that, every other value of what is kept, and of what comes, is dropped."""
    parts: dict[str, list[np.ndarray]] = {}
    kept, stride = 0, 1
    for path in list_parquet(directory):
        with FileSystems.open(path) as handle:
            parquet = pq.ParquetFile(handle)
            if not set(SHOWN_SIGNALS) <= set(parquet.schema_arrow.names):
                continue
            columns = [*SHOWN_SIGNALS, *(["stage"] if stage else [])]
            for group in range(parquet.num_row_groups):
                table = parquet.read_row_group(group, columns=columns)
                if stage:
                    table = table.filter(pc.equal(table.column("stage"), stage))
                for column in SHOWN_SIGNALS:
                    values = table.column(column).to_numpy(zero_copy_only=False)[::stride]
                    parts.setdefault(column, []).append(values.astype(np.float64))
                kept += (table.num_rows + stride - 1) // stride
                if kept > 2 * SIGNAL_SAMPLE:
                    for column, arrays in parts.items():
                        parts[column] = [np.concatenate(arrays)[::2]]
                    kept, stride = len(parts[SHOWN_SIGNALS[0]][0]), stride * 2
    if parts and kept:
        found = {column: np.concatenate(arrays) for column, arrays in parts.items()}
        facts.signals[outcome] = {c: v[~np.isnan(v)] for c, v in found.items()}


def _snippet(text: str, mask: re.Pattern[str]) -> str | None:
    """A one-line excerpt of ``text`` around its first masked number."""
    found = mask.search(text)
    if not found:
        return None
    start, end = max(0, found.start() - EXAMPLE_CONTEXT), found.end() + EXAMPLE_CONTEXT
    excerpt = " ".join(text[start:end].split())
    return ("…" if start else "") + excerpt + ("…" if end < len(text) else "")


def _read_rejected(facts: RunFacts, directory: str) -> None:
    # rejected/ holds prepare's part-* files and tokenize's tokenize-* files
    for table in _row_groups(directory, ["stage", "reason", "text"]):
        nbytes = pc.binary_length(table.column("text")).to_numpy(zero_copy_only=False)
        stages, reasons = table.column("stage").to_pylist(), table.column("reason").to_pylist()
        for stage, reason, size in zip(stages, reasons, nbytes, strict=True):
            entry = facts.rejected.setdefault((stage, reason), [0, 0])
            entry[0] += 1
            entry[1] += 0 if np.isnan(size) else int(size)


def _read_shards(facts: RunFacts, directory: str) -> None:
    from transforms.megatron import IndexedDataset

    manifest_path = join(directory, MANIFEST)
    if not FileSystems.exists(manifest_path):
        return
    facts.manifest = read_json(manifest_path)
    sizes = [IndexedDataset(Path(directory, s["name"])).sizes for s in facts.manifest["shards"]]
    if sizes:
        facts.doc_tokens = np.concatenate(sizes).astype(np.int64)


def _read_tokenizer(facts: RunFacts) -> None:
    """Vocabulary facts of the tokenizer the shards were made with (or the run's own)."""
    given = facts.manifest["tokenizer"]["path"] if facts.manifest else None
    path = Path(tokenizer_json(given or RunLayout(facts.run_dir).tokenizer))
    if not path.is_file():
        return
    spec = json.loads(path.read_text(encoding="utf-8"))
    added = [t["content"] for t in spec.get("added_tokens", [])]
    model = spec.get("model", {})
    facts.tokenizer = {
        "file": str(path),
        "type": model.get("type", "?"),
        "vocabulary": len(set(model.get("vocab", {})) | set(added)),
        "merges": len(model.get("merges", [])),
        "special tokens": ", ".join(added),
    }


# ---------------------------------------------------------------------------------------------
# Figures derived from the facts


def funnel(facts: RunFacts) -> list[tuple[str, int | None, int | None, str]]:
    """(step, documents left, text bytes, what the bytes are) from input to shards."""
    prepare = facts.stats.get("prepare")
    rejected_docs = Counter()
    rejected_bytes = Counter()
    for (stage, _), (rows, nbytes) in facts.rejected.items():
        rejected_docs[stage] += rows
        rejected_bytes[stage] += nbytes
    rows: list[tuple[str, int | None, int | None, str]] = []
    if prepare:
        counters = prepare.get("counters", {})
        read_bytes = counters.get("read.bytes", prepare.get("input_bytes"))
        left = prepare["records_in"]
        rows.append(("input records", left, read_bytes, "bytes read (decompressed)"))
        for stage in PRE_CLEAN_STAGES:
            if rejected_docs[stage]:
                left -= rejected_docs[stage]
                rows.append((f"after {stage}", left, -rejected_bytes[stage], "text bytes rejected"))
    if facts.clean_docs or prepare:
        rows.append(("clean/", facts.clean_docs, facts.clean_bytes, "clean text bytes"))
    if facts.manifest:
        splits = facts.manifest["splits"].values()
        itemsize = np.dtype(facts.manifest["dtype"]).itemsize
        tokens = sum(s["tokens"] for s in splits)
        docs = sum(s["documents"] for s in splits)
        rows.append(("shards", docs, tokens * itemsize, f"{tokens:,} tokens"))
    return rows


def top_reasons(facts: RunFacts) -> list[tuple[str, str, int, int]]:
    """(stage, reason, rows, text bytes), most rows first."""
    items = [(stage, reason, n, b) for (stage, reason), (n, b) in facts.rejected.items()]
    return sorted(items, key=lambda item: (-item[2], item[0], item[1]))


def pii_totals(facts: RunFacts) -> dict[str, int]:
    """Numbers masked per kind, from prepare's counters: every masked number, also those in
    documents that dedupe dropped later."""
    counters = facts.stats.get("prepare", {}).get("counters", {})
    return {kind.name: counters.get(kind.counter, 0) for kind in PII_REGISTRY}


def stage_times(facts: RunFacts) -> list[tuple[str, float]]:
    return [
        (stage, float(facts.stats[stage]["wall_s"]))
        for stage in TIMED_STAGES
        if "wall_s" in facts.stats.get(stage, {})
    ]


def tokenizer_table(facts: RunFacts) -> list[tuple[str, str]]:
    rows = [(key, _fmt(value)) for key, value in facts.tokenizer.items()]
    trained = facts.stats.get("train_tokenizer")
    if trained:
        rows.append(
            (
                "trained on",
                f"{trained['sample_documents']:,} documents, "
                f"{trained['sample_bytes'] / 1e6:.1f} MB",
            )
        )
    if facts.manifest and facts.doc_tokens.size:
        # every document ends in one end-of-document token, which has no text
        text_tokens = int(facts.doc_tokens.sum()) - facts.doc_tokens.size
        if text_tokens > 0 and facts.clean_bytes:
            rows.append(("UTF-8 bytes per token", f"{facts.clean_bytes / text_tokens:.2f}"))
            chars = int(facts.doc_chars.sum())
            rows.append(("characters per token", f"{chars / text_tokens:.2f}"))
        rows.append(("tokens per document (median)", f"{np.median(facts.doc_tokens):,.0f}"))
    return rows


def tokens_per_source(facts: RunFacts) -> tuple[list[str], list[tuple], str]:
    """(header, rows, note) of the tokens per source (or ``--mix-by`` group): train tokens
    before and after upsampling and weighting, its share of train, and held-out tokens."""
    sources = (facts.manifest or {}).get("sources")
    if not sources:
        return [], [], ""
    header = ["group", "weight", "documents", "train tokens", "written", "weighted", "share",
              "valid + test tokens"]  # fmt: skip
    rows = []
    for name, group in sources["groups"].items():
        train = group["train"]
        documents = sum(group[split]["documents"] for split in ("train", "valid", "test"))
        held_out = group["valid"]["tokens"] + group["test"]["tokens"]
        rows.append(
            (
                name,
                f"{group['weight']:g}",
                _fmt(documents),
                _fmt(train["tokens"]),
                _fmt(train["tokens_written"]),
                f"{train['effective_tokens']:,.0f}",
                f"{100 * train['share']:.1f}%",
                _fmt(held_out),
            )
        )
    by = "the source column" if sources["by"] == "source" else f"metadata field {sources['by']!r}"
    note = f"Grouped by {by}"
    if sources.get("missing"):
        note += f"; {sources['missing']:,} documents lack it ({sources['default_group']!r})"
    note += (
        ". Train shards per group, blended by weight x tokens written"
        if sources["mixed"]
        else ". One train stream (no --mix-by): every weight is 1"
    )
    if sources.get("upsample_by_cluster"):
        note += f"; train documents written by cluster size {sources['upsample_by_cluster']}"
    note += ". Valid and test are never upsampled or weighted."
    return header, rows, note


def _fmt(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _bytes(n: int | None) -> str:
    if n is None:
        return "–"
    sign, n = ("−" if n < 0 else ""), abs(n)
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{sign}{n / scale:,.1f} {unit}"
    return f"{sign}{n:,} B"


# ---------------------------------------------------------------------------------------------
# Plots


def _png(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float = 7.0, height: float = 3.2):
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory only
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def plots(facts: RunFacts) -> dict[str, str]:
    """Section name -> base64 PNG, for the sections that have data."""
    out = {}
    steps = [(name, docs) for name, docs, _, _ in funnel(facts) if docs is not None]
    if steps:
        fig, ax = _figure()
        ax.barh([name for name, _ in steps][::-1], [docs for _, docs in steps][::-1])
        ax.set_xlabel("documents")
        out["funnel"] = _png(fig)
    reasons = top_reasons(facts)[:TOP_REASONS]
    if reasons:
        fig, ax = _figure(height=0.3 * len(reasons) + 1.2)
        ax.barh([f"{s}: {r}" for s, r, _, _ in reasons][::-1], [n for _, _, n, _ in reasons][::-1])
        ax.set_xlabel("rejected documents")
        out["reasons"] = _png(fig)
    if facts.cluster_sizes:
        bins = cluster_bins(facts.cluster_sizes)
        fig, ax = _figure()
        # Positions with text labels: bin names like "2" would otherwise read as numbers.
        ax.bar(range(len(bins)), list(bins.values()), tick_label=list(bins))
        ax.set_yscale("log")
        ax.set_xlabel("documents in the duplicate cluster (1 = unique)")
        ax.set_ylabel("kept documents")
        out["clusters"] = _png(fig)
    if any(facts.korean_shares.values()):
        fig, ax = _figure()
        bins = np.linspace(0, 1, 21)
        for outcome, shares in sorted(facts.korean_shares.items()):
            ax.hist(shares, bins=bins, alpha=0.6, label=f"{outcome} ({len(shares):,})")
        threshold = _korean_share_threshold(facts)
        if threshold is not None:
            ax.axvline(threshold, color="black", linestyle="--", linewidth=1, label="threshold")
        ax.set_xlabel("share of the text CLD2 reads as Korean")
        ax.set_ylabel("documents")
        ax.legend()
        out["language"] = _png(fig)
    if facts.signals:
        out["signals"] = _signal_histograms(facts)
    if facts.doc_chars.size:
        out["lengths"] = _histogram(facts.doc_chars, "characters per clean document")
    if facts.doc_tokens.size:
        out["tokens"] = _histogram(facts.doc_tokens, "tokens per document in the shards")
    times = stage_times(facts)
    if times:
        fig, ax = _figure(height=0.35 * len(times) + 1.2)
        ax.barh([s for s, _ in times][::-1], [t for _, t in times][::-1])
        ax.set_xlabel("wall seconds")
        out["times"] = _png(fig)
    losses = [(e["step"], e["loss"]) for e in facts.train_log if "loss" in e]
    if losses:
        fig, ax = _figure()
        ax.plot(*zip(*losses, strict=True), marker=".")
        ax.set_xlabel("step")
        ax.set_ylabel("training loss")
        out["loss"] = _png(fig)
    return out


def signal_thresholds(facts: RunFacts, column: str) -> list[tuple[str, float]]:
    """(">=" or "<=", threshold) that clean documents meet for ``column``, from the run's
    config: a min_ field keeps values at or above it, a max_ field at or below."""
    filters = (facts.config or {}).get("prepare", {}).get("filters", {})
    signal = next((s for s in SIGNALS if s.column == column), None)
    fields = [signal.field] if signal else []
    fields += [name for name, other in OTHER_FIELDS.items() if other == column]
    out = []
    for name in fields:
        value = filters.get(name)
        if value is not None and signal is not None and signal.n is not None:
            value = next((limit for n, limit in value if int(n) == signal.n), None)
        if value is not None:
            out.append((">=" if name.startswith("min_") else "<=", float(value)))
    return out


def signal_rows(facts: RunFacts) -> list[tuple[str, ...]]:
    """(signal, kept where, clean p5 / median / p95, filter-rejected p5 / median / p95)."""
    rows = []
    for column in SHOWN_SIGNALS:
        cells = [column, ", ".join(f"{op} {_num(v)}" for op, v in signal_thresholds(facts, column))]
        for outcome in SIGNAL_OUTCOMES:
            values = facts.signals.get(outcome, {}).get(column)
            if values is None or not values.size:
                cells.append("–")
            else:
                cells.append(" / ".join(_num(np.percentile(values, q)) for q in (5, 50, 95)))
        rows.append(tuple(cells))
    return rows


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _signal_histograms(facts: RunFacts) -> str:
    """One small histogram per signal, clean and filter-rejected documents as shares of each
    outcome (their counts differ by orders of magnitude), with the thresholds."""
    import matplotlib.pyplot as plt

    columns = 4
    rows = -(-len(SHOWN_SIGNALS) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(10, 1.9 * rows))
    for ax, column in zip(axes.flat, SHOWN_SIGNALS, strict=False):
        series = [
            (outcome, facts.signals[outcome][column])
            for outcome in SIGNAL_OUTCOMES
            if outcome in facts.signals and facts.signals[outcome][column].size
        ]
        both = np.concatenate([values for _, values in series])
        thresholds = [t for _, t in signal_thresholds(facts, column) if t <= both.max()]
        low, high = float(both.min()), max([float(np.percentile(both, 99)), *thresholds])
        high = high if high > low else low + 1
        log = column == "chars" and low >= 1 and high > 20 * low
        bins = np.geomspace(low, high, 31) if log else np.linspace(low, high, 31)
        for outcome, values in series:
            weights = np.full(values.size, 1 / values.size)
            clipped = np.clip(values, low, high)
            ax.hist(clipped, bins=bins, weights=weights, histtype="step", label=outcome)
        for threshold in thresholds:
            if low <= threshold:
                ax.axvline(threshold, color="black", linestyle="--", linewidth=0.8)
        if log:
            ax.set_xscale("log")
        ax.set_title(column, fontsize=8)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(SHOWN_SIGNALS) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=6)
    fig.tight_layout()
    return _png(fig)


def _korean_share_threshold(facts: RunFacts) -> float | None:
    filters = (facts.config or {}).get("prepare", {}).get("filters", {})
    return filters.get("min_korean_share")


def language_rows(facts: RunFacts, most: int = 8) -> list[tuple[str, str, str]]:
    """(language, clean documents, rejected documents), the most common first."""
    clean = facts.languages.get("clean", Counter())
    rejected = facts.languages.get("rejected", Counter())
    ranked = (clean + rejected).most_common()
    rows = [(lang, _fmt(clean[lang]), _fmt(rejected[lang])) for lang, _ in ranked[:most]]
    if len(ranked) > most:
        rest = [lang for lang, _ in ranked[most:]]
        rows.append(
            (
                f"{len(rest)} others",
                _fmt(sum(clean[lang] for lang in rest)),
                _fmt(sum(rejected[lang] for lang in rest)),
            )
        )
    return rows


def cluster_bins(cluster_sizes: Counter) -> dict[str, int]:
    """Kept documents by cluster size, in bins that stay readable for any largest cluster."""
    edges = [1, 2, 3, 4, 5, 10, 100, 1000, 10_000]
    largest = max(cluster_sizes)
    bins: dict[str, int] = {}
    for low, high in zip(edges, [*edges[1:], None], strict=True):
        if low > largest:
            break
        label = str(low) if high == low + 1 else f"{low}+" if high is None else f"{low}-{high - 1}"
        bins[label] = sum(
            n for size, n in cluster_sizes.items() if low <= size < (high or size + 1)
        )
    return bins


def _histogram(values: np.ndarray, label: str) -> str:
    fig, ax = _figure()
    low, high = max(1, int(values.min())), max(2, int(values.max()))
    # lengths span orders of magnitude: log-spaced bins show the body and the tail
    bins = np.unique(np.geomspace(low, high + 1, num=40).astype(int)) if high > low else 10
    ax.hist(values, bins=bins)
    if high > 10 * low:
        ax.set_xscale("log")
    ax.set_xlabel(label)
    ax.set_ylabel("documents")
    median = float(np.median(values))
    ax.axvline(median, color="black", linestyle="--", linewidth=1, label=f"median {median:,.0f}")
    ax.legend()
    return _png(fig)


# ---------------------------------------------------------------------------------------------
# Rendering


def sections(facts: RunFacts) -> list[tuple[str, str, list[str], list[tuple], str]]:
    """(key, title, table header, table rows, note) of every section that has data."""
    out = []
    flow = funnel(facts)
    if flow:
        rows = [(name, _fmt(docs), _bytes(nbytes), what) for name, docs, nbytes, what in flow]
        note = (
            "Bytes rejected are the text of the rejected rows; the rest of the difference between "
            "bytes read and clean bytes is JSON framing, markup, boilerplate and repeated lines "
            "removed by Normalise and Remove repeated lines."
        )
        shared = facts.stats.get("prepare", {}).get("id_collisions", {})
        if shared.get("records"):
            note += (
                f" {shared['records']:,} input records shared {shared['ids']:,} ids; each got its "
                "position (path:line) as id and keeps its own as metadata.original_id."
            )
        out.append(("funnel", "Funnel", ["step", "documents", "bytes", ""], rows, note))
    reasons = top_reasons(facts)
    if reasons:
        total = facts.stats.get("prepare", {}).get("records_in") or 0
        rows = [
            (stage, reason, _fmt(n), f"{100 * n / total:.1f}%" if total else "–", _bytes(b))
            for stage, reason, n, b in reasons
        ]
        header = ["stage", "reason", "documents", "of input", "text bytes"]
        out.append(("reasons", "Rejections by stage and reason", header, rows, ""))
    totals = pii_totals(facts)
    if facts.stats.get("prepare") or facts.pii_docs:
        tokens = (facts.config or {}).get("pii", {}).get("tokens") or DEFAULT_PII_TOKENS
        rows = [
            (kind, tokens.get(kind, ""), _fmt(totals[kind]), _fmt(facts.pii_docs[kind]))
            for kind in PII_KINDS
        ]
        header = ["kind", "token", "numbers masked", "clean documents with one"]
        out.append(("pii", "PII masked", header, rows, ""))
    if facts.languages:
        threshold = _korean_share_threshold(facts)
        note = "CLD2's top language of each document that reached the filters" + (
            f"; documents with a Korean share under {threshold} are rejected (korean_share)"
            if threshold is not None
            else ""
        )
        header = ["language", "clean documents", "rejected documents"]
        out.append(("language", "Language", header, language_rows(facts), note))
    contamination = contamination_section(facts)
    if contamination:
        out.append(contamination)
    if facts.signals:
        counts = {o: len(next(iter(v.values()), [])) for o, v in facts.signals.items()}
        note = (
            "What the filters measured (docs/cleaning.md, the clean/ columns): p5 / median / p95 "
            "of clean documents and of those the filters rejected "
            f"({', '.join(f'{o}: {n:,}' for o, n in counts.items())}"
            f"{'; an even sample' if max(counts.values()) >= SIGNAL_SAMPLE else ''}). A "
            "rejected document failed one rule, the first it met, but all its signals are shown; "
            "`kprep select` re-selects clean/ by any of them."
        )
        header = ["signal", "clean documents keep", "clean", "filter-rejected"]
        out.append(("signals", "Quality signals", header, signal_rows(facts), note))
    if facts.cluster_sizes:
        dedupe = {r: n for (s, r), (n, _) in facts.rejected.items() if s == "dedupe"}
        rows = [("removed as " + r, _fmt(n)) for r, n in sorted(dedupe.items())]
        rows.append(("clean documents with copies", _fmt(_with_copies(facts.cluster_sizes))))
        rows.append(("largest cluster", _fmt(max(facts.cluster_sizes))))
        out.append(("clusters", "Deduplication", ["", "documents"], rows, ""))
    if facts.doc_chars.size:
        rows = [
            (
                name,
                _fmt(int(values.size)),
                *(f"{np.percentile(values, q):,.0f}" for q in (5, 50, 95)),
                f"{values.max():,}",
            )
            for name, values in (("characters", facts.doc_chars), ("tokens", facts.doc_tokens))
            if values.size
        ]
        header = ["per document", "documents", "p5", "median", "p95", "max"]
        out.append(("lengths", "Document lengths", header, rows, ""))
    if facts.tokenizer or facts.manifest:
        out.append(("tokenizer", "Tokenizer", ["", ""], tokenizer_table(facts), ""))
    if facts.manifest:
        rows = [
            (s["name"], s["split"], _fmt(s["documents"]), _fmt(s["tokens"]), _bytes(s["bin_bytes"]))
            for s in facts.manifest["shards"]
        ]
        header = ["shard", "split", "documents", "tokens", ".bin size"]
        note = f"dtype {facts.manifest['dtype']}, shuffle seed {facts.manifest['seed']}"
        out.append(("shards", "Shards", header, rows, note))
    header, rows, note = tokens_per_source(facts)
    if rows:
        out.append(("sources", "Tokens per source", header, rows, note))
    times = stage_times(facts)
    if times:
        rows = [(stage, f"{seconds:,.1f}") for stage, seconds in times]
        train = facts.stats.get("train")
        note = "train: not timed in stats.json" if train and "wall_s" not in train else ""
        out.append(("times", "Time per stage", ["stage", "wall seconds"], rows, note))
    losses = [e for e in facts.train_log if "loss" in e]
    if losses:
        last = losses[-1]
        rows = [("steps", _fmt(last["step"])), ("last loss", f"{last['loss']:.4f}")]
        summary = facts.stats.get("train", {})
        if summary.get("tokens_per_s"):
            rows.append(("tokens per second", f"{summary['tokens_per_s']:,.0f}"))
        out.append(("loss", "Training", ["", ""], rows, ""))
    out.extend(evaluation_sections(facts.evaluation))
    return out


def evaluation_sections(evaluation: dict[str, Any]) -> list[tuple[str, str, list[str], list, str]]:
    """kprep eval's perplexity and benchmark tables, the benchmarks beside Polyglot-Ko 1.3B's
    published F1 where its model card has the same task and shot count."""
    out = []
    if ppl := evaluation.get("perplexity"):
        rows = [
            (
                split,
                _fmt(r["predicted_tokens"]),
                _fmt(r["seq_len"]),
                f"{r['loss']:.4f}",
                f"{r['perplexity']:,.2f}",
            )
            for split, r in ppl["splits"].items()
        ]
        header = ["split", "tokens scored", "window", "loss", "perplexity"]
        note = f"on {ppl['data']} (tokenizer sha256 {str(ppl['tokenizer_sha256'])[:12]}…)"
        out.append(("perplexity", "Held-out perplexity", header, rows, note))
    if bench := evaluation.get("benchmarks"):
        from trainer.benchmarks import reference_scores

        reference = reference_scores()
        rows = []
        for task, by_shots in bench["tasks"].items():
            for shots, scores in by_shots.items():
                published = reference["scores"].get(task, {}).get(shots)
                rows.append(
                    (
                        task,
                        shots,
                        *(f"{scores[m]:.4f}" if m in scores else "–" for m in ("acc", "f1")),
                        f"{published:.4f}" if published is not None else "–",
                    )
                )
        header = ["task", "shots", "acc", "macro F1", f"{reference['model']} F1 (published)"]
        limit = f"; first {bench['limit']} items per task" if bench.get("limit") else ""
        note = (
            f"lm-evaluation-harness {bench.get('lm_eval_version')}{limit}. Published figures: "
            f"{reference['source']}; a dash where the card has no such shot count."
        )
        out.append(("benchmarks", "Benchmarks", header, rows, note))
    return out


def contamination_section(facts: RunFacts) -> tuple[str, str, list[str], list[tuple], str] | None:
    """The per-benchmark contamination table of a run with --decontaminate, else None."""
    prepare = facts.stats.get("prepare", {})
    table = prepare.get("decontamination")
    if table is None:
        return None
    rows = [
        (
            name,
            _fmt(t.get("items")),
            _fmt(t.get("items_indexed")),
            _fmt(t["items_matched"]),
            _fmt(t["documents_removed"]),
        )
        for name, t in table.items()
    ]
    header = ["benchmark", "items", "items indexed", "items matched", "documents removed"]
    settings = (facts.config or {}).get("decontaminate", {})
    note = (
        "Training documents sharing "
        + " or ".join(
            text
            for text in (
                settings.get("char_ngram") and f"{settings['char_ngram']} letters/digits in a row",
                settings.get("eojeol_ngram") and f"{settings['eojeol_ngram']} words in a row",
            )
            if text
        )
        + " with a benchmark item (spacing and punctuation ignored) were removed"
        + (
            f", and those containing the whole of a shorter item of at least {short} letters; "
            "items shorter still are not indexed."
            if (short := settings.get("min_item_chars")) and short < settings.get("char_ngram", 0)
            else "; items shorter than that are not indexed."
        )
        + " rejected/ rows of stage decontaminate name the item and span."
    )
    return ("contamination", "Benchmark contamination", header, rows, note)


def _with_copies(cluster_sizes: Counter) -> int:
    return sum(n for size, n in cluster_sizes.items() if size > 1)


STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .6rem 0; }
td, th { padding: .2rem .7rem; border-bottom: 1px solid #eee; text-align: left; }
td:not(:first-child) { font-variant-numeric: tabular-nums; }
img { max-width: 100%; display: block; margin: .6rem 0; }
.note { color: #666; font-size: .9rem; } code { background: #f4f4f4; padding: 0 .2rem; }
"""


def render_html(facts: RunFacts) -> str:
    images = plots(facts)
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>kprep run report: {esc(facts.run_dir)}</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>kprep run report</h1>",
        f"<p><code>{esc(facts.run_dir)}</code></p>",
    ]
    found = sections(facts)
    if not found:
        parts.append("<p>No stage of this run has written its outputs yet.</p>")
    for key, title, header, rows, note in found:
        parts.append(f'<section id="{key}"><h2>{esc(title)}</h2>')
        if key in images:
            parts.append(f'<img alt="{esc(title)}" src="data:image/png;base64,{images[key]}">')
        parts.append("<table>")
        if any(header):
            parts.append("<tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>")
        parts.append("</table>")
        if note:
            parts.append(f'<p class="note">{esc(note)}</p>')
        if key == "pii":
            parts.extend(_pii_examples_html(facts))
        parts.append("</section>")
    if facts.config:
        config = esc(json.dumps(facts.config, indent=2, ensure_ascii=False))
        parts.append(f"<h2>Config</h2><details><summary>config.json</summary><pre>{config}</pre>")
        parts.append("</details>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _pii_examples_html(facts: RunFacts) -> list[str]:
    if not facts.pii_examples:
        return []
    out = ["<p>Masked examples from clean/:</p><ul>"]
    for kind, examples in sorted(facts.pii_examples.items()):
        out.extend(f"<li>{html.escape(kind)}: {html.escape(e)}</li>" for e in examples)
    out.append("</ul>")
    return out


def render_markdown(facts: RunFacts) -> str:
    lines = [f"# kprep run report: `{facts.run_dir}`", ""]
    found = sections(facts)
    if not found:
        lines.append("No stage of this run has written its outputs yet.")
    for key, title, header, rows, note in found:
        lines += [f"## {title}", ""]
        width = len(rows[0]) if rows else len(header)
        lines.append("| " + " | ".join(h or " " for h in header[:width]) + " |")
        lines.append("|" + "---|" * width)
        lines += ["| " + " | ".join(_md_cell(str(c)) for c in row) + " |" for row in rows]
        if note:
            lines += ["", note]
        if key == "pii" and facts.pii_examples:
            lines += ["", "Masked examples from clean/:", ""]
            for kind, examples in sorted(facts.pii_examples.items()):
                lines += [f"- {kind}: `{e.replace('`', '')}`" for e in examples]
        lines.append("")
    lines.append("Plots: report.html.")
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
