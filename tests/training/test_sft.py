"""The two LoRA stages: data format, prompt masking, training, resuming, and Core loading them."""

from __future__ import annotations

import json

import pytest

from training.conversations import (
    Conversation,
    from_qwen_vl,
    read_conversations,
    scene_answer,
    scene_conversations,
    write_conversations,
)
from training.encoding import IGNORE_INDEX, collate, encode
from training.heldout import answer_correct, clue_precision, ece
from training.sft import SftConfig, main, train_sft

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    from training.synthetic import read_index, write_dataset

    root = tmp_path_factory.mktemp("scenes")
    write_dataset(root, 12, seed=4, size=56)
    return read_index(root)


@pytest.fixture(scope="module")
def reason_data(scenes, tmp_path_factory):
    return write_conversations(tmp_path_factory.mktemp("data") / "reason.jsonl", scene_conversations(scenes, "reason"))


def _config(base, data, out, **changes) -> SftConfig:
    settings = dict(stage="reason", base=str(base), data=str(data), out=str(out), steps=6, batch_size=4, lr=5e-3,
                    warmup=1, lora_r=8, lora_alpha=16, lora_dropout=0.0, max_pixels=56 * 56, save_every=0,
                    max_new_tokens=8, progress=False)
    return SftConfig(**{**settings, **changes})


def test_qwen_vl_conversations_convert_to_records_with_image_prompt_and_answer(tmp_path):
    (tmp_path / "photos").mkdir()
    source = tmp_path / "qwen.json"
    source.write_text(json.dumps([{"id": "a", "conversations": [
        {"from": "user", "value": "<img>photos/1.jpg</img>\nWhere is this?"},
        {"from": "assistant", "value": '{"country": "Japan", "city": "Osaka", "reasons": "signs"}'},
    ]}]))
    (record,) = read_conversations(from_qwen_vl(source, tmp_path / "out" / "data.jsonl"))
    assert record.image == str(tmp_path / "photos" / "1.jpg")
    assert record.prompt == "Where is this?"
    assert json.loads(record.answer)["city"] == "Osaka"


def test_qwen_vl_turn_with_only_an_image_gets_the_reasoners_prompt(tmp_path):
    source = tmp_path / "qwen.jsonl"
    source.write_text(json.dumps({"conversations": [{"from": "user", "value": "<img>/data/x.jpg</img>"},
                                                    {"from": "assistant", "value": "Lyon, France"}]}) + "\n")
    (record,) = read_conversations(from_qwen_vl(source, tmp_path / "data.jsonl"))
    assert (record.image, record.prompt, record.answer) == ("/data/x.jpg", None, "Lyon, France")


def test_stage1_answer_names_the_city_only_when_the_reasons_pin_it_down(scenes):
    for scene in scenes:
        answer = json.loads(scene_answer(scene, "reason"))
        pinned = f"point to {scene['city']}, {scene['country']}." in scene["reasons"]
        assert answer["country"] == scene["country"]
        assert answer["city"] == (scene["city"] if pinned else None)
        assert json.loads(scene_answer(scene, "location"))["city"] == scene["city"]


def test_location_data_keeps_only_highly_locatable_scenes(scenes):
    records = scene_conversations(scenes, "location", min_locatability=0.4)
    assert {r.id for r in records} == {s["id"] for s in scenes if s["locatability"] >= 0.4}


def test_prompt_tokens_are_masked_out_of_the_labels(tiny_qwen2vl_dir, scenes):
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained(tiny_qwen2vl_dir)
    record = scene_conversations(scenes[:1], "location")[0]
    example = encode(processor, record, 56 * 56)
    answer_length = int((example["labels"] != IGNORE_INDEX).sum())
    prompt_length = len(example["labels"]) - answer_length
    assert (example["labels"][:prompt_length] == IGNORE_INDEX).all()
    assert processor.tokenizer.decode(example["labels"][prompt_length:]) == record.answer + "<|im_end|>"
    assert (example["input_ids"][prompt_length:] == example["labels"][prompt_length:]).all()
    image_token = processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")
    assert (example["input_ids"][:prompt_length] == image_token).any()


def test_batches_pad_labels_with_the_ignore_index(tiny_qwen2vl_dir, scenes):
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained(tiny_qwen2vl_dir)
    short = Conversation("t", None, "Where?", "Paris")
    long = scene_conversations(scenes[:1], "location")[0]
    batch = collate([encode(processor, r, 56 * 56) for r in (short, long)], processor.tokenizer.pad_token_id)
    padding = batch["attention_mask"] == 0
    assert padding[0].any() and not padding[1].any()
    assert (batch["labels"][padding] == IGNORE_INDEX).all()
    assert batch["image_grid_thw"].shape[0] == 1


def test_reason_stage_lowers_the_loss_and_its_adapter_loads_in_cores_reasoner(tiny_qwen2vl_dir, reason_data,
                                                                               scenes, tmp_path):
    from PIL import Image

    from georeasoner.models import ModelProfile
    from georeasoner.reasoner.lvlm import LvlmReasoner

    report = train_sft(_config(tiny_qwen2vl_dir, reason_data, tmp_path / "lora-reason"))
    assert report["final_loss"] < report["first_loss"]
    profile = ModelProfile(name="t", lvlm=str(tiny_qwen2vl_dir), adapters=(str(tmp_path / "lora-reason"),),
                           max_new_tokens=8)
    (answer,) = LvlmReasoner(profile, "cpu").locate([Image.open(scenes[0]["image"])])
    assert answer.raw is not None and 0.0 <= answer.confidence <= 1.0
    assert json.loads((tmp_path / "lora-reason" / "train_report.json").read_text())["stage"] == "reason"
    assert (tmp_path / "lora-reason" / "loss.png").stat().st_size > 0


def test_location_stage_trains_on_stage1_merged_and_both_adapters_stack(tiny_qwen2vl_dir, reason_data, scenes,
                                                                         tmp_path):
    from georeasoner.models import ModelProfile
    from georeasoner.reasoner.lvlm import LvlmReasoner

    stage1 = tmp_path / "lora-reason"
    train_sft(_config(tiny_qwen2vl_dir, reason_data, stage1, steps=2))
    data = write_conversations(tmp_path / "location.jsonl", scene_conversations(scenes, "location"))
    heldout = write_conversations(tmp_path / "heldout.jsonl", scene_conversations(scenes[:4], "location"))
    report = train_sft(_config(tiny_qwen2vl_dir, data, tmp_path / "lora-location", stage="location",
                               adapters=(str(stage1),), eval_data=str(heldout)))
    assert report["final_loss"] < report["first_loss"]
    assert report["held_out"]["n"] == 4 and "ece" in report["held_out"]
    profile = ModelProfile(name="t", lvlm=str(tiny_qwen2vl_dir),
                           adapters=(str(stage1), str(tmp_path / "lora-location")), max_new_tokens=8)
    assert len(LvlmReasoner(profile, "cpu").locate([])) == 0


def test_resumed_run_continues_from_the_checkpoint_and_keeps_its_losses(tiny_qwen2vl_dir, reason_data, tmp_path):
    out = tmp_path / "run"
    train_sft(_config(tiny_qwen2vl_dir, reason_data, out, steps=2, save_every=1, keep_checkpoint=True))
    assert json.loads((out / "checkpoint" / "state.json").read_text())["step"] == 2
    first_losses = json.loads((out / "train_report.json").read_text())["losses"]
    train_sft(_config(tiny_qwen2vl_dir, reason_data, out, steps=4, resume=True))
    losses = json.loads((out / "train_report.json").read_text())["losses"]
    assert len(losses) == 4 and losses[:2] == first_losses
    assert not (out / "checkpoint").exists()


def test_pretrain_stage_trains_a_from_scratch_base_into_a_loadable_model(scenes, tmp_path, capsys):
    from transformers import AutoModelForImageTextToText

    from georeasoner.reasoner.prompt import PROMPT
    from training.base_model import BaseSize, build_base

    base = build_base(tmp_path / "base", [PROMPT] + [s["reasons"] for s in scenes],
                      BaseSize(hidden=32, layers=1, heads=2, kv_heads=1, vision_depth=1, vision_dim=32,
                               vision_heads=2, vocab=400, image_side=56))
    data = write_conversations(tmp_path / "caption.jsonl", scene_conversations(scenes, "caption"))
    assert main(["--stage", "pretrain", "--base", str(base), "--data", str(data), "--out", str(tmp_path / "model"),
                 "--steps", "6", "--batch-size", "4", "--lr", "0.01", "--warmup", "1", "--max-pixels", "3136",
                 "--no-progress"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["final_loss"] < summary["first_loss"]
    assert AutoModelForImageTextToText.from_pretrained(tmp_path / "model").config.model_type == "qwen2_vl"


def test_ece_is_zero_for_calibrated_and_large_for_overconfident_answers():
    assert ece([0.75] * 4, [True, True, True, False]) == pytest.approx(0.0)
    assert ece([0.99] * 4, [False, False, False, True]) == pytest.approx(0.74)


def test_clue_precision_counts_named_clues_the_scene_shows():
    vocabulary = ["blue rectangular sign", "orange bollard", "driving side: left"]
    reasons = ["Clues: blue rectangular sign (Japan); orange bollard (Japan).", "driving side: left"]
    shown = [["blue rectangular sign"], ["orange bollard"]]
    assert clue_precision(reasons, shown, vocabulary) == pytest.approx(1 / 3)


def test_an_answer_is_correct_when_all_it_names_is_right():
    assert answer_correct("Japan", None, "Japan", "Osaka")
    assert answer_correct("japan", "Osaka", "Japan", "Osaka")
    assert not answer_correct("Japan", "Tokyo", "Japan", "Osaka")


def test_short_reasons_keep_only_the_clues_that_narrow_the_place_down():
    from training.conversations import short_reasons

    clues = ["driving side: left", "blue rectangular sign", "orange bollard", "magenta city band"]
    assert short_reasons(clues, 3) == "Clues: blue rectangular sign; magenta city band."
    assert short_reasons(clues, 1) == "Clues: blue rectangular sign."
    assert short_reasons([], 3) == "No clear clues."


def test_location_answers_with_short_reasons_still_name_the_true_place(scenes):
    for scene in scenes:
        answer = json.loads(scene_answer(scene, "location", reason_clues=2))
        assert (answer["country"], answer["city"]) == (scene["country"], scene["city"])
        named = answer["reasons"].removeprefix("Clues: ").rstrip(".").split("; ") if scene["clues"] else []
        assert len(named) <= 2 and set(named) <= set(scene["clues"])


def test_fixed_prompt_is_one_token_of_a_base_built_with_it_as_a_phrase(tmp_path):
    from transformers import AutoProcessor

    from georeasoner.reasoner.prompt import PROMPT
    from training.base_model import BaseSize, build_base

    base = build_base(tmp_path / "base", [PROMPT, "Clues: none."], BaseSize(hidden=32, layers=1, heads=2, kv_heads=1,
                      vision_depth=1, vision_dim=32, vision_heads=2, vocab=300, image_side=56), phrases=(PROMPT,))
    tokenizer = AutoProcessor.from_pretrained(base).tokenizer
    assert len(tokenizer(PROMPT)["input_ids"]) == 1
    assert tokenizer.decode(tokenizer(f"Say: {PROMPT}")["input_ids"]) == f"Say: {PROMPT}"


def test_fitted_temperature_cools_overconfident_answers_to_their_accuracy():
    import numpy as np

    from training.calibration import SpanLogits, confidences, fit_temperature

    logits = np.zeros((1, 10))
    logits[0, 3] = 6.0  # 98% sure of token 3
    spans = [SpanLogits(logits, np.array([3]), correct=i % 2 == 0) for i in range(100)]
    temperature = fit_temperature(spans)
    correct = [span.correct for span in spans]
    assert temperature > 1
    assert ece(confidences(spans, temperature), correct) < 0.05 < ece(confidences(spans, 1.0), correct)


def test_scaled_lm_head_divides_the_models_logits_by_the_temperature(tiny_qwen2vl_dir, tmp_path):
    import shutil

    import torch
    from transformers import AutoModelForImageTextToText

    from training.calibration import scale_lm_head

    model_dir = shutil.copytree(tiny_qwen2vl_dir, tmp_path / "lvlm")
    ids = torch.tensor([[5, 9, 11, 7]])
    before = AutoModelForImageTextToText.from_pretrained(model_dir)(input_ids=ids).logits
    scale_lm_head(model_dir, 2.0)
    after = AutoModelForImageTextToText.from_pretrained(model_dir)(input_ids=ids).logits
    assert torch.allclose(after, before / 2, atol=1e-5)
