"""``kprep select RUN --where EXPR --output NEW``: re-select a finished run's clean/ by its columns.

NEW/clean/ holds the clean rows of RUN for which EXPR holds, in RUN's order and files (one output
file per input file, same name); NEW/rejected/ holds RUN's rejected rows of prepare's stages and
the clean rows EXPR refused, as stage ``select`` with the expression as reason and the values it
read as detail. NEW/stats.json keeps RUN's prepare figures and adds a ``select`` stage, so
records_in = clean + rejected holds for NEW as it did for RUN, and ``kprep verify``, ``kprep
report``, ``kprep train-tokenizer`` and ``kprep tokenize`` take NEW like any run directory.

A plain pyarrow job, not a Beam pipeline: a columnar filter of files that are already sharded and
sorted needs no grouping, so Beam would only add a runner's start-up and a re-sort. It reads one
file at a time (memory: one clean/ file, about 128 MB of text), through Beam's filesystems, so
RUN and NEW may be on gs:// or s3:// too.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipeline.prepare import AccountingError
from transforms.files import (
    clear_parquet,
    join,
    list_parquet,
    table_bytes,
    write_file_atomically,
    write_json,
)
from transforms.layout import RunLayout, load_stats
from transforms.records import REJECTED_SCHEMA
from transforms.where import WhereError, canonical, columns_of, parse_where

log = logging.getLogger("kprep")
STAGE = "select"


class SelectError(ValueError):
    """A select that cannot run: no finished run at RUN, NEW is RUN, a bad expression."""


def run_select(run_dir: str, where: str, out_dir: str) -> dict[str, Any]:
    """Write NEW = ``out_dir`` from RUN = ``run_dir`` and ``where``; returns select's stats."""
    started = time.monotonic()
    source, target = RunLayout(run_dir), RunLayout(out_dir)
    if source.root.rstrip("/") == target.root.rstrip("/"):
        raise SelectError("--output must be another directory: select never rewrites its input")
    for later in (target.shards, target.tokenizer, target.model):
        if FileSystems.exists(later):
            raise SelectError(
                f"{later} is there from an earlier run and would not match the new clean/: "
                "choose a new --output directory, or remove it"
            )
    files = list_parquet(source.clean)
    stages = load_stats(run_dir)["stages"]
    prepare = stages.get("prepare")
    if not files or not prepare or "records_in" not in prepare:
        raise SelectError(
            f"no finished prepare in {run_dir} (clean/ and stats.json): run `kprep prepare` first"
        )
    try:
        condition = parse_where(where, _schema_of(files[0]))
    except WhereError as err:
        raise SelectError(f"--where: {err}") from err
    matches = pc.coalesce(condition, pc.scalar(False))  # a null value does not match
    reason, shown = canonical(where), columns_of(where)
    depth, earlier = 1, stages.get(STAGE)  # RUN may itself be a select's output
    while earlier:
        depth, earlier = depth + 1, earlier.get("earlier")
    rejected_files = list_parquet(source.rejected)
    rejected_schema = _schema_of(rejected_files[0]) if rejected_files else REJECTED_SCHEMA
    for directory in (target.clean, target.rejected):
        clear_parquet(directory)
        if not FileSystems.exists(directory):
            FileSystems.mkdirs(directory)
    records_in = kept = refused = 0
    for path in files:
        with FileSystems.open(path) as handle:
            table = pq.read_table(handle)
        chosen, others = table.filter(matches), table.filter(~matches)
        name = path.rsplit("/", 1)[-1]
        _write(join(target.clean, name), chosen)
        if others.num_rows:
            rows = select_rejects(others, reason, shown, rejected_schema)
            _write(join(target.rejected, f"{STAGE}-{depth}-{name}"), rows)
        records_in += table.num_rows
        kept += chosen.num_rows
        refused += others.num_rows
    if records_in != kept + refused:  # a filter and its complement; checked all the same
        raise AccountingError(f"select read {records_in} rows but wrote {kept} + {refused}")
    carried = 0
    for path in rejected_files:  # prepare's (and earlier selects') rejected rows, not tokenize's
        with FileSystems.open(path) as handle:
            table = pq.read_table(handle)
        table = table.filter(pc.field("stage") != "tokenize")
        _write(join(target.rejected, path.rsplit("/", 1)[-1]), table)
        carried += table.num_rows
    stats = {
        "source": source.root,
        "where": reason,
        "records_in": records_in,
        "clean": kept,
        "rejected": refused,
        "carried_rejected": carried,  # RUN's rejected rows, in NEW/rejected/ too
        "wall_s": round(time.monotonic() - started, 2),
    }
    if stages.get(STAGE):
        stats["earlier"] = stages[STAGE]  # RUN was itself selected from another run
    write_json(target.stats_file, {"stages": {"prepare": prepare, STAGE: stats}})
    if FileSystems.exists(source.config_file):
        with FileSystems.open(source.config_file) as handle:
            write_file_atomically(target.config_file, handle.read())
    log.info("select: %d of %d clean rows match %s", kept, records_in, reason)
    return stats


def select_rejects(
    table: pa.Table, reason: str, shown: list[str], schema: pa.Schema = REJECTED_SCHEMA
) -> pa.Table:
    """Clean rows refused by the expression ``reason`` as rejected rows of ``schema``: stage
    select, the values of the ``shown`` columns as detail, the rest from the clean row."""
    rows = table.num_rows
    constants = {"stage": STAGE, "reason": reason, "detail": None, "duplicate_of": None}
    columns = []
    for field in schema:
        if field.name == "detail":
            columns.append(pa.array(_details(table, shown), type=field.type))
        elif field.name in constants:
            columns.append(pa.array([constants[field.name]] * rows, type=field.type))
        elif field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        else:
            columns.append(pa.nulls(rows, type=field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _details(table: pa.Table, shown: list[str]) -> list[str]:
    """ "name=value, ..." of the columns the expression reads, for each row."""
    values = []
    for name in shown:
        base, _, field = name.partition(".")
        column = table.column(base)
        values.append((pc.struct_field(column, field) if field else column).to_pylist())
    return [
        ", ".join(f"{name}={_shown(value)}" for name, value in zip(shown, row, strict=True))
        for row in zip(*values, strict=True)
    ] or [""] * table.num_rows


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value) if isinstance(value, str) else str(value)


def _schema_of(path: str) -> pa.Schema:
    with FileSystems.open(path) as handle:
        return pq.ParquetFile(handle).schema_arrow


def _write(path: str, table: pa.Table) -> None:
    write_file_atomically(path, table_bytes(table))
