"""`kprep eval`: held-out perplexity on shards and KoBEST-format tasks through lm-eval."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from pipeline.cli import main  # noqa: E402
from tests.test_trainer import write_shards  # noqa: E402
from trainer.benchmarks import kprep_tasks, reference_scores, render_tasks  # noqa: E402
from trainer.data import Documents  # noqa: E402
from trainer.perplexity import split_perplexity, windows  # noqa: E402

COPA = [
    ("비가 많이 왔다.", "결과", "길이 젖었다.", "하늘이 맑았다.", 0),
    ("그는 병원에 갔다.", "원인", "돈을 벌었다.", "몸이 아팠다.", 1),
    ("아이가 울었다.", "원인", "장난감을 잃어버렸다.", "밥을 많이 먹었다.", 0),
    ("나는 창문을 열었다.", "원인", "방이 추웠다.", "방이 더웠다.", 1),
    ("가게가 문을 닫았다.", "결과", "손님들이 돌아갔다.", "손님들이 몰려왔다.", 0),
]
FIELDS = ("premise", "question", "alternative_1", "alternative_2", "label")


def write_copa(directory: Path, splits=("train", "test")) -> Path:
    """KoBEST COPA items as the JSONL files kprep's ko_copa task reads."""
    (directory / "ko_copa").mkdir(parents=True, exist_ok=True)
    for split in splits:
        lines = [
            json.dumps(dict(zip(FIELDS, item, strict=True)), ensure_ascii=False) for item in COPA
        ]
        (directory / "ko_copa" / f"{split}.jsonl").write_text("\n".join(lines) + "\n")
    return directory


@pytest.fixture(scope="module")
def tiny_model():
    config = transformers.GPTNeoXConfig(
        vocab_size=64,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=16,
    )
    torch.manual_seed(0)
    return transformers.GPTNeoXForCausalLM(config).eval()


def _docs(tmp_path: Path) -> Documents:
    rng = np.random.default_rng(0)
    docs = [list(rng.integers(3, 64, size=n)) + [2] for n in (5, 17, 1, 30, 9)]
    write_shards(tmp_path, {"valid": docs}, per_shard=2)
    return Documents(tmp_path, "valid")


def test_windows_predict_every_token_once(tmp_path):
    docs = _docs(tmp_path)
    stream = np.concatenate([docs[i] for i in range(len(docs))])
    cut = list(windows(docs, seq_len=8))
    assert all(2 <= len(w) <= 9 for w in cut)
    assert np.array_equal(np.concatenate([w[1:] for w in cut]), stream[1:])
    assert np.array_equal(np.concatenate([w[:1] for w in cut]), stream[: len(cut) * 8 : 8])
    assert [len(w) for w in windows(docs, 8, max_tokens=20)] == [9, 9, 4]


def test_perplexity_is_token_weighted_and_batch_independent(tmp_path, tiny_model):
    docs = _docs(tmp_path)
    nll, count = 0.0, 0
    with torch.no_grad():
        for window in windows(docs, seq_len=8):
            x = torch.from_numpy(window[None, :-1])
            logits = tiny_model(input_ids=x).logits[0]
            target = torch.from_numpy(window[1:])
            nll += float(torch.nn.functional.cross_entropy(logits, target, reduction="sum"))
            count += len(window) - 1
    one = split_perplexity(tiny_model, tmp_path, "valid", seq_len=8, batch_size=1)
    many = split_perplexity(tiny_model, tmp_path, "valid", seq_len=8, batch_size=4)
    assert one["predicted_tokens"] == many["predicted_tokens"] == count == int(docs.sizes.sum()) - 1
    assert one["loss"] == pytest.approx(nll / count, rel=1e-5)
    assert many["loss"] == pytest.approx(one["loss"], rel=1e-5)
    assert many["perplexity"] == pytest.approx(np.exp(many["loss"]))


def test_task_files_keep_lm_evals_function_tags(tmp_path):
    bench = write_copa(tmp_path / "bench", splits=("test",))
    render_tasks(["ko_copa", "hellaswag"], bench, tmp_path, fewshot=False)
    text = (tmp_path / "ko_copa.yaml").read_text()
    assert "!function 'utils.macro_f1'" in text or "!function utils.macro_f1" in text
    assert str(bench / "ko_copa" / "test.jsonl") in text
    assert "training_split" not in text  # no train file: no few-shot split
    assert not (tmp_path / "hellaswag.yaml").exists()  # lm-eval's own task: left to it
    assert set(kprep_tasks()) == {"ko_boolq", "ko_copa", "ko_hellaswag", "ko_sentineg", "ko_wic"}
    assert reference_scores()["scores"]["ko_copa"]["5"] == 0.7193


def test_missing_benchmark_files_say_where_to_put_them(tmp_path, capsys):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    code = main(
        [
            "eval",
            "--model",
            str(model),
            "--tasks",
            "ko_copa",
            "--benchmark-dir",
            str(tmp_path / "bench"),
            "--num-fewshot",
            "0",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"{tmp_path / 'bench' / 'ko_copa'}/test.jsonl" in err
    assert "premise, question, alternative_1, alternative_2, label" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_perplexity_refuses_shards_of_another_tokenizer(run_dir, tmp_path, capsys):
    other = write_shards(tmp_path, {"valid": [[5, 6, 7, 2]]})
    code = main(["eval", "--model", str(run_dir / "model"), "--perplexity", "--data", str(other)])
    assert code == 2
    assert "another tokenizer" in capsys.readouterr().err


@pytest.mark.slow
def test_eval_on_the_sample_run_writes_eval_json_and_the_report_shows_it(run_dir, tmp_path):
    pytest.importorskip("lm_eval")
    bench = write_copa(tmp_path / "bench")
    model = run_dir / "model"
    sha = hashlib.sha256((model / "tokenizer.json").read_bytes()).hexdigest()
    code = main(
        [
            "eval",
            "--model",
            str(model),
            "--perplexity",
            "--tasks",
            "ko_copa",
            "--benchmark-dir",
            str(bench),
            "--num-fewshot",
            "0,1",
            "--output",
            str(tmp_path),
        ]
    )
    assert code == 0
    results = json.loads((tmp_path / "eval.json").read_text())
    ppl = results["perplexity"]
    assert ppl["tokenizer_sha256"] == sha
    manifest = json.loads((run_dir / "shards" / "manifest.json").read_text())
    for split, row in ppl["splits"].items():
        assert row["predicted_tokens"] == manifest["splits"][split]["tokens"] - 1
        assert 1 < row["perplexity"] < 2100  # better than uniform over the padded vocabulary
    copa = results["benchmarks"]["tasks"]["ko_copa"]
    assert set(copa) == {"0", "1"}
    assert all(0 <= scores["acc"] <= 1 and 0 <= scores["f1"] <= 1 for scores in copa.values())
    assert results["benchmarks"]["samples"]["ko_copa"] == len(COPA)
    assert main(["report", str(tmp_path)]) == 0
    report = (tmp_path / "report.md").read_text()
    assert "## Held-out perplexity" in report and "## Benchmarks" in report
    assert "| ko_copa | 1 |" in report and "0.7106" in report  # the model card's 1-shot F1
