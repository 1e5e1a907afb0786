"""``georeasoner geocode`` prints one JSON object per text."""

import io
import json

from georeasoner.cli import main

KEYS = {"text", "lat", "lon", "level", "country_code", "names"}


def test_geocode_command_prints_one_json_object_per_text(capsys):
    assert main(["geocode", "Charleston, SC, USA", "I cannot tell"]) == 0
    found, missing = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert set(found) == KEYS
    assert (found["level"], found["country_code"]) == ("city", "US")
    assert found["names"] == ["Charleston", "South Carolina", "United States"]
    assert missing == {"text": "I cannot tell", **{key: None for key in KEYS - {"text"}}}


def test_geocode_command_reads_one_text_per_line_from_stdin(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Zürich\nDeutschland\n"))
    assert main(["geocode", "-"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["text"], r["country_code"], r["level"]) for r in records] == [
        ("Zürich", "CH", "city"),
        ("Deutschland", "DE", "country"),
    ]
