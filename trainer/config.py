"""Every knob of the bundled trainer, in one torch-free dataclass.

A preset fills the fields left at ``None`` (:meth:`TrainConfig.resolved`); any field can be set
by hand, so ``TrainConfig(preset="polyglot-ko-1.3b", num_layers=2)`` is the 1.3B recipe cut to
two layers.
The pipeline's own config imports this module on machines without torch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from transforms.config_flags import option
from transforms.layout import padded_vocab_size

PRESETS: dict[str, dict[str, Any]] = {
    # A few hundred thousand parameters: trains on a CPU in seconds, for tests and smoke runs.
    # vocab_size stays None: the shards' manifest gives it.
    "tiny": dict(
        hidden_size=64,
        num_layers=2,
        num_heads=4,
        intermediate_size=256,
        rotary_pct=0.5,
        seq_len=64,
        micro_batch_size=8,
        grad_accum_steps=1,
        max_steps=200,
        lr=1e-3,
        min_lr=1e-4,
        warmup_steps=10,
        weight_decay=0.1,
        eval_interval=50,
        eval_iters=4,
        checkpoint_interval=100,
        log_interval=10,
    ),
    # EleutherAI/polyglot-ko-1.3b (FACTS §1): 1,331,810,304 parameters, 30,003 ids padded to 30,080.
    # Optimiser values follow GPT-NeoX's configs/1-3B.yml. micro 8 x accum 16 x 8 GPUs = 1024
    # windows of 2048 tokens a step, as in the model card: on G GPUs use grad_accum_steps 128 / G.
    "polyglot-ko-1.3b": dict(
        vocab_size=30003,
        hidden_size=2048,
        num_layers=24,
        num_heads=16,
        intermediate_size=8192,
        rotary_pct=0.5,
        seq_len=2048,
        micro_batch_size=8,
        grad_accum_steps=16,
        max_steps=102_000,
        lr=2e-4,
        min_lr=2e-5,
        warmup_steps=1020,
        weight_decay=0.1,
        eval_interval=1000,
        eval_iters=10,
        checkpoint_interval=1000,
        log_interval=10,
    ),
}


@dataclass
class TrainConfig:
    preset: str = option(
        "tiny",
        choices=sorted(PRESETS),
        help="tiny (CPU tests) or polyglot-ko-1.3b (FACTS §1); other fields override it",
    )

    # model (None: from the preset)
    vocab_size: int | None = option(
        None,
        help="tokenizer ids before padding to a multiple of 128",
        unset="the preset's, else the manifest's",
    )
    hidden_size: int | None = option(None, help="model width")
    num_layers: int | None = option(None, help="transformer layers")
    num_heads: int | None = option(None, help="attention heads")
    intermediate_size: int | None = option(None, help="MLP width")
    rotary_pct: float | None = option(None, help="share of each head's dims that get RoPE")
    rotary_emb_base: int = option(10000, help="RoPE base")
    parallel_residual: bool = option(
        True, help="GPT-NeoX's gpt_j_residual (attention and MLP in parallel)"
    )
    layer_norm_eps: float = option(1e-5, help="LayerNorm epsilon")
    init_std: float = option(0.02, help="weight init standard deviation")

    # data: one window is seq_len + 1 tokens; a step is micro x accum x GPUs windows
    seq_len: int | None = option(None, help="tokens a window predicts (a window holds seq_len + 1)")
    micro_batch_size: int | None = option(None, help="windows per GPU per forward pass")
    grad_accum_steps: int | None = option(None, help="micro-batches per optimizer step")
    data_weights: list[float] | None = option(
        None, help="blend weights, one per --data dir", unset="equal"
    )

    # optimiser and schedule: linear warmup to lr, cosine down to min_lr at lr_decay_steps
    max_steps: int | None = option(None, help="optimizer steps")
    lr: float | None = option(None, help="peak learning rate (after linear warmup)")
    min_lr: float | None = option(None, help="learning rate at the end of the cosine decay")
    warmup_steps: int | None = option(None, help="linear warmup steps")
    lr_decay_steps: int | None = option(None, help="steps of the cosine decay", unset="max_steps")
    weight_decay: float | None = option(
        None, help="AdamW weight decay, on matrices and embeddings, never on biases and norms"
    )
    beta1: float = option(0.9, help="AdamW beta1")
    beta2: float = option(0.95, help="AdamW beta2")
    eps: float = option(1e-8, help="AdamW epsilon")
    grad_clip: float = option(1.0, help="gradient norm clip; 0 turns clipping off")
    seed: int = option(1234, help="init and data-order seed")

    # evaluation, checkpoints, logs (in steps); 0 turns eval or checkpoints off
    eval_interval: int | None = option(None, help="steps between evaluations; 0: none")
    eval_iters: int | None = option(None, help="micro-batches of the valid split per evaluation")
    checkpoint_interval: int | None = option(None, help="steps between checkpoints; 0: none")
    keep_checkpoints: int = option(2, help="checkpoints kept")
    log_interval: int | None = option(None, help="steps between log lines")
    resume: bool = option(False, help="continue from the newest checkpoint in OUTPUT/checkpoints")
    export: bool = option(
        True, help="save_pretrained the model and tokenizer into OUTPUT at the end"
    )

    # system
    device: str = option("auto", help="auto (cuda when present), cpu, cuda, cuda:1, ...")
    dtype: str = option("auto", help="auto (bf16 autocast on GPU, fp32 on CPU), bf16 or fp32")
    compile: bool = option(False, help="torch.compile the model")
    activation_checkpointing: bool = option(
        False, help="recompute activations in backward to save memory"
    )
    fsdp: bool = option(
        False, help="shard the model over GPUs (FSDP2) instead of replicating it (DDP)"
    )
    peak_tflops: float | None = option(
        None, help="per-GPU peak TFLOPS for MFU", unset="looked up from the GPU name"
    )

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            raise ValueError(f"unknown preset {self.preset!r}; choose one of {sorted(PRESETS)}")

    def resolved(self) -> TrainConfig:
        """A copy with the fields left at None filled from the preset, checked.

        Presets fill in here rather than in ``__init__`` so that ``dataclasses.replace(cfg,
        preset=...)`` (how the pipeline's config files set options) still picks up the preset.
        """
        values = {k: v for k, v in PRESETS[self.preset].items() if getattr(self, k) is None}
        cfg = dataclasses.replace(self, **values)
        if cfg.lr_decay_steps is None:
            cfg.lr_decay_steps = cfg.max_steps
        cfg.validate()
        return cfg

    def validate(self) -> None:
        if self.hidden_size % self.num_heads:
            raise ValueError(
                f"hidden_size {self.hidden_size} is not a multiple of num_heads {self.num_heads}"
            )
        for name in ("seq_len", "micro_batch_size", "grad_accum_steps", "max_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 < self.rotary_pct <= 1:
            raise ValueError(f"rotary_pct must be in (0, 1], got {self.rotary_pct}")
        if self.data_weights is not None and any(w < 0 for w in self.data_weights):
            raise ValueError(f"data_weights must not be negative: {self.data_weights}")
        if self.dtype not in ("auto", "bf16", "fp32"):
            raise ValueError(f"dtype must be auto, bf16 or fp32, got {self.dtype!r}")

    @property
    def padded_vocab_size(self) -> int:
        if self.vocab_size is None:
            raise ValueError("vocab_size is unknown: set it or read it from a shards manifest")
        return padded_vocab_size(self.vocab_size)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown TrainConfig fields {unknown}")
        return cls(**values)


# Fields that fix the model's shape and the data order: a resumed run must keep them. Batch sizes
# may change (fewer or more GPUs): the data position is counted in windows, not steps.
RESUME_FIXED = (
    "vocab_size",
    "hidden_size",
    "num_layers",
    "num_heads",
    "intermediate_size",
    "rotary_pct",
    "rotary_emb_base",
    "parallel_residual",
    "seq_len",
    "data_weights",
    "seed",
)
