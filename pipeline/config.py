"""kprep's configuration: one dataclass per stage, loaded from TOML/YAML, overridden by flags.

A config file has one table per section (``[input]``, ``[prepare]``, ``[pii]``, ...); every key
is a field below. Command-line flags override the file; the effective config is written to
``OUTPUT/config.json`` so a run can be repeated exactly.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tokenizer_training.config import TokenizerTrainingConfig
from trainer.config import TrainConfig
from transforms.dedupe import DedupeConfig
from transforms.filters.base import FilterConfig
from transforms.pii import DEFAULT_PII_TOKENS


class ConfigError(ValueError):
    """A config file or value kprep cannot use; the message names the key and what to do."""


@dataclass
class InputConfig:
    patterns: list[str] = field(default_factory=list)
    format: str = "auto"  # auto (by extension), jsonl, text or parquet
    text_field: str = "text"
    text_split: str = "file"  # plain text: one document per file, or per blank-line block


@dataclass
class PrepareConfig:
    reduce_repeats: bool = False  # ㅋㅋㅋㅋ -> ㅋㅋ
    strict: bool = False  # fail the run (after writing it) when a file could not be read
    # A line found in more than this many documents is kept only in one keeper document.
    repeated_line_min_docs: int = 5
    # Parquet files per output directory; 0 picks one per ~128 MB of input text.
    output_shards: int = 0
    filters: FilterConfig = field(default_factory=FilterConfig)


@dataclass
class PiiConfig:
    tokens: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PII_TOKENS))


@dataclass
class ShardsConfig:
    valid_fraction: float = 0.01
    test_fraction: float = 0.01
    seed: int = 1234
    target_shard_tokens: int = 500_000_000
    seq_length: int = 2048  # written into neox_data.yml
    fast_encoder: bool = True  # tiktoken where it gives exactly the tokenizer's ids


@dataclass
class KprepConfig:
    input: InputConfig = field(default_factory=InputConfig)
    prepare: PrepareConfig = field(default_factory=PrepareConfig)
    pii: PiiConfig = field(default_factory=PiiConfig)
    dedupe: DedupeConfig = field(default_factory=DedupeConfig)
    tokenizer: TokenizerTrainingConfig = field(default_factory=TokenizerTrainingConfig)
    shards: ShardsConfig = field(default_factory=ShardsConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _merged(instance: Any, values: dict[str, Any], where: str) -> Any:
    """A copy of a dataclass instance with ``values`` set, recursing into nested dataclasses."""
    fields = {f.name for f in dataclasses.fields(instance)}
    changes = {}
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in fields:
            raise ConfigError(
                f"unknown option {key!r} in [{where}]; known options: {', '.join(sorted(fields))}"
            )
        current = getattr(instance, name)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"[{where}.{name}] must be a table of options")
            changes[name] = _merged(current, value, f"{where}.{name}")
        else:
            changes[name] = _coerce(value, current, f"{where}.{name}")
    return dataclasses.replace(instance, **changes)


def _coerce(value: Any, current: Any, where: str) -> Any:
    if value is None:
        return None  # switches an optional rule off
    if isinstance(current, bool) and not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    if isinstance(current, int | float) and not isinstance(current, bool):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        if isinstance(current, int) and value != int(value):
            raise ConfigError(f"{where} must be a whole number, got {value!r}")
        return type(current)(value)
    if isinstance(current, list) and isinstance(value, str):
        return [part for part in value.split(",") if part]
    return value


def load_config_file(path: str | Path) -> dict[str, Any]:
    """The sections of a TOML or YAML config file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} not found")
    try:
        if path.suffix == ".toml":
            return tomllib.loads(path.read_text(encoding="utf-8"))
        if path.suffix in (".yaml", ".yml"):
            return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: {err}") from err
    raise ConfigError(f"config file {path}: use .toml, .yaml or .yml")


def build_config(
    file_values: dict[str, Any] | None = None, overrides: dict[str, Any] | None = None
) -> KprepConfig:
    """Defaults, then the config file's sections, then flag overrides ("section.key": value)."""
    config = _merged(KprepConfig(), file_values or {}, "config")
    nested: dict[str, Any] = {}
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        target = nested
        *parents, leaf = dotted.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return _merged(config, nested, "flags")
