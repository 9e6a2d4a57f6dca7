"""The ``[tokenizer]`` options of tokenizer training and the tokenizer report."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenizerTrainingConfig:
    vocab_size: int = 30000  # ids before the PII tokens: 4 specials, 256 bytes, then merges
    sample_bytes: int = 1_000_000_000  # UTF-8 text drawn from clean/ (by id hash) to train on
    morpheme_split: bool = True  # Kiwi morpheme boundaries that no merge may cross (Polyglot-Ko)
    held_out_bytes: int = 2_000_000  # text for `kprep tokenizer-report`, outside the sample
    compare_to: str = ""  # tokenizer the report sets beside ours; "" = the released Polyglot-Ko

    def __post_init__(self) -> None:
        if self.sample_bytes <= 0 or self.held_out_bytes <= 0:
            raise ValueError("tokenizer sample_bytes and held_out_bytes must be positive")
