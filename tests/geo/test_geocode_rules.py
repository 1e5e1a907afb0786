"""Rules of reading a model's place answer, one per test."""

import numpy as np
import pytest

from georeasoner.geo.distance import haversine_km
from georeasoner.geo.gazetteer import load_gazetteer
from georeasoner.geo.geocode import (
    all_country_codes,
    country_name,
    country_point,
    geocode,
    geocode_many,
    largest_cities,
)
from georeasoner.geo.names import normalize
from georeasoner.geo.reverse import reverse


def test_geocode_restricts_search_to_named_country():
    assert geocode("Cambridge").country_code == "GB"
    assert geocode("Cambridge, USA").country_code == "US"


def test_a_place_outside_the_named_country_leaves_the_country_level():
    place = geocode("Tokyo, France")
    assert (place.level, place.country_code) == ("country", "FR")


def test_geocode_prefers_the_most_populous_place_of_a_name():
    gaz = load_gazetteer()
    springfields = [c for c in gaz.city_index["springfield"] if gaz.city_name[c] == "Springfield"]
    assert geocode("Springfield").lat == gaz.city_lat[max(springfields, key=lambda c: gaz.city_population[c])]


def test_a_state_code_restricts_the_place_to_that_state():
    south_carolina, west_virginia = geocode("Charleston, SC"), geocode("Charleston, WV")
    assert (south_carolina.region, west_virginia.region) == ("South Carolina", "West Virginia")
    assert haversine_km(south_carolina.lat, south_carolina.lon, west_virginia.lat, west_virginia.lon) > 500


def test_a_lowercase_word_is_not_read_as_a_state_code():
    assert geocode("somewhere in Paris").country_code == "FR"


def test_a_region_name_can_explain_the_place_before_it():
    assert geocode("Atlanta, Georgia").country_code == "US"
    assert geocode("Georgia").country_code == "GE"


def test_country_level_answer_is_placed_at_the_country_point():
    place = geocode("Kazakhstan")
    assert place.level == "country"
    assert (place.lat, place.lon) == country_point("KZ")


def test_country_point_lies_inside_its_country_for_every_country():
    codes = all_country_codes()
    lat, lon = np.array([country_point(cc) for cc in codes]).T
    assert list(reverse(lat, lon)["country_code"]) == codes


@pytest.mark.parametrize("cc", ["KZ", "US", "RU", "BR"])
def test_country_point_is_nearer_the_people_than_the_largest_city_is(cc):
    gaz = load_gazetteer()
    members = gaz.city_country == cc
    lat, lon, weight = gaz.city_lat[members], gaz.city_lon[members], gaz.city_population[members]
    _, largest_lat, largest_lon, _ = largest_cities(cc, 1)[0]
    mean_km_to_point = np.average(haversine_km(lat, lon, *country_point(cc)), weights=weight)
    mean_km_to_largest = np.average(haversine_km(lat, lon, largest_lat, largest_lon), weights=weight)
    assert mean_km_to_point < mean_km_to_largest


def test_region_level_answer_is_placed_inside_the_region():
    place = geocode("Bavaria")
    assert (place.level, place.region, place.city) == ("region", "Bavaria", None)
    assert reverse(place.lat, place.lon)["region"][0] == "Bavaria"


def test_filler_words_around_a_country_are_ignored():
    assert geocode("Road in Belarus") == geocode("Belarus")
    assert geocode("Central Kazakhstan") == geocode("Kazakhstan")


def test_a_landmark_before_the_city_is_ignored():
    assert geocode("Sainte-Chapelle, Paris, France").city == "Paris"


def test_matching_ignores_accents_and_case():
    assert geocode("Zürich") == geocode("Zurich") == geocode("ZURICH")


def test_country_endonyms_and_short_forms_name_the_country():
    texts = ["Deutschland", "UK", "U.S.A.", "UAE", "España"]
    assert [geocode(t).country_code for t in texts] == ["DE", "GB", "US", "AE", "ES"]


def test_a_continent_names_no_place():
    assert geocode("Asia") is None
    assert geocode("South America") is None


@pytest.mark.parametrize("text", ["", "   ", "unknown", "I cannot tell", "Not sure", "xqzvkj wprtl"])
def test_unusable_answers_give_none(text):
    assert geocode(text) is None


def test_an_unknown_part_does_not_spoil_the_known_part():
    assert geocode("Unknown, France").country_code == "FR"


def test_place_names_are_the_matched_gazetteer_names_most_specific_first():
    place = geocode("Charleston, SC, USA")
    assert place.names == ("Charleston", "South Carolina", "United States")
    assert (place.city, place.region, place.country) == ("Charleston", "South Carolina", "United States")


def test_geocode_many_keeps_order_and_repeats():
    texts = ["Tokyo, Japan", "unknown", "Tokyo, Japan", "Lima, Peru"]
    assert geocode_many(texts) == [geocode(t) for t in texts]


def test_largest_cities_are_the_most_populous_first():
    cities = largest_cities("JP", 5)
    assert len(cities) == 5
    assert cities[0][0] == "Tokyo"
    assert [c[3] for c in cities] == sorted((c[3] for c in cities), reverse=True)


def test_largest_cities_skips_sections_of_a_larger_city():
    names = [c[0] for c in largest_cities("US", 10)]
    assert names[:2] == ["New York City", "Los Angeles"]
    assert "Brooklyn" not in names and "Queens" not in names


def test_country_names_and_codes():
    assert country_name("de") == "Germany"
    assert {"DE", "JP", "US", "BM"} <= set(all_country_codes())
    assert len(all_country_codes()) > 240


def test_an_unknown_country_code_raises_key_error():
    with pytest.raises(KeyError):
        country_point("ZZ")


def test_normalize_folds_accents_case_dots_and_hyphens():
    assert normalize("  Sainte-Chapelle, U.S.A.  Tromsø ZÜRICH ") == "sainte chapelle usa tromso zurich"
