"""The result cache: the same photo, models and options are processed once."""

from __future__ import annotations

import shutil

import pyogrio
import pytest

from georeasoner.cli import main
from georeasoner.items import Item
from georeasoner.models import load_profile
from georeasoner.pipeline import PipelineOptions
from georeasoner.result_cache import (
    CACHE_FILE,
    NoCache,
    ResultCache,
    job_scope,
    open_result_cache,
)
from georeasoner.schema import RESULT_FIELDS, STATUS_OK, empty_record, error_record
from tests.conftest import write_street_photo

SCOPE = "scope-a"


@pytest.fixture
def cache(tmp_path):
    with ResultCache(tmp_path / "cache" / CACHE_FILE, SCOPE) as opened:
        yield opened


@pytest.fixture
def photo(tmp_path):
    return write_street_photo(tmp_path / "a.jpg", seed=1)


def _answer(item_id: int, lat: float = 48.8566, lon: float = 2.3522) -> dict:
    record = empty_record(item_id)
    record.update(gr_status=STATUS_OK, gr_loc=0.7, gr_country="France", gr_cc="FR", gr_city="Paris",
                  gr_lat=lat, gr_lon=lon, gr_conf=0.9, gr_reason="French signs", gr_model="m")
    return record


def _process(cache, items, records_of=_answer):
    """What the local backend does: look up, process the misses, store, merge."""
    batch = cache.lookup(items)
    fresh = [records_of(item.id) for item in batch.misses]
    cache.store(batch, fresh)
    return batch, batch.merge(fresh)


def test_a_stored_result_is_served_for_the_same_photo_bytes_under_another_path(cache, photo, tmp_path):
    _process(cache, [Item(0, str(photo))])
    copy = shutil.copy(photo, tmp_path / "copy.jpg")
    batch, records = _process(cache, [Item(5, str(copy))])
    assert batch.misses == []
    assert records[0]["gr_item"] == 5 and records[0]["gr_city"] == "Paris"


def test_a_photo_whose_bytes_changed_is_processed_again(cache, photo):
    _process(cache, [Item(0, str(photo))])
    write_street_photo(photo, seed=2)
    assert cache.lookup([Item(0, str(photo))]).misses == [Item(0, str(photo))]


def test_inline_image_bytes_share_results_with_the_same_file(cache, photo):
    _process(cache, [Item(0, str(photo))])
    assert cache.lookup([Item(1, data=photo.read_bytes())]).misses == []


def test_results_are_not_shared_between_scopes(cache, photo, tmp_path):
    _process(cache, [Item(0, str(photo))])
    with ResultCache(cache.path, "scope-b") as other:
        assert len(other.lookup([Item(0, str(photo))]).misses) == 1


def test_error_records_are_not_cached(cache, photo):
    _process(cache, [Item(0, str(photo))], records_of=lambda i: error_record(i, "reasoner failed on this photo"))
    assert len(cache.lookup([Item(0, str(photo))]).misses) == 1


def test_a_photo_listed_twice_in_a_batch_is_processed_once_and_both_rows_get_its_result(cache, photo):
    batch, records = _process(cache, [Item(0, str(photo)), Item(1, str(photo))])
    assert [item.id for item in batch.misses] == [0]
    assert [(r["gr_item"], r["gr_city"]) for r in records] == [(0, "Paris"), (1, "Paris")]


def test_a_cached_result_is_audited_against_the_claim_of_its_own_row(cache, photo):
    _process(cache, [Item(0, str(photo), claimed_lat=48.85, claimed_lon=2.35)])
    _, records = _process(cache, [Item(1, str(photo), claimed_lat=-33.87, claimed_lon=151.21)])
    assert records[0]["gr_err_km"] > 15_000


def test_an_unreadable_photo_is_always_processed(cache, tmp_path):
    missing = Item(0, str(tmp_path / "gone.jpg"))
    _process(cache, [missing])
    assert cache.lookup([missing]).misses == [missing]


def test_the_scope_changes_with_the_options_that_change_results(tiny_profile):
    profile = load_profile(str(tiny_profile))
    assert job_scope(profile, "lvlm", PipelineOptions(min_loc=0.0)) != job_scope(profile, "lvlm", PipelineOptions(min_loc=0.5))


def test_the_scope_ignores_the_number_of_decode_threads(tiny_profile):
    profile = load_profile(str(tiny_profile))
    assert job_scope(profile, "lvlm", PipelineOptions(decode_workers=1)) == job_scope(profile, "lvlm", PipelineOptions(decode_workers=8))


def test_a_retrained_model_at_the_same_path_changes_the_scope(tiny_profile, tmp_path):
    copy = shutil.copytree(tiny_profile, tmp_path / "profile")
    profile = load_profile(str(copy))
    before = job_scope(profile, "lvlm", PipelineOptions())
    head = copy / "locatability_head.safetensors"
    head.write_bytes(head.read_bytes() + b" ")
    assert job_scope(profile, "lvlm", PipelineOptions()) != before


def test_a_cache_that_cannot_be_opened_is_replaced_by_no_cache(tiny_profile, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    opened = open_result_cache(load_profile(str(tiny_profile)), "lvlm", PipelineOptions(), path=blocker / CACHE_FILE)
    assert isinstance(opened, NoCache)


def test_a_rerun_served_by_the_cache_writes_the_same_results(photo_csv, tiny_profile, tmp_path, monkeypatch):
    monkeypatch.setenv("GEOREASONER_CACHE_DIR", str(tmp_path / "cache"))
    first, second = tmp_path / "first.gpkg", tmp_path / "second.gpkg"
    for out in (first, second):
        assert main(["geolocate", str(photo_csv), "-o", str(out), "--profile", str(tiny_profile)]) == 0
    fields = list(RESULT_FIELDS)
    assert pyogrio.read_dataframe(second, layer="photos")[fields].equals(pyogrio.read_dataframe(first, layer="photos")[fields])


def test_the_cache_keeps_one_result_per_good_photo(photo_csv, tiny_profile, tmp_path, monkeypatch):
    monkeypatch.setenv("GEOREASONER_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["score", str(photo_csv), "-o", str(tmp_path / "out.gpkg"), "--profile", str(tiny_profile)]) == 0
    import sqlite3

    with sqlite3.connect(tmp_path / "cache" / CACHE_FILE) as db:
        assert db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 5


def test_no_cache_leaves_no_cache_file(photo_csv, tiny_profile, tmp_path, monkeypatch):
    monkeypatch.setenv("GEOREASONER_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out.gpkg"
    assert main(["score", str(photo_csv), "-o", str(out), "--profile", str(tiny_profile), "--no-cache"]) == 0
    assert out.exists() and not (tmp_path / "cache" / CACHE_FILE).exists()
