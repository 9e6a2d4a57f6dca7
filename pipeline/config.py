"""kprep's configuration: one dataclass per section, the single source of every option.

A config file has one table per section (``[input]``, ``[prepare]``, ``[pii]``, ...); every key
is a field of the section's dataclass, and fields declared with ``option(...)`` are also flags
(transforms/config_flags.py). Defaults, then the file, then the flags given; the effective config
is written to ``OUTPUT/config.json`` so a run can be repeated exactly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from tokenizer_training.config import TokenizerTrainingConfig
from trainer.config import TrainConfig
from transforms.config_flags import ConfigError, load_config_file, merged, nested, option
from transforms.decontaminate import DecontaminateConfig
from transforms.dedupe import DedupeConfig
from transforms.filters.base import FilterConfig
from transforms.mixing import MixingError, parse_schedule, parse_weights
from transforms.pii import DEFAULT_PII_TOKENS
from transforms.read import InputConfig

__all__ = ["ConfigError", "KprepConfig", "build_config", "load_config_file"]


@dataclass
class PrepareConfig:
    """The ``[prepare]`` section; its ``[prepare.filters]`` table holds the filter thresholds."""

    reduce_repeats: bool = option(
        False, help="shorten runs of a repeated character (ㅋㅋㅋㅋ -> ㅋㅋ)"
    )
    strict: bool = option(
        False,
        help="fail (after writing outputs) when an input file could not be read to the end or "
        "records shared ids",
    )
    repeated_line_min_docs: int = option(
        5, help="keep a line found in more than this many documents only once"
    )
    output_shards: int = option(0, help="Parquet files in clean/; 0: one per ~128 MB of input")
    language_id: bool = option(
        True,
        help="identify each document's language with CLD2 (the lang, lang_score and korean_share "
        "columns, and the korean_share rule); off: those columns stay null and the rule is off, "
        "which saves about 9%% of prepare's CPU on a corpus known to be Korean",
    )
    filters: FilterConfig = field(default_factory=FilterConfig)


@dataclass
class PiiConfig:
    """The ``[pii]`` section: the token that replaces each kind of number."""

    tokens: dict[str, str] = option(
        default_factory=lambda: dict(DEFAULT_PII_TOKENS), flag=False, help="kind -> token"
    )


@dataclass
class ShardsConfig:
    """The ``[shards]`` section of ``kprep tokenize``."""

    valid_fraction: float = option(0.01, help="share of documents in the valid split")
    test_fraction: float = option(0.01, help="share of documents in the test split")
    seed: int = option(1234, help="shuffle seed")
    target_shard_tokens: int = option(500_000_000, help="tokens per shard file")
    seq_length: int = option(2048, help="seq_length written into neox_data.yml")
    fast_encoder: bool = option(
        True, help="encode with tiktoken where it is proven to give the tokenizer's exact ids"
    )
    # Mixing (transforms/mixing.py); the defaults write one train stream, each document once.
    mix_by: str | None = option(
        None,
        help="write train shards per group: 'source', another clean column or a metadata field",
        unset="one train stream",
    )
    mix_default_group: str = option(
        "unknown", help="group of documents without the --mix-by metadata field"
    )
    source_weights: list[str] = option(
        default_factory=list,
        help="NAME=WEIGHT per group: its train tokens are drawn WEIGHT times as often",
        unset="1 each",
    )
    upsample_by_cluster: str | None = option(
        None,
        help="write a train document N times by its duplicate-cluster size, e.g. "
        '"1:1,2-10:2,11-100:3,101+:1"',
        unset="once each",
    )

    def __post_init__(self):
        # Parsed here so a bad value stops the command before anything runs.
        weights = parse_weights(self.source_weights)
        if weights and not self.mix_by:
            raise MixingError("--source-weights needs --mix-by (source or a metadata field)")
        if self.upsample_by_cluster:
            parse_schedule(self.upsample_by_cluster)
        if self.mix_by is not None and not self.mix_by.strip():
            raise MixingError("--mix-by names 'source' or a metadata field; it is empty")


@dataclass
class KprepConfig:
    input: InputConfig = field(default_factory=InputConfig)
    prepare: PrepareConfig = field(default_factory=PrepareConfig)
    pii: PiiConfig = field(default_factory=PiiConfig)
    dedupe: DedupeConfig = field(default_factory=DedupeConfig)
    decontaminate: DecontaminateConfig = field(default_factory=DecontaminateConfig)
    tokenizer: TokenizerTrainingConfig = field(default_factory=TokenizerTrainingConfig)
    shards: ShardsConfig = field(default_factory=ShardsConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def section_classes() -> dict[str, type]:
    """Each config section's dataclass, by section name."""
    return {f.name: type(f.default_factory()) for f in dataclasses.fields(KprepConfig)}


def build_config(
    file_values: dict[str, Any] | None = None, overrides: dict[str, Any] | None = None
) -> KprepConfig:
    """Defaults, then the config file's sections, then flags (``{"section.key": value}``)."""
    config = merged(KprepConfig(), file_values or {}, "config")
    return merged(config, nested(overrides or {}), "flags")
