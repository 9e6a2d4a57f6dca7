import bz2
import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from transforms.read import InputConfig, detect_format, parse_jsonl_line, read_file
from transforms.records import Rejection

OPTIONS = InputConfig()


def rows(path, options=OPTIONS):
    return list(read_file(str(path), options))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.jsonl", "jsonl"),
        ("a.jsonl.gz", "jsonl"),
        ("a.json.zst", "jsonl"),
        ("a.parquet", "parquet"),
        ("a.txt.bz2", "text"),
        ("README", "text"),
    ],
)
def test_detect_format(name, expected):
    assert detect_format(name) == expected


def test_jsonl_fields_become_document_columns():
    line = json.dumps({"id": 7, "text": "안녕하세요", "source": "blog", "lang": "ko"}).encode()
    doc = parse_jsonl_line(line, "in.jsonl", 1, "text")
    assert doc["id"] == "7" and doc["text"] == "안녕하세요" and doc["source"] == "blog"
    assert json.loads(doc["metadata"]) == {"lang": "ko"}


def test_missing_id_is_derived_from_path_and_line():
    doc = parse_jsonl_line(b'{"text": "a"}', "dir/in.jsonl", 12, "text")
    assert doc["id"] == "dir/in.jsonl:12" and doc["source"] == "dir/in.jsonl"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"text": "\xff\xfe"}', "invalid_utf8"),
        (b'{"text": "unterminated', "invalid_json"),
        (b'{"body": "x"}', "missing_text_field"),
        (b'{"text": 5}', "text_not_string"),
        (b"[1, 2]", "not_an_object"),
    ],
)
def test_bad_lines_become_rejections(line, reason):
    rejection = parse_jsonl_line(line, "in.jsonl", 3, "text")
    assert isinstance(rejection, Rejection) and rejection.reason == reason
    assert "in.jsonl:3" in rejection.detail


def test_html_field_is_taken_when_there_is_no_text():
    doc = parse_jsonl_line(b'{"id": "p", "html": "<p>hi</p>"}', "in.jsonl", 1, "text")
    assert doc["text"] == "<p>hi</p>"


def test_every_line_of_a_file_is_accounted_for(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"text": "a"}\n\n{"text": \n{"text": "b"}\r\n')
    out = rows(path)
    assert [r.reason if isinstance(r, Rejection) else r["text"] for r in out] == [
        "a",
        "invalid_json",
        "b",
    ]


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [
        (".gz", gzip.compress),
        (".bz2", bz2.compress),
        (".zst", lambda data: zstandard.ZstdCompressor().compress(data)),
    ],
)
def test_compressed_jsonl(tmp_path, suffix, compress):
    path = tmp_path / f"in.jsonl{suffix}"
    path.write_bytes(compress(b'{"text": "\xec\x95\x88\xeb\x85\x95"}\n{"text": "b"}\n'))
    assert [r["text"] for r in rows(path)] == ["안녕", "b"]


def test_truncated_gzip_keeps_what_was_read_and_names_the_file(tmp_path):
    data = gzip.compress(b"".join(b'{"text": "line %d"}\n' % i for i in range(5000)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    out = rows(path)
    assert out[-1].reason == "corrupt_or_truncated_file"
    assert str(path) in out[-1].detail
    assert not any(isinstance(r, Rejection) for r in out[:-2])
    assert len(out) > 10


def test_unreadable_file_is_one_rejection(tmp_path):
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(b"not gzip at all")
    (rejection,) = rows(path)
    assert rejection.reason == "unreadable_file" and rejection.id == str(path)


def test_plain_text_per_file_and_per_block(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("첫 문단\n둘째 줄\n\n  \n둘째 문단\n", encoding="utf-8")
    assert [r["text"] for r in rows(path)] == ["첫 문단\n둘째 줄\n\n  \n둘째 문단\n"]
    blocks = rows(path, InputConfig(text_split="blank-line"))
    assert [r["text"] for r in blocks] == ["첫 문단\n둘째 줄", "둘째 문단\n"]
    assert blocks[1]["id"] == f"{path}#2"


def test_parquet_input(tmp_path):
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "content": ["가", None]}), path)
    out = rows(path, InputConfig(text_field="content"))
    assert out[0]["text"] == "가" and out[1].reason == "missing_text_field"


BOM = b"\xef\xbb\xbf"
RECORDS = [{"id": "a", "text": "첫 문서입니다."}, {"id": "b", "text": "둘째 문서입니다."}]


def jsonl_lines(records=RECORDS):
    return [json.dumps(r, ensure_ascii=False) for r in records]


@pytest.mark.parametrize(
    "data",
    [
        BOM + "\n".join(jsonl_lines()).encode() + b"\n",  # as Windows tools write it
        BOM + jsonl_lines()[0].encode() + b"\r\n" + BOM + jsonl_lines()[1].encode() + b"\r\n",
        b"\n".join(BOM + line.encode() for line in jsonl_lines()) + b"\n",  # concatenated files
    ],
    ids=["file", "after-crlf", "every-record"],
)
def test_a_utf8_byte_order_mark_is_removed_not_rejected(data, tmp_path):
    path = tmp_path / "windows.jsonl"
    path.write_bytes(data)
    out = rows(path)
    assert [r["id"] for r in out] == ["a", "b"] and not any(isinstance(r, Rejection) for r in out)
    assert [r["text"] for r in out] == [r["text"] for r in RECORDS]


def test_a_text_file_with_a_utf8_bom_has_no_bom_in_its_text(tmp_path):
    path = tmp_path / "page.txt"
    path.write_bytes(BOM + "한국어 본문입니다.".encode())
    (doc,) = rows(path)
    assert doc["text"] == "한국어 본문입니다."


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_files_with_a_bom_are_decoded(codec, tmp_path):
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    jsonl = tmp_path / "records.jsonl"
    jsonl.write_bytes(bom + ("\r\n".join(jsonl_lines()) + "\r\n").encode(codec))
    out = rows(jsonl)
    assert [(r["id"], r["text"]) for r in out] == [(r["id"], r["text"]) for r in RECORDS]
    assert all(json.loads(r["metadata"])["source_encoding"] == "utf-16" for r in out)
    text = tmp_path / "page.txt"
    text.write_bytes(bom + "한국어 본문입니다.\n둘째 줄.".encode(codec))
    (doc,) = rows(text)
    assert doc["text"] == "한국어 본문입니다.\n둘째 줄."
    assert json.loads(doc["metadata"]) == {"source_encoding": "utf-16"}
