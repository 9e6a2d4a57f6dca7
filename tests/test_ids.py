"""Records that share an id (per-file numbering, re-crawled URLs) get unique ids; dedupe then
treats them as any other records, and the same input in any file order gives the same output."""

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.cli import main
from pipeline.verify import verify_run
from transforms.clean import clean_text, filter_document
from transforms.filters.base import FilterConfig
from transforms.records import Drop, make_document

pytestmark = pytest.mark.slow
SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sample.jsonl"
LOCAL = ["--direct_running_mode=in_memory"]


def clean_texts(count: int) -> list[str]:
    """Sample texts that pass every filter, far apart in the file (so not near copies)."""
    passing = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # the sample's deliberately broken lines
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            continue
        doc = clean_text(make_document("x", record["text"], "s"))
        if not isinstance(filter_document(doc, FilterConfig()), Drop):
            passing.append(record["text"])
    return passing[:: len(passing) // count][:count]


@pytest.fixture(scope="module")
def colliding(tmp_path_factory):
    """Ids that collide within a file and across files, with equal and with different texts."""
    t1, t2, t3, t4 = clean_texts(4)
    root = tmp_path_factory.mktemp("ids")
    files = {
        "a.jsonl": [("1", t1), ("1", t1), ("2", t2)],  # same id, same text, same file
        "b.jsonl": [("1", t3), ("2", t2), ("3", t4)],  # "1" again with other text; "2" a copy
    }
    for name, records in files.items():
        lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in records]
        (root / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root, [t1, t2, t3, t4]


def prepare(root: Path, inputs: str, out: Path, *extra: str) -> int:
    return main(["prepare", "--input", inputs, "--output", str(out), *LOCAL, *extra])


def test_colliding_ids_are_made_unique_and_dedupe_keeps_one_of_each_copy(colliding, tmp_path):
    root, texts = colliding
    out = tmp_path / "run"
    assert prepare(root, f"{root}/a.jsonl,{root}/b.jsonl", out) == 0
    clean = pq.read_table(out / "clean").to_pylist()
    rejected = pq.read_table(out / "rejected").to_pylist()
    assert sorted(row["text"] for row in clean) == sorted(
        clean_text({"text": t})["text"] for t in texts
    )
    assert sorted(r["reason"] for r in rejected) == ["exact", "exact"]
    ids = [row["id"] for row in clean] + [row["id"] for row in rejected]
    assert len(ids) == len(set(ids)) == 6
    originals = {json.loads(row["metadata"]).get("original_id") for row in clean}
    assert originals <= {"1", "2", "3", None} and {"1", "2"} <= originals
    assert [row for row in clean if row["id"] == "3"]  # an id nothing shares is kept
    assert verify_run(str(out), echo=False) == []
    stats = json.loads((out / "stats.json").read_text())["stages"]["prepare"]
    assert stats["id_collisions"] == {"ids": 2, "records": 5}


def test_file_order_does_not_change_the_ids(colliding, tmp_path):
    root, _ = colliding
    forward, backward = tmp_path / "forward", tmp_path / "backward"
    assert prepare(root, f"{root}/a.jsonl,{root}/b.jsonl", forward) == 0
    assert prepare(root, f"{root}/b.jsonl,{root}/a.jsonl", backward) == 0
    for part in ("clean", "rejected"):
        assert pq.read_table(forward / part).equals(pq.read_table(backward / part))


def test_strict_makes_colliding_ids_an_error(colliding, tmp_path, capsys):
    root, _ = colliding
    assert prepare(root, f"{root}/a.jsonl,{root}/b.jsonl", tmp_path / "run", "--strict") == 2
    assert "5 records share 2 ids" in capsys.readouterr().err


def test_the_report_names_the_shared_ids(colliding, tmp_path):
    from pipeline.report import write_report

    root, _ = colliding
    out = tmp_path / "run"
    assert prepare(root, f"{root}/a.jsonl,{root}/b.jsonl", out) == 0
    _, markdown = write_report(str(out))
    assert "5 input records shared 2 ids" in Path(markdown).read_text()
