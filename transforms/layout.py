"""The run directory and the shards directory: the one place that knows their paths and files.

    RUN/config.json         the effective config            RUN/clean/      clean Parquet
    RUN/stats.json          counts and timings per stage    RUN/rejected/   rejected rows
    RUN/tokenizer_sample/   Kiwi-split BPE training text    RUN/tokenizer/  Hugging Face tokenizer
    RUN/shards/             .bin/.idx, manifest.json, neox_data.yml
    RUN/model/              the trained GPT-NeoX (Hugging Face)
    RUN/eval.json           held-out perplexity and benchmark scores (kprep eval)
    RUN/.kprep/             stage completion markers

Paths may be local or on any Beam filesystem (gs://, s3://). Megatron's ``get_bin_path`` /
``get_idx_path`` own their format's paths the same way; the shard files themselves are
transforms/megatron.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from apache_beam.io.filesystems import FileSystems
from tokenizers import Tokenizer

from transforms.files import join, read_json, write_json, write_text
from transforms.mixing import group_weight

CONFIG_FILE = "config.json"
STATS_FILE = "stats.json"
EVAL_FILE = "eval.json"
MANIFEST = "manifest.json"
NEOX_DATA_CONFIG = "neox_data.yml"
TOKENIZER_JSON = "tokenizer.json"
SPLITS = ("train", "valid", "test")
# GPT-NeoX pads the embedding to a multiple of this (make_vocab_size_divisible_by).
VOCAB_MULTIPLE = 128


@dataclass(frozen=True)
class RunLayout:
    """Every path of one run directory."""

    root: str

    @property
    def config_file(self) -> str:
        return join(self.root, CONFIG_FILE)

    @property
    def stats_file(self) -> str:
        return join(self.root, STATS_FILE)

    @property
    def clean(self) -> str:
        return join(self.root, "clean")

    @property
    def rejected(self) -> str:
        return join(self.root, "rejected")

    @property
    def tokenizer_sample(self) -> str:
        return join(self.root, "tokenizer_sample")

    @property
    def tokenizer(self) -> str:
        return join(self.root, "tokenizer")

    @property
    def shards(self) -> str:
        return join(self.root, "shards")

    @property
    def model(self) -> str:
        return join(self.root, "model")

    @property
    def eval_file(self) -> str:
        return join(self.root, EVAL_FILE)

    @property
    def markers(self) -> str:
        return join(self.root, ".kprep")

    def marker(self, name: str) -> str:
        """A stage's completion marker (or other bookkeeping) file under RUN/.kprep/."""
        return join(self.markers, f"{name}.json")

    def outputs(self) -> list[tuple[str, str]]:
        """(name, what it holds) of a run's outputs, in the order they are made."""
        return [
            (CONFIG_FILE, "effective config"),
            (STATS_FILE, "counts and timings per stage"),
            ("clean/", "clean documents (Parquet)"),
            ("rejected/", "rejected rows with stage and reason"),
            ("tokenizer/", "Hugging Face tokenizer"),
            ("shards/", f"Megatron .bin/.idx, {MANIFEST}, {NEOX_DATA_CONFIG}"),
            ("model/", "trained GPT-NeoX (Hugging Face)"),
            (EVAL_FILE, "held-out perplexity and benchmark scores"),
        ]


def run_dir_of(clean_dir: str) -> str:
    """The run directory that holds ``clean_dir``."""
    stripped = clean_dir.rstrip("/")
    return stripped.rsplit("/", 1)[0] if "/" in stripped else "."


# ----------------------------------------------------------------------------- stats.json


def load_stats(run_dir: str) -> dict[str, Any]:
    path = RunLayout(run_dir).stats_file
    return read_json(path) if FileSystems.exists(path) else {"stages": {}}


def record_stage_stats(run_dir: str, stage: str, values: dict[str, Any]) -> dict[str, Any]:
    """Put one stage's figures into ``run_dir/stats.json``, keeping the other stages'."""
    stats = load_stats(run_dir)
    stats["stages"][stage] = values
    write_json(RunLayout(run_dir).stats_file, stats)
    return stats


# ----------------------------------------------------------------------------- tokenizer


def tokenizer_json(path: str) -> str:
    """The tokenizer file ``path`` names: itself (``.json``, ``.json.gz``), or the
    tokenizer.json in the directory it names."""
    return path if path.endswith((".json", ".json.gz")) else join(path, TOKENIZER_JSON)


def read_tokenizer_json(path: str) -> str:
    """The text of a tokenizer.json (or gzipped one), or of the one in a directory."""
    with FileSystems.open(tokenizer_json(path)) as handle:  # decompresses .gz by extension
        return handle.read().decode("utf-8")


def load_tokenizer(path: str) -> Tokenizer:
    """A tokenizer from a tokenizer.json file or a directory holding one, on any filesystem."""
    return Tokenizer.from_str(read_tokenizer_json(path))


def padded_vocab_size(ids: int) -> int:
    """Embedding rows for ``ids`` token ids, as GPT-NeoX pads them."""
    return -(-ids // VOCAB_MULTIPLE) * VOCAB_MULTIPLE


# ----------------------------------------------------------------------------- shards


def shards_dir(data_dir: str | Path) -> Path:
    """The local dir holding manifest.json: ``data_dir/shards`` or ``data_dir`` itself."""
    path = Path(data_dir)
    for candidate in (path / "shards", path):
        if (candidate / MANIFEST).is_file():
            return candidate
    raise FileNotFoundError(f"{path}: no {MANIFEST} in it or in {path / 'shards'}")


def read_manifest(data_dir: str | Path) -> dict[str, Any]:
    """The manifest of a shards dir (on any filesystem) or of a local run dir's shards/."""
    path = join(str(data_dir), MANIFEST)
    if not FileSystems.exists(path):
        path = str(shards_dir(data_dir) / MANIFEST)
    return read_json(path)


def find_tokenizer(data_dir: str | Path, given: str | None = None) -> str | None:
    """The tokenizer (dir or file) of a run's shards: ``given``, else the manifest's path
    (absolute or relative to the shards dir), else RUN/tokenizer; None when none holds one."""
    root = shards_dir(data_dir)
    recorded = read_manifest(root)["tokenizer"].get("path")
    candidates = [Path(given)] if given else []
    if recorded:
        candidates += [Path(recorded), root / recorded]
    candidates.append(root.parent / "tokenizer")
    for path in candidates:
        if Path(tokenizer_json(str(path))).is_file():
            return str(path)
    if given:
        raise FileNotFoundError(f"{given}: no {TOKENIZER_JSON} there")
    return None


def make_manifest(
    shards: list[dict[str, Any]],
    tokenizer: dict[str, Any],
    dtype: str,
    seed: int,
    sources: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of a shards dir, from the records of every written shard; ``sources``
    (transforms.mixing.sources_section) counts documents and tokens per group. A split's
    counts are what its files hold (upsampled copies included)."""
    shards = sorted(shards, key=lambda s: s["name"])
    manifest = {
        "format": "megatron-mmap",
        "dtype": dtype,
        "seed": seed,
        "tokenizer": tokenizer,
        "shards": shards,
        "splits": {
            split: {
                "shards": sum(1 for s in shards if s["split"] == split),
                "documents": sum(s["documents"] for s in shards if s["split"] == split),
                "tokens": sum(s["tokens"] for s in shards if s["split"] == split),
            }
            for split in SPLITS
        },
    }
    if sources is not None:
        manifest["sources"] = sources
    return manifest


def neox_data_config(
    datasets: Sequence[tuple[str, dict[str, Any], float]], vocab_file: str
) -> dict[str, Any]:
    """GPT-NeoX's data keys for (shards dir, manifest, weight) datasets blended by weight.

    Each split lists every shard prefix with its dataset's weight shared out by tokens, so
    GPT-NeoX reads each dataset as the one stream the bundled trainer reads. A shard of a
    group's own (``--mix-by``) counts its tokens times the group's weight, so each group gets
    the share the bundled trainer gives it. A split with no shards gets empty lists.
    """
    config: dict[str, Any] = {}
    for split in SPLITS:
        paths, weights = [], []
        for directory, manifest, weight in datasets:
            shards = [s for s in manifest["shards"] if s["split"] == split]
            effective = [s["tokens"] * group_weight(manifest, s.get("group")) for s in shards]
            total = sum(effective)
            for shard, tokens in zip(shards, effective, strict=True):
                paths.append(join(directory, shard["name"]))
                weights.append(round(weight * tokens / total, 8) if total else 0.0)
        config[f"{split}_data_paths"] = paths
        config[f"{split}_data_weights"] = weights
    config.update({"data_impl": "mmap", "tokenizer_type": "HFTokenizer", "vocab_file": vocab_file})
    return config


def write_manifest(shards_dir: str, manifest: dict[str, Any], seq_length: int) -> None:
    """manifest.json and the neox_data.yml fragment that points GPT-NeoX at the shards."""
    data = neox_data_config(
        [(shards_dir, manifest, 1.0)], tokenizer_json(manifest["tokenizer"]["path"])
    )
    data["seq_length"] = seq_length
    write_text(join(shards_dir, NEOX_DATA_CONFIG), yaml.safe_dump(data, sort_keys=False))
    write_json(join(shards_dir, MANIFEST), manifest)
