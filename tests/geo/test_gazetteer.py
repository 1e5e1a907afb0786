"""The gazetteer holds the wheels' GeoNames data and is read back from the user cache."""

import numpy as np

from georeasoner.geo import gazetteer


def test_gazetteer_is_loaded_from_the_cache_file_in_the_cache_dir(tmp_path, monkeypatch):
    in_process = gazetteer.load_gazetteer()
    monkeypatch.setenv("GEOREASONER_CACHE_DIR", str(tmp_path))
    gazetteer._write_cache(in_process, gazetteer._cache_path())
    assert [p.name.startswith("gazetteer-") for p in tmp_path.iterdir()] == [True]
    loaded = gazetteer.load_gazetteer.__wrapped__()
    assert loaded is not in_process
    np.testing.assert_array_equal(loaded.city_lat, in_process.city_lat)
    assert loaded.city_index["tokyo"] == in_process.city_index["tokyo"]


def test_an_unwritable_cache_dir_is_not_an_error(tmp_path, caplog):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    gazetteer._write_cache(gazetteer.load_gazetteer(), str(blocker / "gazetteer.pkl"))
    assert "could not cache the gazetteer" in caplog.text


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
