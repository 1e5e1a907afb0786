"""Reverse geocoding of arrays of points."""

import csv
from pathlib import Path

import numpy as np

from georeasoner.geo.geocode import geocode_many
from georeasoner.geo.reverse import reverse


def test_known_points_get_their_country_and_region():
    lat = [48.8566, 35.6762, -33.8688, 40.7128, -23.5505]
    lon = [2.3522, 139.6503, 151.2093, -74.0060, -46.6333]
    result = reverse(lat, lon)
    assert list(result["country_code"]) == ["FR", "JP", "AU", "US", "BR"]
    assert list(result["region"]) == ["Île-de-France", "Tokyo", "New South Wales", "New York", "São Paulo"]
    assert (result["distance_km"] < 5).all()


def test_a_scalar_point_gives_arrays_of_length_one():
    result = reverse(47.3769, 8.5417)
    assert set(result) == {"country_code", "region", "city", "distance_km"}
    assert all(len(value) == 1 for value in result.values())
    assert result["country_code"][0] == "CH"


def test_a_point_on_a_place_returns_that_place():
    result = reverse(52.5244, 13.4105)
    assert result["city"][0] == "Berlin"


def test_non_finite_points_get_empty_results():
    result = reverse([np.nan, 10.0], [0.0, np.inf])
    assert list(result["country_code"]) == ["", ""]
    assert list(result["city"]) == [None, None]
    assert np.isnan(result["distance_km"]).all()


def test_inputs_broadcast_and_keep_their_order():
    result = reverse(np.array([51.5074, 48.8566, 51.5074]), -0.1278 + np.zeros(3))
    assert list(result["country_code"]) == ["GB", "FR", "GB"]


def test_geocoded_places_reverse_to_their_own_country():
    rows = csv.DictReader((Path(__file__).parent / "geocode_cases.csv").open(encoding="utf-8"))
    places = [p for p in geocode_many(row["text"] for row in rows if row["level"] == "city")]
    result = reverse([p.lat for p in places], [p.lon for p in places])
    assert list(result["country_code"]) == [p.country_code for p in places]
