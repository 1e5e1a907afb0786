"""Geocoding of varied model answers, specified by the table in geocode_cases.csv.

Each row gives the expected level and country code, and either the expected place/region name
(compared accent- and case-insensitively) or a point and the largest distance from it. A row
with no level expects no match.
"""

import csv
from pathlib import Path

import pytest

from georeasoner.geo.distance import haversine_km
from georeasoner.geo.geocode import geocode
from georeasoner.geo.names import normalize

CASES = list(csv.DictReader((Path(__file__).parent / "geocode_cases.csv").open(encoding="utf-8")))


def test_the_table_holds_at_least_200_varied_answers():
    assert len(CASES) >= 200
    assert {row["level"] for row in CASES} == {"city", "region", "country", ""}


@pytest.mark.parametrize("case", CASES, ids=[row["text"] or "<empty>" for row in CASES])
def test_geocode_answer(case):
    place = geocode(case["text"])
    if not case["level"]:
        assert place is None
        return
    assert place is not None
    assert (place.level, place.country_code) == (case["level"], case["country_code"])
    if case["name"]:
        found = place.city if place.level == "city" else place.region
        assert normalize(found) == normalize(case["name"])
    if case["max_km"]:
        assert haversine_km(place.lat, place.lon, float(case["lat"]), float(case["lon"])) <= float(case["max_km"])
