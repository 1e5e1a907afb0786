"""A small Qwen2-VL built from scratch: configuration, tokenizer and processor.

The demo profile needs a vision-language model that learns the synthetic world's cues on two
CPU cores in minutes. It is a real ``Qwen2VLForConditionalGeneration``, saved with
``save_pretrained`` and loaded back by Core's reasoner like any hub model. Its byte-level BPE
tokenizer is trained on the prompt and on answers in the paper's format, so that prompts and
reasons are short token sequences; its chat template and special tokens are Qwen2-VL's own.

Fixed prompts (the reasoner's question, above all) can be given as whole phrases: each becomes
one added token, matched before the BPE as Hugging Face tokenizers match added tokens. A model
this small cannot read a 100-word question anyway, and one token instead of a hundred and
more makes every training step and every answer several times cheaper on a CPU. Real bases
(Qwen2-VL) keep their own tokenizer and read the prompt word by word.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from georeasoner.tiny.qwen2vl import CHAT_TEMPLATE, SPECIAL_TOKENS, save_random_qwen2vl, small_qwen2vl_config


@dataclass(frozen=True)
class BaseSize:
    """Sizes of a small Qwen2-VL (text decoder and vision tower)."""

    hidden: int = 128
    layers: int = 4
    heads: int = 4
    kv_heads: int = 2
    vision_depth: int = 3
    vision_dim: int = 96
    vision_heads: int = 4
    vocab: int = 1024
    image_side: int = 112  # images are processed at most this large (multiple of 28)


def train_tokenizer(corpus: Iterable[str], vocab_size: int, phrases: Iterable[str] = ()):
    """A ``Qwen2Tokenizer`` whose BPE merges are learnt from ``corpus``, with Qwen2-VL's
    special tokens and chat template, and each of ``phrases`` as one added token."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import Qwen2Tokenizer

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - len(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(list(corpus), trainer=trainer)
    merges = json.loads(bpe.to_str())["model"]["merges"]
    tokenizer = Qwen2Tokenizer(
        vocab=bpe.get_vocab(),
        merges=[tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in merges],
        additional_special_tokens=list(SPECIAL_TOKENS[1:]),
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.add_tokens(list(phrases))
    return tokenizer


def base_config(tokenizer, size: BaseSize):
    return small_qwen2vl_config(
        tokenizer,
        hidden=size.hidden,
        layers=size.layers,
        heads=size.heads,
        kv_heads=size.kv_heads,
        vision_depth=size.vision_depth,
        vision_dim=size.vision_dim,
        vision_heads=size.vision_heads,
    )


def base_processor(tokenizer, image_side: int):
    from transformers import Qwen2VLImageProcessor, Qwen2VLProcessor, Qwen2VLVideoProcessor

    pixels = {"min_pixels": 28 * 28, "max_pixels": image_side * image_side}
    return Qwen2VLProcessor(
        image_processor=Qwen2VLImageProcessor(**pixels),
        video_processor=Qwen2VLVideoProcessor(**pixels),
        tokenizer=tokenizer,
        chat_template=CHAT_TEMPLATE,
    )


def build_base(out_dir: str | Path, corpus: Iterable[str], size: BaseSize = BaseSize(), seed: int = 0,
               phrases: Iterable[str] = ()) -> Path:
    """Save a randomly initialised small Qwen2-VL with its processor to ``out_dir``; each of
    ``phrases`` is one token of its tokenizer."""
    tokenizer = train_tokenizer(corpus, size.vocab, phrases)
    return save_random_qwen2vl(base_config(tokenizer, size), base_processor(tokenizer, size.image_side), out_dir, seed)
