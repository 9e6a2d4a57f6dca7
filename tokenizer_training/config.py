"""The ``[tokenizer]`` options of tokenizer training and the tokenizer report."""

from __future__ import annotations

from dataclasses import dataclass

from transforms.config_flags import option


@dataclass(frozen=True)
class TokenizerTrainingConfig:
    """The ``[tokenizer]`` section."""

    vocab_size: int = option(
        30000, help="ids before the PII tokens: 4 specials, 256 bytes, then merges"
    )
    sample_bytes: int = option(
        1_000_000_000, help="bytes of clean text (drawn by id hash) to train on"
    )
    morpheme_split: bool = option(
        True,
        help="merges never cross Kiwi morpheme boundaries (Polyglot-Ko); off: plain byte-level BPE",
    )
    held_out_bytes: int = option(
        2_000_000, help="text for the tokenizer report, from outside the training sample"
    )
    compare_to: str = option(
        "", help="tokenizer.json the report sets beside this one; empty: the released Polyglot-Ko"
    )

    def __post_init__(self) -> None:
        if self.sample_bytes <= 0 or self.held_out_bytes <= 0:
            raise ValueError("tokenizer sample_bytes and held_out_bytes must be positive")
