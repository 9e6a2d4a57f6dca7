"""Train a byte-level BPE vocabulary laid out like Polyglot-Ko's released tokenizer.

Ids: 0 ``<pad>``, 1 ``<eos>``, 2 ``<|endoftext|>``, 3 ``<|sep|>``, 4-259 the 256 byte symbols,
then merges up to ``vocab_size - 1``, then the PII tokens as special added tokens
(``<|acc|>``, ``<|tel|>``, ``<|rrn|>`` at 30000-30002 by default). The pre-tokenizer splits
on and removes U+0CF1, the morpheme-boundary mark of the training text, so merges never
cross a boundary while raw text encodes as plain byte-level BPE.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

from pipeline.outputs import list_parquet
from transforms.records import stable_hash

SPECIAL_TOKENS = ("<pad>", "<eos>", "<|endoftext|>", "<|sep|>")
EOD_TOKEN = "<|endoftext|>"
MORPHEME_BOUNDARY = "\u0cf1"
PII_TOKEN_ORDER = ("acc", "tel", "rrn")  # the released tokenizer's order of ids 30000-30002


def empty_tokenizer() -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(MORPHEME_BOUNDARY), behavior="removed"),
            pre_tokenizers.ByteLevel(add_prefix_space=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    return tokenizer


def train_bpe(
    texts: Iterable[str], vocab_size: int, pii_tokens: Mapping[str, str], show_progress: bool = False
) -> Tokenizer:
    """A byte-level BPE tokenizer of ``vocab_size`` ids plus the PII tokens."""
    minimum = len(SPECIAL_TOKENS) + 256
    if vocab_size <= minimum:
        raise ValueError(f"vocab_size must exceed {minimum} (specials and bytes), got {vocab_size}")
    tokenizer = empty_tokenizer()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=show_progress,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    tokenizer.add_special_tokens([pii_tokens[kind] for kind in PII_TOKEN_ORDER])
    return tokenizer


def save_tokenizer_dir(tokenizer: Tokenizer, out_dir: str | Path) -> None:
    """tokenizer.json plus the config files transformers' AutoTokenizer reads."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(out / "tokenizer.json"))
    specials = {
        "bos_token": EOD_TOKEN,
        "eos_token": EOD_TOKEN,
        "unk_token": EOD_TOKEN,
        "pad_token": "<pad>",
    }
    added = [t for t in tokenizer.get_added_tokens_decoder().values() if t.content not in SPECIAL_TOKENS]
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": 2048,
        "clean_up_tokenization_spaces": False,
        "additional_special_tokens": [t.content for t in added],
        **specials,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    specials_map = dict(specials, additional_special_tokens=[t.content for t in added])
    (out / "special_tokens_map.json").write_text(json.dumps(specials_map, indent=2) + "\n")


def text_bytes(files: list[str]) -> int:
    """Uncompressed bytes of the ``text`` column, from the Parquet footers alone."""
    total = 0
    for path in files:
        with FileSystems.open(path) as handle:
            metadata = pq.ParquetFile(handle).metadata
        column = metadata.schema.names.index("text")
        for group in range(metadata.num_row_groups):
            total += metadata.row_group(group).column(column).total_uncompressed_size
    return total


def sample_clean_texts(clean_dir: str, sample_bytes: int) -> Iterator[str]:
    """A deterministic sample of about ``sample_bytes`` of clean text, chosen by id hash."""
    files = list_parquet(clean_dir)
    available = text_bytes(files)
    keep_below = 2**64 if available <= sample_bytes else int(2**64 * sample_bytes / available)
    for path in files:
        with FileSystems.open(path) as handle:
            for batch in pq.ParquetFile(handle).iter_batches(columns=["id", "text"]):
                ids, texts = batch.column("id").to_pylist(), batch.column("text").to_pylist()
                for doc_id, text in zip(ids, texts, strict=True):
                    if stable_hash("tokenizer-sample", doc_id) < keep_below:
                        yield text


def run_train_tokenizer(
    clean_dir: str, out_dir: str, vocab_size: int, sample_bytes: int,
    pii_tokens: Mapping[str, str], show_progress: bool = True,
) -> dict:
    """Train on a sample of clean/ and save the Hugging Face files; returns the figures."""
    started = time.monotonic()
    if not list_parquet(clean_dir):
        raise FileNotFoundError(
            f"no clean Parquet files in {clean_dir}: run `kprep prepare` first"
        )
    sampled = {"documents": 0, "bytes": 0}

    def counted(texts: Iterable[str]) -> Iterator[str]:
        for text in texts:
            sampled["documents"] += 1
            sampled["bytes"] += len(text.encode("utf-8"))
            yield text

    tokenizer = train_bpe(
        counted(sample_clean_texts(clean_dir, sample_bytes)), vocab_size, pii_tokens,
        show_progress=show_progress,
    )
    save_tokenizer_dir(tokenizer, out_dir)
    return {
        "sample_documents": sampled["documents"],
        "sample_bytes": sampled["bytes"],
        "vocab_size": tokenizer.get_vocab_size(with_added_tokens=True),
        "wall_s": round(time.monotonic() - started, 2),
    }
