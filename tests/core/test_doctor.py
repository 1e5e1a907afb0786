"""`georeasoner doctor` reports versions, models, backend and GPU."""

import json

from georeasoner.cli import main


def test_doctor_finds_every_model_of_a_local_profile(tiny_profile, capsys):
    assert main(["doctor", "--profile", str(tiny_profile), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert {m["role"] for m in report["models"]} >= {"lvlm", "adapter 1", "adapter 2", "clip", "locatability head"}
    assert all(m["detail"] == "local" for m in report["models"])
    assert report["backend"]["kind"] == "local"
    assert report["versions"]["torch"]


def test_doctor_names_a_missing_model_and_fails(tiny_profile, tmp_path, capsys):
    profile = json.loads((tiny_profile / "profile.json").read_text())
    profile["lvlm"] = str(tmp_path / "nowhere")
    custom = tmp_path / "broken.json"
    custom.write_text(json.dumps(profile))
    assert main(["doctor", "--profile", str(custom)]) == 1
    assert f"model lvlm: {tmp_path / 'nowhere'} - MISSING" in capsys.readouterr().out


def test_doctor_says_when_no_gpu_is_present(tiny_profile, capsys):
    import torch

    main(["doctor", "--profile", str(tiny_profile), "--json"])
    gpu = json.loads(capsys.readouterr().out)["gpu"]
    assert gpu["available"] == torch.cuda.is_available()
