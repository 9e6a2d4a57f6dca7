"""``kprep prepare``: raw files -> clean/ and rejected/ Parquet.

Read -> Normalise -> Remove repeated lines -> Filter -> [Decontaminate] -> Mask PII -> Dedupe
  -> Write; the rejected rows of every stage (PII-scrubbed) -> Write
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections import Counter
from functools import partial
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics.metric import MetricsFilter

from pipeline.config import KprepConfig
from runners.options import describe_runner, graph_only, make_pipeline
from runners.paths import spill_directory
from transforms.clean import clean_text, filter_document, scrub_rejected
from transforms.decontaminate import check_benchmarks, overlap_of
from transforms.files import clear_parquet, count_rows, expand_patterns, read_columns, read_json
from transforms.layout import RunLayout, load_stats, record_stage_stats
from transforms.read import TRUNCATED_FILE, UNREADABLE_FILE
from transforms.records import CLEAN_SCHEMA, REJECTED_SCHEMA
from transforms.steps.decontaminate import Decontaminate
from transforms.steps.dedupe import Deduplicate
from transforms.steps.io import ReadDocuments, WriteSortedParquet, WriteTotals
from transforms.steps.line_dedupe import RemoveRepeatedLines
from transforms.steps.mask_pii import MaskPii
from transforms.steps.spill import Spill
from transforms.steps.stage import METRICS_NAMESPACE, DocStep

log = logging.getLogger("kprep")

# Output Parquet files are sized for ~128 MB of input text each (compressed input ~3x).
BYTES_PER_OUTPUT_SHARD = 128 * 1024 * 1024


RECORDS_READ = "prepare_records_read"  # counted from the data: exact on retries
FILE_LEVEL_REASONS = (UNREADABLE_FILE, TRUNCATED_FILE)


class AccountingError(RuntimeError):
    """Input records that ended in neither clean/ nor rejected/, or in both."""


class NothingKept(RuntimeError):
    """A stage found no clean documents to work on; the message says why and where to look."""


def nothing_kept_message(run_dir: str) -> str:
    """Why RUN/clean holds no documents: prepare never ran, or what it rejected them for."""
    layout = RunLayout(run_dir)
    prepare = load_stats(run_dir)["stages"].get("prepare")
    if not prepare or "records_in" not in prepare:
        return f"no clean documents in {layout.clean}: run `kprep prepare` first"
    reasons = [
        (count, f"{stage}: {reason}")
        for stage, by_reason in prepare["rejected_by_stage"].items()
        for reason, count in by_reason.items()
    ]
    reasons.sort(key=lambda item: (-item[0], item[1]))
    shown = (
        reasons[0][1]
        if len(reasons) == 1
        else ", ".join(f"{name} {count}" for count, name in reasons[:5])
    )
    why = f": {prepare['rejected']} rejected ({shown})" if reasons else ""
    return (
        f"prepare kept 0 of {prepare['records_in']} documents{why}; "
        f"see {layout.rejected}/ or run `kprep report {layout.root}`"
    )


class StrictCheckFailed(RuntimeError):
    """--strict: an input file could not be read to the end, or records shared ids."""


def output_shard_count(config: KprepConfig, input_bytes: int) -> int:
    if config.prepare.output_shards > 0:
        return config.prepare.output_shards
    return max(1, min(10_000, math.ceil(3 * input_bytes / BYTES_PER_OUTPUT_SHARD)))


def build_prepare(
    pipeline: beam.Pipeline,
    config: KprepConfig,
    paths: list[str],
    out_dir: str,
    shards: int,
    spill: Spill | None = None,
) -> None:
    """The prepare graph, one labelled step per stage; text crosses groupings through
    ``spill`` when set (local runners)."""
    layout = RunLayout(out_dir)
    docs, read_rejects = pipeline | "Read" >> ReadDocuments(paths, config.input, spill)
    _ = (docs, read_rejects) | "Count read" >> WriteTotals(layout.marker(RECORDS_READ))
    docs = docs | "Normalise" >> beam.Map(
        partial(clean_text, reduce_repeats=config.prepare.reduce_repeats)
    )
    docs = docs | "Remove repeated lines" >> RemoveRepeatedLines(
        min_docs=config.prepare.repeated_line_min_docs, spill=spill
    )
    filters = config.prepare.filters
    if not config.prepare.language_id:  # the Korean share is CLD2's: no rule without it
        filters = dataclasses.replace(filters, min_korean_share=None)
    docs, filter_rejects = docs | "Filter" >> DocStep(
        "filter", partial(filter_document, config=filters, language_id=config.prepare.language_id)
    )
    stage_rejects = [("read", read_rejects), ("filter", filter_rejects)]
    if config.decontaminate.enabled:
        # After the filters (they are cheaper, and every document they drop is one less to
        # match) and before dedupe, so a contaminated document never becomes the keeper of a
        # duplicate cluster whose clean copies would then be dropped as its duplicates.
        docs, decontaminate_rejects = docs | "Decontaminate" >> Decontaminate(config.decontaminate)
        stage_rejects.append(("decontaminate", decontaminate_rejects))
    docs = docs | "Mask PII" >> MaskPii(config.pii.tokens)
    docs, dedupe_rejects = docs | "Deduplicate" >> Deduplicate(config.dedupe, spill)
    _ = docs | "Write clean" >> WriteSortedParquet(layout.clean, CLEAN_SCHEMA, shards, spill=spill)
    scrub = beam.Map(scrub_rejected, tokens=config.pii.tokens)
    rejected = tuple(
        rows | f"Scrub {stage} rejects" >> scrub
        for stage, rows in (*stage_rejects, ("dedupe", dedupe_rejects))
    )
    _ = rejected | "Write rejected" >> WriteSortedParquet(
        layout.rejected, REJECTED_SCHEMA, max(1, shards // 4), spill=spill
    )


def counters(result: Any) -> dict[str, int]:
    """The kprep counters of a finished pipeline by name, and the maximum of each distribution
    (the local run's ``shuffle.*.largest_group`` and ``shuffle.*.partition``)."""
    query = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
    totals: dict[str, int] = {}
    for counter in query["counters"]:
        name = counter.key.metric.name
        totals[name] = totals.get(name, 0) + int(counter.committed or counter.attempted or 0)
    for distribution in query["distributions"]:
        value = distribution.committed or distribution.attempted
        if value is not None and value.count:
            name = distribution.key.metric.name
            totals[name] = max(totals.get(name, 0), int(value.max))
    return dict(sorted(totals.items()))


def run_prepare(config: KprepConfig, out_dir: str, beam_args: list[str]) -> dict[str, Any]:
    """Run prepare, check that every record is accounted for, record stats; returns them."""
    started = time.monotonic()
    files = expand_patterns(config.input.patterns)
    input_bytes = sum(size for _, size in files)
    shards = output_shard_count(config, input_bytes)
    log.info(
        "prepare: %d input file(s), %.1f MB on %s",
        len(files),
        input_bytes / 1e6,
        describe_runner(beam_args),
    )
    if config.decontaminate.enabled:  # a missing or unreadable file fails here, named
        check_benchmarks(config.decontaminate.paths)
    pipeline = make_pipeline(beam_args, "prepare")
    if graph_only(beam_args):
        build_prepare(pipeline, config, [path for path, _ in files], out_dir, shards)
        pipeline.run()
        log.info("prepare: graph validated (dry run or template); nothing was processed")
        return {"graph_only": True}
    layout = RunLayout(out_dir)
    for directory in (layout.clean, layout.rejected):
        clear_parquet(directory)
    if FileSystems.exists(layout.marker(RECORDS_READ)):
        FileSystems.delete([layout.marker(RECORDS_READ)])
    with spill_directory(beam_args, out_dir, input_bytes) as spill:
        build_prepare(pipeline, config, [path for path, _ in files], out_dir, shards, spill)
        result = pipeline.run()
        result.wait_until_finish()
    for directory in (layout.clean, layout.rejected):  # even when every record went one way
        if not FileSystems.exists(directory):
            FileSystems.mkdirs(directory)
    metrics = counters(result)
    records_in = read_json(layout.marker(RECORDS_READ))["records"]
    clean_rows = count_rows(layout.clean)
    rejected, file_errors = summarise_rejected(layout.rejected)
    rejected_rows = sum(sum(reasons.values()) for reasons in rejected.values())
    stats = {
        "input_files": len(files),
        "input_bytes": input_bytes,
        "records_in": records_in,
        "clean": clean_rows,
        "rejected": rejected_rows,
        "rejected_by_stage": rejected,
        "file_errors": file_errors,
        "id_collisions": {
            "ids": metrics.get("read.ids_shared", 0),
            "records": metrics.get("read.ids_renamed", 0),
        },
        "counters": metrics,
        "wall_s": round(time.monotonic() - started, 2),
    }
    if records_in != clean_rows + rejected_rows:
        # stats.json keeps the counters of the failed run: they show which stage lost records.
        record_stage_stats(out_dir, "prepare", dict(stats, accounting_error=True))
        raise AccountingError(
            f"prepare read {records_in} records but wrote {clean_rows} clean and "
            f"{rejected_rows} rejected rows: {records_in - clean_rows - rejected_rows} "
            f"unaccounted. The per-stage counters are in {layout.stats_file}."
        )
    if config.decontaminate.enabled:
        stats["decontamination"] = contamination_table(metrics, layout.rejected)
    record_stage_stats(out_dir, "prepare", stats)
    if config.prepare.strict and (problems := strict_problems(stats)):
        raise StrictCheckFailed("--strict: " + "\n".join(problems))
    return stats


def contamination_table(metrics: dict[str, int], rejected_dir: str) -> dict[str, dict[str, int]]:
    """Per benchmark: items, items indexed (counted when the index was built), items matched and
    training documents removed (from the rejected rows)."""
    totals: dict[str, dict[str, int]] = {}
    for what in ("items", "items_indexed"):
        prefix = f"decontaminate.{what}."
        for name, value in metrics.items():
            if name.startswith(prefix):
                totals.setdefault(name[len(prefix) :], {})[what] = value
    cols = read_columns(rejected_dir, ["stage", "detail"])
    documents: Counter = Counter()
    matched: dict[str, set[str]] = {name: set() for name in totals}
    for stage, detail in zip(cols["stage"], cols["detail"], strict=True):
        if stage == "decontaminate":
            benchmark, item = overlap_of(detail)
            documents[benchmark] += 1
            matched.setdefault(benchmark, set()).add(item)
    return {
        name: {
            **totals.get(name, {}),
            "items_matched": len(matched[name]),
            "documents_removed": documents[name],
        }
        for name in sorted(matched)
    }


def strict_problems(stats: dict[str, Any]) -> list[str]:
    """What ``--strict`` fails a finished prepare for: unreadable files, shared ids."""
    problems = []
    if stats["file_errors"]:
        problems.append(f"{len(stats['file_errors'])} input file(s) could not be read to the end:")
        problems.extend(f"  {detail}" for detail in stats["file_errors"])
    shared = stats["id_collisions"]
    if shared["records"]:
        problems.append(
            f"{shared['records']} records share {shared['ids']} ids: they were given their "
            "positions as ids (metadata.original_id keeps theirs)"
        )
    return problems


def summarise_rejected(directory: str) -> tuple[dict[str, dict[str, int]], list[str]]:
    """({stage: {reason: rows}}, the details of files that could not be read to the end)."""
    cols = read_columns(directory, ["stage", "reason", "detail"])
    counts: dict[str, Counter] = {}
    file_errors = []
    for stage, reason, detail in zip(cols["stage"], cols["reason"], cols["detail"], strict=True):
        counts.setdefault(stage, Counter())[reason] += 1
        if reason in FILE_LEVEL_REASONS:
            file_errors.append(detail)
    by_stage = {stage: dict(sorted(c.items())) for stage, c in sorted(counts.items())}
    return by_stage, sorted(file_errors)
