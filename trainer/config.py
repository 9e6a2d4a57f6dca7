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

VOCAB_MULTIPLE = 128  # embedding rows padded to this (GPT-NeoX make_vocab_size_divisible_by)

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
    preset: str = "tiny"

    # model (None: from the preset)
    vocab_size: int | None = None  # tokenizer ids before padding; None in the preset: the manifest
    hidden_size: int | None = None
    num_layers: int | None = None
    num_heads: int | None = None
    intermediate_size: int | None = None
    rotary_pct: float | None = None  # share of each head's dims that get RoPE
    rotary_emb_base: int = 10000
    parallel_residual: bool = True  # GPT-NeoX's gpt_j_residual
    layer_norm_eps: float = 1e-5
    init_std: float = 0.02

    # data: one window is seq_len + 1 tokens; a step is micro x accum x GPUs windows
    seq_len: int | None = None
    micro_batch_size: int | None = None
    grad_accum_steps: int | None = None
    data_weights: list[float] | None = None  # one per data dir; None: equal weights

    # optimiser and schedule: linear warmup to lr, cosine down to min_lr at lr_decay_steps
    max_steps: int | None = None
    lr: float | None = None
    min_lr: float | None = None
    warmup_steps: int | None = None
    lr_decay_steps: int | None = None  # None: max_steps
    weight_decay: float | None = None  # on matrices and embeddings, never on biases and norms
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-8
    grad_clip: float = 1.0  # 0 turns clipping off
    seed: int = 1234

    # evaluation, checkpoints, logs (in steps); 0 turns eval or checkpoints off
    eval_interval: int | None = None
    eval_iters: int | None = None  # micro-batches of the valid split per evaluation
    checkpoint_interval: int | None = None
    keep_checkpoints: int = 2
    log_interval: int | None = None
    resume: bool = False  # continue from the newest checkpoint in output_dir/checkpoints
    export: bool = True  # save_pretrained the final model and the tokenizer into output_dir

    # system
    device: str = "auto"  # auto: cuda when present, else cpu
    dtype: str = "auto"  # auto: bf16 autocast on GPUs that have it, fp32 otherwise
    compile: bool = False
    activation_checkpointing: bool = False
    fsdp: bool = False  # shard params, grads and optimizer state over GPUs instead of DDP
    peak_tflops: float | None = None  # per GPU, for MFU; None: looked up from the GPU name

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
        return -(-self.vocab_size // VOCAB_MULTIPLE) * VOCAB_MULTIPLE

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
