"""Train a byte-level BPE vocabulary laid out like Polyglot-Ko's released tokenizer.

Ids: 0 ``<pad>``, 1 ``<eos>``, 2 ``<|endoftext|>``, 3 ``<|sep|>``, 4-259 the 256 byte symbols,
then merges up to ``vocab_size - 1``, then the PII tokens as special added tokens in the order
of their kinds' ``token_position`` in transforms/pii.py (``<|acc|>``, ``<|tel|>``, ``<|rrn|>`` at
30000-30002 by default). The pre-tokenizer splits on and removes U+0CF1, the morpheme-boundary
mark of the training text, so merges never cross a boundary while raw text encodes as plain
byte-level BPE.

    clean/ -> [Beam] sample + Kiwi morpheme split -> tokenizer_sample/ -> BpeTrainer -> tokenizer/
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from operator import attrgetter

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

from tokenizer_training.morphemes import MORPHEME_BOUNDARY
from transforms.files import join, write_text
from transforms.layout import TOKENIZER_JSON
from transforms.pii import PII_REGISTRY

log = logging.getLogger("kprep")

SPECIAL_TOKENS = ("<pad>", "<eos>", "<|endoftext|>", "<|sep|>")
EOD_TOKEN = "<|endoftext|>"
# Kinds in the order of their token ids: ("acc", "tel", "rrn"), released as ids 30000-30002.
PII_TOKEN_ORDER = tuple(
    kind.name for kind in sorted(PII_REGISTRY, key=attrgetter("token_position"))
)
MODEL_MAX_LENGTH = 2048


def empty_tokenizer() -> Tokenizer:
    """BPE with the released tokenizer's pre-tokenizer, post-processor and decoder."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(MORPHEME_BOUNDARY, behavior="removed"),
            pre_tokenizers.ByteLevel(add_prefix_space=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    return tokenizer


def ordered_pii_tokens(pii_tokens: Mapping[str, str]) -> list[str]:
    """PII token strings in id order: the released order first, any other kinds by name."""
    kinds = [k for k in PII_TOKEN_ORDER if k in pii_tokens]
    kinds += sorted(k for k in pii_tokens if k not in PII_TOKEN_ORDER)
    return [pii_tokens[k] for k in kinds]


def without_reserved(texts: Iterable[str], reserved: Iterable[str]) -> Iterator[str]:
    """Texts with each reserved token replaced by a boundary, so no merge learns its pieces."""
    pattern = re.compile("|".join(re.escape(t) for t in sorted(reserved, key=len, reverse=True)))
    for text in texts:
        yield pattern.sub(MORPHEME_BOUNDARY, text)


def train_bpe(
    texts: Iterable[str],
    vocab_size: int,
    pii_tokens: Mapping[str, str],
    show_progress: bool = False,
    length: int | None = None,
) -> Tokenizer:
    """A byte-level BPE tokenizer of ``vocab_size`` ids plus the PII tokens.

    ``texts`` may carry U+0CF1 morpheme boundaries; merges never cross them. ``length`` (the
    number of texts) only feeds the progress bar.
    """
    minimum = len(SPECIAL_TOKENS) + 256
    if vocab_size <= minimum:
        raise ValueError(f"vocab_size must exceed {minimum} (specials and bytes), got {vocab_size}")
    pii = ordered_pii_tokens(pii_tokens)
    tokenizer = empty_tokenizer()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=show_progress,
    )
    # The trainer does not extract special tokens from the text: hide them from it.
    training_texts = without_reserved(texts, [*SPECIAL_TOKENS, *pii])
    tokenizer.train_from_iterator(training_texts, trainer=trainer, length=length)
    learned = tokenizer.get_vocab_size(with_added_tokens=True)
    if learned < vocab_size:
        log.warning(
            "the sample has too little text for %d ids: learned %d, so the PII tokens start at "
            "id %d instead of %d; train on more text for the released layout",
            vocab_size,
            learned,
            learned,
            vocab_size,
        )
    tokenizer.add_special_tokens(pii)
    return tokenizer


def save_tokenizer_dir(tokenizer: Tokenizer, out_dir: str) -> None:
    """tokenizer.json plus the config files transformers' AutoTokenizer reads (any filesystem)."""
    specials = {
        "bos_token": EOD_TOKEN,
        "eos_token": EOD_TOKEN,
        "unk_token": EOD_TOKEN,
        "pad_token": "<pad>",
    }
    added = [
        t.content
        for _, t in sorted(tokenizer.get_added_tokens_decoder().items())
        if t.content not in SPECIAL_TOKENS
    ]
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MODEL_MAX_LENGTH,
        "clean_up_tokenization_spaces": False,
        "additional_special_tokens": added,
        **specials,
    }
    write_text(join(out_dir, TOKENIZER_JSON), tokenizer.to_str(pretty=True))
    write_text(join(out_dir, "tokenizer_config.json"), json.dumps(config, indent=2) + "\n")
    specials_map = dict(specials, additional_special_tokens=added)
    write_text(join(out_dir, "special_tokens_map.json"), json.dumps(specials_map, indent=2) + "\n")
