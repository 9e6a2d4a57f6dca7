"""Benchmark decontamination: matching form, index, benchmark files, the Beam step, prepare."""

import dataclasses
import json
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.util import assert_that, equal_to

from pipeline.cli import main
from runners.options import make_pipeline
from transforms.clean import clean_text, filter_document
from transforms.decontaminate import (
    BenchmarkError,
    BenchmarkIndex,
    BenchmarkItem,
    DecontaminateConfig,
    MatchingForm,
    build_index,
    check_benchmarks,
    decontaminate_document,
    load_benchmarks,
)
from transforms.filters.base import FilterConfig
from transforms.records import Drop, make_document
from transforms.steps.decontaminate import Decontaminate

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sample.jsonl"

# Benchmark-like items written for these tests (reading comprehension, a choice question).
PASSAGE = (
    "조선 후기의 실학자들은 농업과 상업을 함께 발전시켜야 한다고 주장하였으며, 그 가운데 "
    "박지원은 청나라의 수레와 벽돌 기술을 배워 백성의 생활을 넉넉하게 하자는 의견을 책으로 남겼다."
)
QUESTION = (
    "다음 글을 읽고 물음에 답하시오. 연암 박지원이 열하일기에서 조선의 살림을 "
    "나아지게 하려면 배워야 한다고 적은 청나라의 기술은 무엇인가?"
)
CHOICES = ["수레와 벽돌", "종이와 먹", "배와 돛", "비단과 도자기"]
SHORT = "봄이 왔다"  # shorter than any n: not indexed
# A COPA-like premise: 32 letters, under char_ngram (50), over min_item_chars (30)
PREMISE = "남자는 지하철에서 지갑을 잃어버려서 가까운 경찰서에 분실 신고를 하러 갔다."


def items():
    return [
        BenchmarkItem("reading", "r1", PASSAGE),
        BenchmarkItem("quiz", "q1", QUESTION + "\n" + "\n".join(CHOICES)),
        BenchmarkItem("quiz", "q2", SHORT),
    ]


# --- the matching form ------------------------------------------------------------------------


def test_matching_form_ignores_spacing_punctuation_width_and_case():
    one = MatchingForm.of("ＡＢＣ 학교에 갔다. 정말?!")
    two = MatchingForm.of("abc학교에갔다 정말")
    assert one.codes.tolist() == two.codes.tolist()
    assert len(one.word_start) == 4 and len(two.word_start) == 2


def test_character_ngrams_are_the_same_wherever_the_window_lies():
    text = "가나다라마바사아자차카타파하"
    inner = MatchingForm.of(text).char_ngrams(5)
    outer = MatchingForm.of("앞머리 " + text + " 꼬리").char_ngrams(5)
    assert set(inner.tolist()) <= set(outer.tolist())
    assert len(set(inner.tolist())) == len(inner)


def test_an_exact_copy_matches_with_its_span_in_the_original_text():
    index = BenchmarkIndex(items(), char_ngram=50)
    doc = "머리말 문장입니다. " + PASSAGE + " 꼬리 문장입니다."
    found = index.match(doc)
    assert (found.benchmark, found.item_id, found.kind) == ("reading", "r1", "char")
    assert doc[found.start : found.end] == PASSAGE.rstrip(".")


def test_changed_spacing_and_punctuation_still_match():
    index = BenchmarkIndex(items(), char_ngram=50)
    changed = PASSAGE.replace(" ", "").replace(",", " ,  ").replace("은", "은 ")
    found = index.match("다른 이야기. " + changed)
    assert found is not None and found.item_id == "r1"


def test_a_partial_copy_longer_than_n_matches_and_a_shorter_one_does_not():
    index = BenchmarkIndex(items(), char_ngram=50)
    part = PASSAGE[20:110]  # 90 characters, more than 50 letters
    assert index.match("앞의 글. " + part + " 뒤의 글.").item_id == "r1"
    near = PASSAGE[40:70]  # under 50 letters shared
    assert index.match("앞의 글. " + near + " 뒤의 글.") is None


def test_a_near_miss_with_changed_words_is_kept():
    index = BenchmarkIndex(items(), char_ngram=50)
    reworded = (
        "조선 후기 실학자들은 농업뿐 아니라 상업도 키워야 한다고 보았고, 박지원은 청의 "
        "수레와 벽돌 만드는 법을 익혀 백성을 넉넉하게 하자는 뜻을 글로 남겼다."
    )
    assert index.match(reworded) is None


def test_eojeol_ngrams_match_whole_words_in_order():
    index = BenchmarkIndex(items(), char_ngram=0, eojeol_ngram=8)
    words = PASSAGE.split()
    found = index.match("시작 " + " ".join(words[3:13]) + " 끝")
    assert found.kind == "eojeol" and found.item_id == "r1"
    doc = "시작 " + " ".join(words[3:13]) + " 끝"
    assert doc[found.start : found.end] == " ".join(words[3:13]).rstrip(",")
    assert index.match(" ".join(words[3:9])) is None  # 6 words


def test_short_items_are_counted_but_not_indexed():
    index = BenchmarkIndex(items(), char_ngram=50)
    assert index.totals() == {
        "quiz": {"items": 2, "items_indexed": 1},
        "reading": {"items": 1, "items_indexed": 1},
    }
    assert index.match(SHORT * 3) is None


def short_items():
    return [*items(), BenchmarkItem("copa", "p1", PREMISE)]


def test_a_short_item_is_found_whole_with_spacing_and_punctuation_changed():
    assert len(MatchingForm.of(PREMISE).codes) == 32
    index = BenchmarkIndex(short_items(), char_ngram=50, min_item_chars=30)
    changed = "남자는 지하철에서지갑을 잃어 버려서, 가까운 경찰서에  분실신고를 하러 갔다!"
    doc = "오늘 들은 이야기. " + changed + " 다행히 지갑은 돌아왔다."
    found = index.match(doc)
    assert (found.benchmark, found.item_id, found.kind) == ("copa", "p1", "item")
    assert doc[found.start : found.end] == changed.rstrip("!")
    assert json.loads(found.detail(doc))["match"] == "item"
    # found wherever it lies: the document is looked up at every 8th position only
    for offset in range(12):
        assert index.match("가" * offset + PREMISE).item_id == "p1"


def test_a_short_item_only_partly_present_or_with_a_word_changed_is_kept():
    index = BenchmarkIndex(short_items(), char_ngram=50, min_item_chars=30)
    assert index.match("이야기. " + PREMISE[:-4] + " 끝.") is None  # its last letters missing
    assert index.match("이야기. " + PREMISE[4:] + " 끝.") is None  # its first word missing
    assert index.match(PREMISE.replace("지갑을", "가방을")) is None  # one word changed
    assert index.match(PREMISE) is not None


def test_an_item_shorter_than_min_item_chars_is_never_indexed():
    index = BenchmarkIndex(short_items(), char_ngram=50, min_item_chars=33)
    assert index.match("이야기. " + PREMISE + " 끝.") is None
    assert index.totals()["copa"] == {"items": 1, "items_indexed": 0}
    index = BenchmarkIndex(short_items(), char_ngram=50, min_item_chars=30)
    assert index.totals() == {
        "copa": {"items": 1, "items_indexed": 1},
        "quiz": {"items": 2, "items_indexed": 1},  # SHORT: 4 letters
        "reading": {"items": 1, "items_indexed": 1},
    }
    assert index.match(SHORT * 3) is None
    off = BenchmarkIndex(short_items(), char_ngram=50, min_item_chars=0)
    assert off.match(PREMISE) is None and off.totals()["copa"]["items_indexed"] == 0


def test_long_items_match_as_they_did_without_the_whole_item_rule():
    without = BenchmarkIndex(short_items(), char_ngram=50)
    with_rule = BenchmarkIndex(short_items(), char_ngram=50, min_item_chars=30)
    docs = [
        "머리말 문장입니다. " + PASSAGE + " 꼬리 문장입니다.",
        "앞의 글. " + PASSAGE[20:110] + " 뒤의 글.",
        "앞의 글. " + PASSAGE[40:70] + " 뒤의 글.",
        PASSAGE + "\n" + PREMISE,  # both: the long item's run is reported, as before
        "보기가 붙은 문제: " + QUESTION[20:] + " " + ", ".join(CHOICES),
        "아무 관계 없는 문서입니다.",
    ]
    for doc in docs:
        assert with_rule.match(doc) == without.match(doc)
    assert with_rule.match(docs[3]).kind == "char"


def test_the_choice_question_matches_across_its_joined_fields():
    index = BenchmarkIndex(items(), char_ngram=50)
    found = index.match("보기가 붙은 문제: " + QUESTION[20:] + " " + ", ".join(CHOICES))
    assert (found.benchmark, found.item_id) == ("quiz", "q1")


def test_decontaminate_document_drops_with_the_item_and_span():
    index = BenchmarkIndex(items(), char_ngram=50)
    doc = make_document("d1", "서론. " + PASSAGE, "s")
    drop = decontaminate_document(doc, index)
    assert isinstance(drop, Drop) and drop.reason == "benchmark_overlap"
    detail = json.loads(drop.detail)
    assert detail["benchmark"] == "reading" and detail["item"] == "r1"
    assert detail["span"] == doc["text"][detail["start"] : detail["end"]]
    clean = make_document("d2", "아무 관계 없는 문서입니다.", "s")
    assert decontaminate_document(clean, index) is clean


# --- benchmark files --------------------------------------------------------------------------


def write_benchmarks(directory: Path) -> dict[str, Path]:
    """The same kind of items as JSONL, Parquet and a `datasets` save_to_disk directory."""
    jsonl = directory / "kobest_copa.jsonl"
    rows = [{"id": "c1", "premise": PASSAGE, "alternative_1": "가", "alternative_2": "나"}]
    rows.append({"id": "c2", "premise": PREMISE})  # short: matched whole
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    parquet = directory / "klue_mrc.parquet"
    pq.write_table(pa.table({"context": [PASSAGE + " 덧붙인 문장.", "짧다"]}), parquet)
    saved = directory / "kmmlu"
    (saved / "test").mkdir(parents=True)
    (saved / "dataset_dict.json").write_text('{"splits": ["test"]}')
    (saved / "test" / "dataset_info.json").write_text("{}")
    (saved / "test" / "state.json").write_text("{}")
    table = pa.table({"question": [QUESTION], "choices": [CHOICES]})
    arrow = saved / "test" / "data-00000-of-00001.arrow"
    with pa.OSFile(str(arrow), "wb") as sink, pyarrow.ipc.new_stream(sink, table.schema) as out:
        out.write_table(table)
    return {"jsonl": jsonl, "parquet": parquet, "saved": saved}


def test_load_benchmarks_reads_jsonl_parquet_and_saved_datasets(tmp_path):
    paths = write_benchmarks(tmp_path)
    fields = DecontaminateConfig().fields
    loaded = load_benchmarks([str(p) for p in paths.values()], fields, "id")
    by_name = {(i.benchmark, i.item_id): i.text for i in loaded}
    assert by_name[("kobest_copa", "c1")] == PASSAGE + "\n가\n나"
    assert by_name[("klue_mrc", "0")] == PASSAGE + " 덧붙인 문장."
    assert by_name[("kmmlu", "test/data-00000-of-00001.arrow:0")] == "\n".join([QUESTION, *CHOICES])
    assert by_name[("kobest_copa", "c2")] == PREMISE
    assert len(loaded) == 5


def test_a_missing_or_broken_benchmark_file_is_named(tmp_path):
    with pytest.raises(BenchmarkError, match="nope.jsonl not found"):
        load_benchmarks([str(tmp_path / "nope.jsonl")], ["text"], "id")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    with pytest.raises(BenchmarkError, match="broken.parquet could not be read"):
        load_benchmarks([str(broken)], ["text"], "id")
    with pytest.raises(BenchmarkError, match="broken.parquet could not be read"):
        check_benchmarks([str(tmp_path / "nope.jsonl"), str(broken)][1:])
    (tmp_path / "empty").mkdir()
    with pytest.raises(BenchmarkError, match="holds no .jsonl"):
        load_benchmarks([str(tmp_path / "empty")], ["text"], "id")


def test_the_index_is_the_same_after_pickling():
    import pickle

    index = BenchmarkIndex(items(), char_ngram=50, eojeol_ngram=8)
    again = pickle.loads(pickle.dumps(index))
    assert again.match("서론 " + PASSAGE) == index.match("서론 " + PASSAGE)


# --- the Beam step and prepare ----------------------------------------------------------------


def test_the_beam_step_reads_the_index_as_a_side_input(tmp_path):
    paths = write_benchmarks(tmp_path)
    config = DecontaminateConfig(paths=[str(paths["jsonl"])])
    docs = [make_document("a", "서론. " + PASSAGE, "s"), make_document("b", "무관한 글", "s")]
    pipeline = make_pipeline(["--direct_running_mode=in_memory"])
    kept, rejected = pipeline | beam.Create(docs) | Decontaminate(config)
    assert_that(kept | "kept ids" >> beam.Map(lambda d: d["id"]), equal_to(["b"]), label="kept")
    assert_that(
        rejected | beam.Map(lambda r: (r["id"], r["stage"], json.loads(r["detail"])["item"])),
        equal_to([("a", "decontaminate", "c1")]),
        label="rejected",
    )
    pipeline.run().wait_until_finish()
    assert build_index(config).totals() == {"kobest_copa": {"items": 2, "items_indexed": 2}}
    short_off = dataclasses.replace(config, min_item_chars=0)
    assert build_index(short_off).totals() == {"kobest_copa": {"items": 2, "items_indexed": 1}}


def passing_sample_texts(count: int) -> list[str]:
    """Distinct sample texts that pass the default filters after cleaning."""
    texts: list[str] = []
    for line in SAMPLE.read_bytes().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record.get("text"), str):
            continue
        doc = clean_text(make_document("x", record["text"], "s"))
        if doc["text"] not in texts and not isinstance(filter_document(doc, FilterConfig()), Drop):
            texts.append(doc["text"])
        if len(texts) == count:
            return texts
    raise AssertionError("the sample has too few documents that pass the filters")


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A corpus with planted overlaps and near misses, and a prepare run over it."""
    work = tmp_path_factory.mktemp("decontaminate")
    benchmarks = write_benchmarks(work)
    base = passing_sample_texts(11)
    middle = base[9].find(" ", len(base[9]) // 2)  # the short item inside a paragraph
    planted_docs = {
        "exact": base[0] + "\n" + PASSAGE,
        "spacing": base[1] + "\n" + PASSAGE.replace(" ", "  ").replace(",", "").replace(".", "!"),
        "partial": base[2][:400] + "\n" + PASSAGE[30:120] + "\n" + base[2][400:],
        "quiz": base[3] + "\n" + QUESTION + " " + " / ".join(CHOICES),
        "short": base[9][:middle] + PREMISE.replace(" ", "").replace(".", "!") + base[9][middle:],
    }
    near_misses = {
        "near-short": base[4] + "\n" + PASSAGE[40:75],  # under 50 letters shared
        "near-topic": base[5] + "\n조선 후기 실학자 박지원은 청나라 기술을 배우자고 했다.",
        "clean-1": base[6],
        "clean-2": base[7],
        "clean-3": base[8],
        "short-part": base[10] + "\n" + PREMISE.rsplit(" ", 1)[0],  # its last word missing
    }
    corpus = work / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as out:
        for doc_id, text in {**planted_docs, **near_misses}.items():
            out.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
    flag = ",".join(str(p) for p in benchmarks.values())
    runs = []
    for number in (1, 2):
        run = work / f"run{number}"
        argv = ["prepare", "--input", str(corpus), "--output", str(run)]
        argv += ["--decontaminate", flag, "--direct_running_mode=in_memory"]
        assert main(argv) == 0
        runs.append(run)
    return set(planted_docs), set(near_misses), runs


def test_prepare_removes_every_planted_overlap_and_no_near_miss(planted):
    overlaps, near_misses, (run, _) = planted
    rejected = pq.read_table(run / "rejected").to_pylist()
    clean = pq.read_table(run / "clean").to_pylist()
    removed = {r["id"] for r in rejected if r["stage"] == "decontaminate"}
    assert removed == overlaps
    assert near_misses <= {r["id"] for r in clean}
    for row in rejected:
        detail = json.loads(row["detail"])
        assert detail["span"] in row["text"]
        if row["id"] == "short":
            assert detail["match"] == "item" and detail["item"] == "c2"
            assert MatchingForm.of(detail["span"]).codes.tolist() == (
                MatchingForm.of(PREMISE).codes.tolist()
            )
        else:
            assert detail["match"] == "char" and detail["end"] - detail["start"] >= 50


def test_prepare_accounts_for_every_record_and_records_the_table(planted):
    overlaps, near_misses, (run, _) = planted
    prepare = json.loads((run / "stats.json").read_text())["stages"]["prepare"]
    assert prepare["records_in"] == prepare["clean"] + prepare["rejected"] == 11
    assert prepare["rejected_by_stage"]["decontaminate"] == {"benchmark_overlap": 5}
    table = prepare["decontamination"]
    assert table["kmmlu"] == {
        "items": 1,
        "items_indexed": 1,
        "items_matched": 1,
        "documents_removed": 1,
    }
    assert table["klue_mrc"]["items"] == 2 and table["klue_mrc"]["items_indexed"] == 1
    assert table["kobest_copa"] == {  # the short premise is indexed whole, and matched
        "items": 2,
        "items_indexed": 2,
        "items_matched": 2,
        "documents_removed": 4,  # the passage (also in klue_mrc: the first file's item named)
    }
    removed = sum(t["documents_removed"] for t in table.values())
    assert removed == len(overlaps)
    assert prepare["counters"]["decontaminate.kept"] == len(near_misses)


def test_prepare_with_decontamination_is_deterministic(planted):
    _, _, (one, two) = planted
    for part in ("clean", "rejected"):
        assert pq.read_table(one / part).to_pylist() == pq.read_table(two / part).to_pylist()


def test_a_missing_benchmark_file_stops_prepare_with_a_message(tmp_path, capsys):
    argv = ["prepare", "--input", str(SAMPLE), "--output", str(tmp_path / "run")]
    argv += ["--decontaminate", str(tmp_path / "kobest.jsonl")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "kobest.jsonl not found" in err and "Traceback" not in err


def test_every_shared_run_of_n_letters_is_found_wherever_it_lies():
    """The index looks documents up at every stride-th position only: a run of exactly n shared
    letters is found at every offset, and one of n - 1 letters at none."""
    syllables = [chr(0xAC00 + 37 * k) for k in range(300)]  # one Hangul syllable per letter
    item = "".join(syllables)
    index = BenchmarkIndex([BenchmarkItem("b", "1", item)], char_ngram=50, stride=8)
    for offset in range(0, 20):
        for where in range(0, 240, 23):
            doc = "abc" * offset + " " + item[where : where + 50] + " xyz"
            found = index.match(doc)
            assert found is not None and doc[found.start : found.end] == item[where : where + 50]
            assert index.match("abc" * offset + item[where : where + 49] + " xyz") is None


def test_the_index_is_the_same_built_in_chunks(monkeypatch):
    import transforms.decontaminate as module

    whole = BenchmarkIndex(short_items(), char_ngram=40, eojeol_ngram=6, min_item_chars=20)
    monkeypatch.setattr(module, "CHUNK_CHARS", 10)
    chunked = BenchmarkIndex(short_items(), char_ngram=40, eojeol_ngram=6, min_item_chars=20)
    for name in ("codes", "code_starts", "word_hashes", "word_starts"):
        assert getattr(whole, name).tolist() == getattr(chunked, name).tolist()
    for table in ("chars", "words"):
        one, two = getattr(whole, table), getattr(chunked, table)
        assert one.hashes.tolist() == two.hashes.tolist()
        assert one.positions.tolist() == two.positions.tolist()
        assert one.bloom.tobytes() == two.bloom.tobytes()


def test_prepare_s_fingerprint_follows_the_benchmarks_and_is_unchanged_without_them(tmp_path):
    import dataclasses

    from pipeline.config import KprepConfig
    from pipeline.stages import RUN_STAGES, RunPlan
    from transforms.layout import RunLayout

    def fingerprint(config):
        plan = RunPlan(config, RunLayout(str(tmp_path)), [], "", False, True)
        return RUN_STAGES[0].fingerprint(plan, None)

    config = KprepConfig()
    config.input = dataclasses.replace(config.input, patterns=[str(SAMPLE)])
    without = fingerprint(config)
    paths = write_benchmarks(tmp_path)
    config.decontaminate = DecontaminateConfig(paths=[str(paths["jsonl"])])
    first = fingerprint(config)
    paths["jsonl"].write_text(paths["jsonl"].read_text() + '{"id": "c2", "premise": "더"}\n')
    assert len({without, first, fingerprint(config)}) == 3
    from pipeline import resume

    old = resume.fingerprint(
        [(str(SAMPLE), SAMPLE.stat().st_size)],
        config.input,
        config.prepare,
        config.pii,
        config.dedupe,
    )
    assert without == old  # runs without --decontaminate are not rerun after this change
