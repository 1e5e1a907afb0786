"""A tiny, randomly initialised Qwen2-VL saved like a real checkpoint.

Tests and offline demos load it through the same ``from_pretrained`` path as the real
models. Its configuration is a real ``Qwen2VLConfig`` with small sizes; its tokenizer is a
byte-level BPE trained on a small corpus, with the special tokens and the chat template
that Qwen2-VL uses.
"""

from __future__ import annotations

from pathlib import Path

#: Special tokens of Qwen2-VL, in its own order.
SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)

#: The chat template of Qwen2-VL-Instruct (images and text in a message's content list).
CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}"
    "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}"
    "{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

#: Text the tokenizer learns its merges from: the chat scaffolding and answers in the
#: paper's format, so that prompts and answers tokenize into a few hundred tokens.
CORPUS = (
    "system user assistant You are a helpful assistant.",
    'Where was this street photo taken? Answer with a JSON object: {"country": "France", '
    '"city": "Paris", "reasons": "Haussmann facades, French signs, a Paris metro entrance."}',
    '{"country": "Japan", "city": "Tokyo", "reasons": "Left-hand traffic, kanji shop signs."}',
    '{"country": "Brazil", "city": "Rio de Janeiro", "reasons": "Portuguese street names."}',
    '{"country": "United States", "city": "New York", "reasons": "Yellow cabs, grid streets."}',
    '{"country": null, "city": null, "reasons": "unknown: no clues in the image"}',
    "Germany Berlin Italy Rome Spain Madrid India Mumbai Canada Toronto Kenya Nairobi",
    "country city reasons clues road signs language architecture vegetation driving side",
)

VOCAB_SIZE = 512


def _train_tokenizer():
    """A Qwen2 tokenizer whose byte-level BPE merges come from ``CORPUS``."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import Qwen2Tokenizer

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE - len(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(CORPUS, trainer=trainer)
    tokenizer = Qwen2Tokenizer(
        vocab=bpe.get_vocab(),
        merges=_merges_of(bpe),
        additional_special_tokens=list(SPECIAL_TOKENS[1:]),
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def _merges_of(bpe) -> list[tuple[str, str]]:
    import json

    merges = json.loads(bpe.to_str())["model"]["merges"]
    return [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in merges]


def small_qwen2vl_config(
    tokenizer,
    hidden: int = 64,
    layers: int = 2,
    heads: int = 4,
    kv_heads: int = 2,
    vision_depth: int = 1,
    vision_dim: int = 32,
    vision_heads: int = 2,
):
    """A real ``Qwen2VLConfig`` of the given (small) sizes for ``tokenizer``.

    The defaults are the tiny test model's; ``training/base_model.py`` asks for larger ones.
    The multimodal rotary sections split half a head's dimensions into time, height, width.
    """
    from transformers import Qwen2VLConfig

    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS}
    half_head = hidden // heads // 2
    temporal = half_head // 4
    spatial = (half_head - temporal) // 2
    text_config = {
        "vocab_size": len(tokenizer),
        "hidden_size": hidden,
        "intermediate_size": 2 * hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": kv_heads,
        "max_position_embeddings": 4096,
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": 10000.0,
            "mrope_section": [temporal, spatial, half_head - temporal - spatial],
        },
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "pad_token_id": ids["<|endoftext|>"],
    }
    vision_config = {
        "depth": vision_depth,
        "embed_dim": vision_dim,
        "hidden_size": hidden,
        "mlp_ratio": 2,
        "num_heads": vision_heads,
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
    }
    return Qwen2VLConfig(
        text_config=text_config,
        vision_config=vision_config,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )


def _processor(tokenizer):
    from transformers import Qwen2VLImageProcessor, Qwen2VLProcessor, Qwen2VLVideoProcessor

    pixels = {"min_pixels": 28 * 28 * 4, "max_pixels": 28 * 28 * 16}
    return Qwen2VLProcessor(
        image_processor=Qwen2VLImageProcessor(**pixels),
        video_processor=Qwen2VLVideoProcessor(**pixels),
        tokenizer=tokenizer,
        chat_template=CHAT_TEMPLATE,
    )


def build_tiny_qwen2vl(out_dir: str | Path, seed: int = 0) -> Path:
    """Build, save and return the directory of a tiny random Qwen2-VL with its processor."""
    tokenizer = _train_tokenizer()
    return save_random_qwen2vl(small_qwen2vl_config(tokenizer), _processor(tokenizer), out_dir, seed)


def save_random_qwen2vl(config, processor, out_dir: str | Path, seed: int = 0) -> Path:
    """Save a seeded, randomly initialised Qwen2-VL of ``config`` with ``processor`` (greedy
    generation defaults) to ``out_dir``, loadable with ``from_pretrained``."""
    import torch
    from transformers import GenerationConfig, Qwen2VLForConditionalGeneration

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    model = Qwen2VLForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        bos_token_id=config.text_config.bos_token_id,
        eos_token_id=config.text_config.eos_token_id,
        pad_token_id=config.text_config.pad_token_id,
        do_sample=False,
    )
    model.save_pretrained(out)
    processor.save_pretrained(out)
    return out
