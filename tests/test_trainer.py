"""The bundled trainer on CPU with the tiny preset: data packing, training, resume, export."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from transforms.megatron import encode_shard

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from pipeline.cli import main  # noqa: E402
from trainer.config import TrainConfig  # noqa: E402
from trainer.data import Documents, PackedDataset, build_blend  # noqa: E402
from trainer.model import describe  # noqa: E402
from trainer.train import train  # noqa: E402

SPECIALS = ["<pad>", "<eos>", "<|endoftext|>", "<|sep|>"]  # ids 0-3, as in kprep's tokenizer
SENTENCES = [
    "오늘은 날씨가 맑고 바람이 시원합니다.",
    "학교에서 친구들과 점심을 먹었습니다.",
    "서울의 지하철은 아침마다 붐빕니다.",
    "도서관에서 한국어 책을 빌렸어요.",
    "내일은 비가 올 것 같아요.",
]


def write_shards(
    root: Path,
    splits: dict[str, list[list[int]]],
    tokenizer: dict | None = None,
    per_shard: int | None = None,
) -> Path:
    """A kprep shards dir (``root/shards``) holding ``splits`` documents, as the pipeline does."""
    shards = root / "shards"
    shards.mkdir(parents=True, exist_ok=True)
    entries, totals = [], {}
    for split, docs in splits.items():
        step = per_shard or max(len(docs), 1)
        chunks = [docs[i : i + step] for i in range(0, len(docs), step)]
        for n, chunk in enumerate(chunks):
            name = f"{split}_{n:05d}"
            data, index = encode_shard(chunk, np.uint16)
            (shards / f"{name}.bin").write_bytes(data)
            (shards / f"{name}.idx").write_bytes(index)
            entries.append(
                {
                    "name": name,
                    "split": split,
                    "documents": len(chunk),
                    "tokens": sum(map(len, chunk)),
                    "bin_bytes": len(data),
                }
            )
        totals[split] = {
            "shards": len(chunks),
            "documents": len(docs),
            "tokens": sum(map(len, docs)),
        }
    manifest = {
        "format": "megatron-mmap",
        "dtype": "uint16",
        "seed": 1234,
        "tokenizer": tokenizer or {"path": "", "sha256": "x", "vocab_size": 1000, "eod_id": 2},
        "shards": entries,
        "splits": totals,
    }
    (shards / "manifest.json").write_text(json.dumps(manifest))
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A tiny repetitive Korean corpus: byte-level BPE tokenizer, train and valid shards."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    root = tmp_path_factory.mktemp("corpus")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(
        SENTENCES * 20,
        trainers.BpeTrainer(
            vocab_size=400,
            special_tokens=SPECIALS,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<pad>"
    ).save_pretrained(root / "tokenizer")
    rng = np.random.default_rng(0)
    docs = [
        tok.encode(" ".join(rng.choice(SENTENCES, size=int(rng.integers(1, 4))))).ids + [2]
        for _ in range(160)
    ]
    tok_file = root / "tokenizer" / "tokenizer.json"
    info = {
        "path": str(root / "tokenizer"),
        "vocab_size": tok.get_vocab_size(),
        "eod_id": 2,
        "sha256": hashlib.sha256(tok_file.read_bytes()).hexdigest(),
    }
    return write_shards(root, {"train": docs[:140], "valid": docs[140:]}, info, per_shard=50)


def tiny(**overrides) -> TrainConfig:
    values = dict(
        max_steps=30,
        seq_len=32,
        micro_batch_size=4,
        warmup_steps=3,
        lr=3e-3,
        eval_interval=0,
        eval_iters=2,
        checkpoint_interval=0,
        log_interval=10,
        export=False,
    )
    return TrainConfig(**{**values, **overrides})


# ---------------------------------------------------------------------------- model


def test_polyglot_preset_has_exact_parameter_count():
    info = describe("polyglot-ko-1.3b")
    assert info["parameters"] == 1_331_810_304
    assert info["padded_vocab_size"] == 30080
    assert info["config"]["rotary_pct"] == 0.5
    assert info["config"]["num_hidden_layers"] == 24


def test_custom_sizes_and_vocab_padding():
    cfg = TrainConfig(preset="polyglot-ko-1.3b", num_layers=2, vocab_size=30081).resolved()
    assert cfg.padded_vocab_size == 30208 and cfg.hidden_size == 2048 and cfg.num_layers == 2
    # presets apply late, so replacing the preset of a config (as config files do) takes effect
    import dataclasses

    assert dataclasses.replace(TrainConfig(), preset="polyglot-ko-1.3b").resolved().num_layers == 24
    assert describe(TrainConfig(vocab_size=300))["parameters"] < 1_000_000
    with pytest.raises(ValueError, match="num_heads"):
        TrainConfig(hidden_size=65).resolved()


# ---------------------------------------------------------------------------- data


def test_windows_pack_documents_across_eod(tmp_path):
    docs = [[10 + i] * n + [2] for i, n in enumerate([3, 7, 1, 12, 5, 4])]
    write_shards(tmp_path, {"train": docs}, per_shard=2)  # three shards, read as one stream
    seq_len = 5
    packed = PackedDataset(Documents(tmp_path, "train"), seq_len, seed=7)
    packed[0]  # loads epoch 0: the document order and the window order
    stream = np.concatenate([docs[i] for i in packed._order])
    assert sorted(packed._order) == list(range(len(docs)))
    assert packed.samples_per_epoch == (len(stream) - 1) // seq_len
    by_start = {}
    for i in range(packed.samples_per_epoch):
        k = int(packed._windows[i])
        by_start[k] = packed[i].tolist()
        assert by_start[k] == stream[k * seq_len : k * seq_len + seq_len + 1].tolist()
    assert sorted(by_start) == list(range(packed.samples_per_epoch))  # each window once an epoch
    for k in range(packed.samples_per_epoch - 1):  # one-token overlap between neighbours
        assert len(by_start[k]) == seq_len + 1 and by_start[k][-1] == by_start[k + 1][0]
    assert 2 in sum(by_start.values(), [])[:-1]  # windows run across document ends


def test_order_is_deterministic_and_seeded(tmp_path):
    docs = [[5 + i % 50] * (1 + i % 9) + [2] for i in range(200)]
    write_shards(tmp_path, {"train": docs})

    def windows(seed):
        packed = PackedDataset(Documents(tmp_path, "train"), 16, seed)
        return np.stack([packed[i] for i in range(packed.samples_per_epoch + 5)])

    assert np.array_equal(windows(1), windows(1))
    assert not np.array_equal(windows(1), windows(2))
    again = windows(1)  # epoch 1 is a fresh shuffle, not a replay of epoch 0
    n = PackedDataset(Documents(tmp_path, "train"), 16, 1).samples_per_epoch
    assert not np.array_equal(again[n : n + 5], again[:5])


def test_blend_follows_weights_and_resumes(tmp_path):
    a = write_shards(tmp_path / "a", {"train": [[7] * 40 + [2]] * 20})
    b = write_shards(tmp_path / "b", {"train": [[9] * 40 + [2]] * 20})
    blend = build_blend([a, b], "train", 8, seed=3, weights=[3.0, 1.0])
    pairs = blend.next_indices(400)
    share = sum(d == 0 for d, _ in pairs) / len(pairs)
    assert share == pytest.approx(0.75, abs=0.01)
    assert all(set(row) <= {7, 2} for row in blend.read([p for p in pairs if p[0] == 0][:5]))
    # a restored position continues exactly where the original went on
    state = blend.state_dict()
    ahead = blend.next_indices(50)
    other = build_blend([a, b], "train", 8, seed=3, weights=[3.0, 1.0])
    other.load_state_dict(state)
    assert other.next_indices(50) == ahead


def test_missing_valid_split_is_skipped_missing_train_is_an_error(tmp_path):
    a = write_shards(tmp_path / "a", {"train": [[7] * 40 + [2]] * 3, "valid": []})
    assert build_blend([a], "valid", 8, seed=1) is None
    b = write_shards(tmp_path / "b", {"valid": [[7] * 40 + [2]] * 3})
    with pytest.raises(ValueError, match="no train shards"):
        build_blend([b], "train", 8, seed=1)


# ---------------------------------------------------------------------------- training


def test_loss_falls_on_a_repetitive_corpus(corpus, tmp_path):
    summary = train(tiny(max_steps=40), [str(corpus)], str(tmp_path))
    losses = [summary["losses"][s] for s in range(1, 41)]
    assert all(np.isfinite(losses))
    assert np.mean(losses[-5:]) < 0.6 * np.mean(losses[:5])
    assert summary["eval_loss"] is not None and np.isfinite(summary["eval_perplexity"])
    assert summary["tokens_per_s"] > 0
    log = [json.loads(line) for line in (tmp_path / "train_log.jsonl").read_text().splitlines()]
    assert {"step", "loss", "lr", "tokens_per_s"} <= set(log[1])


def test_kill_and_resume_matches_an_uninterrupted_run(corpus, tmp_path, monkeypatch):
    cfg = tiny(max_steps=12, checkpoint_interval=5, grad_accum_steps=2)
    full = train(cfg, [str(corpus)], str(tmp_path / "full"))

    import trainer.train as loop

    real_step = torch.optim.AdamW.step
    calls = {"n": 0}

    def dying_step(self, *args, **kwargs):  # the process dies during step 8
        calls["n"] += 1
        if calls["n"] == 8:
            raise KeyboardInterrupt
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.AdamW, "step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        loop.train(cfg, [str(corpus)], str(tmp_path / "killed"))
    monkeypatch.setattr(torch.optim.AdamW, "step", real_step)
    assert loop.latest_checkpoint(tmp_path / "killed").name == "step_00000005.pt"

    resumed = train(
        TrainConfig.from_dict({**cfg.to_dict(), "resume": True}),
        [str(corpus)],
        str(tmp_path / "killed"),
    )
    assert resumed["start_step"] == 5
    assert [resumed["losses"][s] for s in range(6, 13)] == [full["losses"][s] for s in range(6, 13)]
    assert resumed["eval_loss"] == full["eval_loss"]


def test_resume_refuses_a_different_model_and_fresh_runs_refuse_old_checkpoints(corpus, tmp_path):
    train(tiny(max_steps=2, checkpoint_interval=2), [str(corpus)], str(tmp_path))
    with pytest.raises(ValueError, match="hidden_size"):
        train(tiny(max_steps=4, hidden_size=32, resume=True), [str(corpus)], str(tmp_path))
    with pytest.raises(ValueError, match="already holds checkpoints"):
        train(tiny(max_steps=4), [str(corpus)], str(tmp_path))


def test_export_loads_with_auto_classes_and_generates(corpus, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    train(tiny(max_steps=3, export=True), [str(corpus)], str(tmp_path))
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["rotary_pct"] == 0.5 and config["vocab_size"] % 128 == 0
    assert (tmp_path / "model.safetensors").is_file()
    model = AutoModelForCausalLM.from_pretrained(tmp_path)
    tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    assert tokenizer.eos_token_id == model.config.eos_token_id == 2
    inputs = tokenizer("오늘은 날씨가", return_tensors="pt")
    out = model.generate(**inputs, max_new_tokens=5, do_sample=False, pad_token_id=0)
    assert out.shape[1] > inputs["input_ids"].shape[1]


# ---------------------------------------------------------------------------- runner


def test_cli_describe_and_train(corpus, tmp_path, capsys):
    assert main(["train", "--preset", "polyglot-ko-1.3b", "--describe"]) == 0
    assert "1,331,810,304" in capsys.readouterr().out
    config = tmp_path / "kprep.toml"
    config.write_text("[train]\nlog_interval = 1\nmax_steps = 5\n")
    argv = ["train", "--data", str(corpus), "--output", str(tmp_path / "model")]
    argv += ["--config", str(config), "--max-steps", "2", "--seq-len", "16", "--no-export"]
    assert main(argv) == 0
    assert (tmp_path / "model" / "train_summary.json").is_file()
    trained = json.loads((tmp_path / "model" / "train_config.json").read_text())
    assert trained["log_interval"] == 1 and trained["max_steps"] == 2  # the file, then flags


def test_neox_config_yaml(corpus, tmp_path):
    import yaml

    out = tmp_path / "neox.yml"
    argv = ["neox-config", "--data", str(corpus), "--preset", "polyglot-ko-1.3b"]
    assert main([*argv, "--output", str(out)]) == 0
    neox = yaml.safe_load(out.read_text())
    assert neox["num_layers"] == 24 and neox["hidden_size"] == 2048
    assert neox["rotary_pct"] == 0.5 and neox["gpt_j_residual"] is True
    assert neox["data_impl"] == "mmap" and neox["tokenizer_type"] == "HFTokenizer"
    assert neox["vocab_file"].endswith("tokenizer.json")
    assert len(neox["train_data_paths"]) == 3 and len(neox["valid_data_paths"]) == 1
    assert neox["train_data_paths"][0].endswith("shards/train_00000")
    assert neox["optimizer"]["params"]["lr"] == 2e-4


@pytest.mark.slow
def test_ddp_on_two_cpu_processes_matches_one_process_and_resumes(corpus, tmp_path):
    """torchrun with 2 gloo workers = one process accumulating 2 micro-batches; resume exact."""
    common = [
        "train",
        "--data",
        str(corpus),
        "--device",
        "cpu",
        "--max-steps",
        "8",
        "--seq-len",
        "32",
        "--micro-batch-size",
        "4",
        "--checkpoint-interval",
        "4",
        "--no-export",
    ]
    assert main(common + ["--output", str(tmp_path / "one"), "--grad-accum-steps", "2"]) == 0
    assert main(common + ["--output", str(tmp_path / "two"), "--nproc", "2"]) == 0

    def losses(run):
        return json.loads((tmp_path / run / "train_summary.json").read_text())["losses"]

    one, two = losses("one"), losses("two")
    assert [one[s] for s in one] == pytest.approx([two[s] for s in one], rel=1e-5)
    (tmp_path / "two" / "checkpoints" / "step_00000008.pt").unlink()
    assert main(common + ["--output", str(tmp_path / "two"), "--nproc", "2", "--resume"]) == 0
    resumed = losses("two")
    assert sorted(resumed, key=int) == ["5", "6", "7", "8"]
    assert [resumed[s] for s in resumed] == [two[s] for s in resumed]
