"""Model profiles, model lookup and the ``models`` command."""

from __future__ import annotations

import argparse
from pathlib import Path
import json

import pytest

from georeasoner.errors import GeoReasonerError, ModelNotFoundError
from georeasoner.models import (
    ModelProfile,
    add_model_arguments,
    dtype_for,
    load_profile,
    locate_model,
    profile_from_args,
    resolve_device,
)

MISSING_HUB_MODEL = "georeasoner-tests/no-such-model"


def write_profile(path, **fields):
    path.write_text(json.dumps({"lvlm": MISSING_HUB_MODEL, **fields}), encoding="utf-8")
    return path


def test_shipped_paper_profile_stacks_two_adapters_on_qwen2vl_7b():
    profile = load_profile("paper")
    assert profile.lvlm == "Qwen/Qwen2-VL-7B-Instruct"
    assert [a.rsplit("/", 1)[-1] for a in profile.adapters] == ["lora-reason", "lora-location"]
    assert profile.clip == "ViT-L-14:openai"
    assert profile.segmenter.startswith("nvidia/segformer")


def test_shipped_small_profile_uses_qwen2vl_2b_and_vit_b_32():
    profile = load_profile("small")
    assert (profile.lvlm, profile.clip) == ("Qwen/Qwen2-VL-2B-Instruct", "ViT-B-32:openai")


def test_profile_directory_paths_are_relative_to_it(tmp_path):
    (tmp_path / "lora-a").mkdir()
    (tmp_path / "lvlm").mkdir()
    write_profile(tmp_path / "profile.json", lvlm="lvlm", adapters=["lora-a"], locatability_head="head.pt")
    profile = load_profile(str(tmp_path))
    assert profile.name == tmp_path.name
    assert profile.lvlm == str(tmp_path / "lvlm")
    assert profile.adapters == (str(tmp_path / "lora-a"),)
    assert profile.locatability_head == str(tmp_path / "head.pt")


def test_profile_json_file_is_named_after_the_file_and_keeps_hub_ids(tmp_path):
    profile = load_profile(str(write_profile(tmp_path / "mine.json", clip="ViT-B-16:openai")))
    assert (profile.name, profile.lvlm, profile.clip) == ("mine", MISSING_HUB_MODEL, "ViT-B-16:openai")


def test_user_profile_in_config_directory_is_found_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "georeasoner" / "profiles"
    folder.mkdir(parents=True)
    write_profile(folder / "office.json", max_new_tokens=64)
    assert load_profile("office").max_new_tokens == 64


def test_unknown_profile_error_lists_the_available_ones():
    with pytest.raises(GeoReasonerError, match="paper.*small"):
        load_profile("no-such-profile")


def test_overrides_replace_single_models_and_keep_the_others():
    profile = load_profile("paper", {"lvlm": "Qwen/Qwen2-VL-2B-Instruct", "adapters": ["/data/lora"], "clip": None})
    assert profile.lvlm == "Qwen/Qwen2-VL-2B-Instruct"
    assert profile.adapters == ("/data/lora",)
    assert profile.clip == "ViT-L-14:openai"


def test_cli_flags_override_the_selected_profile(tmp_path):
    parser = argparse.ArgumentParser()
    add_model_arguments(parser)
    args = parser.parse_args(
        ["--profile", "paper", "--adapter", "/a/one", "--adapter", "/a/two", "--locatability-head", "/h.pt"]
    )
    profile = profile_from_args(args)
    assert (profile.adapters, profile.locatability_head) == (("/a/one", "/a/two"), "/h.pt")
    assert profile.lvlm == "Qwen/Qwen2-VL-7B-Instruct"


def test_model_id_names_the_profile_and_its_model():
    assert load_profile("paper").model_id == "paper (Qwen2-VL-7B-Instruct + 2 LoRA)"


def test_explicit_device_wins_and_cpu_computes_in_float32():
    import torch

    assert resolve_device("cpu") == "cpu"
    assert dtype_for("cpu") == torch.float32
    assert dtype_for("cuda:0") == torch.bfloat16


def test_missing_hub_model_names_it_and_the_download_command(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotFoundError) as error:
        locate_model(MISSING_HUB_MODEL, "mine", "lvlm")
    assert MISSING_HUB_MODEL in str(error.value)
    assert "georeasoner models download mine" in str(error.value)


def test_missing_local_adapter_is_named_in_the_error(tmp_path):
    with pytest.raises(ModelNotFoundError, match="adapter 1 .*lora-gone"):
        locate_model(str(tmp_path / "lora-gone"), "mine", "adapter 1")


def test_models_download_fails_with_one_line_offline(tmp_path, monkeypatch, capsys):
    from georeasoner.cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    profile = write_profile(tmp_path / "mine.json", clip="ViT-B-32:random")
    assert main(["models", "download", str(profile)]) == 2
    error_lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("georeasoner: error:")]
    assert len(error_lines) == 1
    assert MISSING_HUB_MODEL in error_lines[0] and "georeasoner models download mine" in error_lines[0]


def test_tiny_qwen2vl_loads_back_with_from_pretrained(tiny_qwen2vl_dir):
    from transformers import AutoModelForImageTextToText, AutoProcessor, Qwen2VLForConditionalGeneration

    model = AutoModelForImageTextToText.from_pretrained(tiny_qwen2vl_dir)
    processor = AutoProcessor.from_pretrained(tiny_qwen2vl_dir)
    assert isinstance(model, Qwen2VLForConditionalGeneration)
    assert model.config.text_config.num_hidden_layers == 2
    assert processor.tokenizer.convert_tokens_to_ids("<|image_pad|>") == model.config.image_token_id
    assert "<|im_start|>assistant" in processor.apply_chat_template(
        [{"role": "user", "content": "hi"}], add_generation_prompt=True, tokenize=False
    )


def test_profile_survives_a_json_round_trip():
    profile = load_profile("paper")
    assert ModelProfile.from_json(json.loads(json.dumps(profile.to_json()))) == profile


def test_the_demo_profile_shipped_with_the_package_loads_by_name():
    from georeasoner.models import load_profile, profile_names

    profile = load_profile("demo")
    assert profile.name == "demo"
    assert Path(profile.lvlm).is_dir() and all(Path(a).is_dir() for a in profile.adapters)
    assert "demo" in profile_names()
