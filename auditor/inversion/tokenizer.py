"""The inverter's output vocabulary: a cased byte-level BPE with single-digit tokens.

Why not the encoder's own WordPiece: it is uncased and splits punctuation, so recovered text
reads "john smith , 575 - 85 - 5582", which costs PII detection recall. Byte-level BPE keeps
case and exact punctuation, and splitting digits one per token lets the model copy numbers
digit by digit instead of memorising number chunks.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

PAD, BOS, EOS, HYP = "<pad>", "<s>", "</s>", "<hyp>"
SPECIALS = [PAD, BOS, EOS, HYP]


def train_tokenizer(texts: Iterable[str], vocab_size: int = 8192) -> object:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        min_frequency=2,
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def save_tokenizer(tok: object, out_dir: Path, model_max_length: int = 256) -> None:
    """Write tokenizer.json plus the config files transformers and vLLM look for."""
    from transformers import PreTrainedTokenizerFast

    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        additional_special_tokens=[HYP],
        model_max_length=model_max_length,
    )
    fast.save_pretrained(str(out_dir))


def load_tokenizer(model_dir: Path) -> object:
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast.from_pretrained(str(model_dir), local_files_only=True)
