"""Turn a model's free-text place answer into a point: ``geocode("Charleston, SC, USA")``.

How an answer is read:

1. It is split at commas (and ``;``, ``/``, brackets) into segments; a segment that says the
   model does not know (``unknown``, ``I cannot tell``, ``not sure``) is dropped.
2. Each segment is cut, from the right, into the longest phrases that name a country, an admin1
   region or a place; filler words around them (``road in``, ``somewhere in``, ``central``,
   ``northern``) are skipped, and words that name nothing (a landmark such as
   ``Sainte-Chapelle``) are ignored. Matching is accent- and case-insensitive and knows
   GeoNames alternate names (``Zurich``/``Zürich``), endonyms of countries (``Deutschland``),
   short forms (``UK``, ``U.S.A.``, ``UAE``) and, in capitals, US state / Canadian province /
   Australian state codes (``SC``, ``ON``, ``NSW``).
3. A country phrase restricts the region and place search to that country, a region phrase to
   that region. Each way of reading the phrases (each country candidate or none; a name that is
   both a region and a place as either) is tried and the reading that uses the most phrases wins
   (``Atlanta, Georgia`` is the US state, ``Georgia`` alone the country; ``Seattle, Washington``
   the state, ``Washington`` alone the capital). Among places of one name the most populous wins
   (alternate names count for less than a place's own name, see ``ALTERNATE_NAME_WEIGHT``);
   a phrase that is both a region and a place (``New York``, ``California``) means the place
   when it has at least 100,000 people and 5 % of the region's population, else the region.
   A segment that is mostly words naming nothing (prose, gibberish) is ignored.
4. The answer is placed at its most specific level: the place itself, else the region's or the
   country's representative point (see :mod:`georeasoner.geo.gazetteer`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from georeasoner.geo.distance import haversine_km
from georeasoner.geo.gazetteer import Country, Gazetteer, load_gazetteer
from georeasoner.geo.names import (
    FILLER_WORDS,
    NO_ANSWER_PHRASES,
    NO_ANSWER_WORDS,
    SUPRANATIONAL_NAMES,
    segments,
)

#: a phrase that is both a region and a place means the place above this population share
CITY_OVER_REGION_SHARE = 0.05
#: ... and has at least this population (``Montana`` is the US state, not the Bulgarian town)
CITY_OVER_REGION_MIN_POPULATION = 100_000
#: the longest phrase, in words, looked up as one name
MAX_PHRASE_WORDS = 6
#: largest_cities skips places this close to a larger listed one (sections of one city)
DISTINCT_CITY_KM = 15.0
#: more unmatched words than this per name word make a segment prose, not a place
UNKNOWN_WORDS_PER_NAME_WORD = 2


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    level: str  # 'city' | 'region' | 'country'
    country_code: str
    country: str
    region: str | None
    city: str | None
    names: tuple[str, ...]  # gazetteer names of the phrases that matched, most specific first


@dataclass(frozen=True)
class _Phrase:
    countries: tuple[str, ...]
    regions: tuple[int, ...]
    cities: tuple[int, ...]


@dataclass(frozen=True)
class _Reading:
    score: tuple
    country_code: str
    region: int | None
    city: int | None
    named_country: bool


def geocode(text: str) -> Place | None:
    """The place an answer names, or None when it names none."""
    if not text or not text.strip():
        return None
    gaz = load_gazetteer()
    phrases = _phrases(gaz, text)
    reading = _best_reading(gaz, phrases) if phrases else None
    return _place(gaz, reading) if reading else None


def geocode_many(texts: Iterable[str]) -> list[Place | None]:
    """:func:`geocode` for each text; repeated texts are geocoded once."""
    texts = list(texts)
    unique = {text: geocode(text) for text in dict.fromkeys(texts)}
    return [unique[text] for text in texts]


def country_point(cc: str) -> tuple[float, float]:
    """Representative (lat, lon) of a country: a populated place inside it (see gazetteer)."""
    country = _country(cc)
    return country.lat, country.lon


def country_name(cc: str) -> str:
    """English (GeoNames) name of a country given its ISO alpha-2 code."""
    return _country(cc).name


def all_country_codes() -> list[str]:
    """ISO alpha-2 codes of every country that has populated places in the gazetteer."""
    return sorted(load_gazetteer().countries)


def largest_cities(cc: str, n: int) -> list[tuple[str, float, float, int]]:
    """The ``n`` most populous places of a country as (name, lat, lon, population).

    GeoNames also lists sections of cities (Brooklyn, Queens, Tokyo's wards) as places, so a
    place within ``DISTINCT_CITY_KM`` of a more populous one already listed is skipped.
    """
    gaz = load_gazetteer()
    chosen: list[int] = []
    for row in _cities_by_population(_country(cc).code):
        if len(chosen) == n:
            break
        nearest_km = haversine_km(gaz.city_lat[row], gaz.city_lon[row], gaz.city_lat[chosen], gaz.city_lon[chosen])
        if not chosen or nearest_km.min() > DISTINCT_CITY_KM:
            chosen.append(int(row))
    return [
        (gaz.city_name[r], float(gaz.city_lat[r]), float(gaz.city_lon[r]), int(gaz.city_population[r])) for r in chosen
    ]


def _country(cc: str) -> Country:
    country = load_gazetteer().countries.get(cc.strip().upper())
    if country is None:
        raise KeyError(f"unknown country code {cc!r}")
    return country


@functools.cache
def _cities_by_population(cc: str) -> np.ndarray:
    gaz = load_gazetteer()
    rows = np.flatnonzero(gaz.city_country == cc)
    return rows[np.argsort(-gaz.city_population[rows], kind="stable")]


def _says_unknown(words: list[str]) -> bool:
    joined = f" {' '.join(words)} "
    return any(w in NO_ANSWER_WORDS for w in words) or any(f" {p} " in joined for p in NO_ANSWER_PHRASES)


def _phrases(gaz: Gazetteer, text: str) -> list[_Phrase]:
    """Name phrases of the answer, left to right."""
    allow_codes = text != text.upper()  # in an all-capitals answer, "IN" is a word, not Indiana
    phrases: list[_Phrase] = []
    for segment in segments(text):
        words = [norm for _, norm in segment]
        if not _says_unknown(words):
            phrases.extend(_segment_phrases(gaz, segment, allow_codes))
    return phrases


def _segment_phrases(gaz: Gazetteer, segment: list[tuple[str, str]], allow_codes: bool) -> list[_Phrase]:
    """Longest names first, from the right; filler words are skipped, other words counted.

    A segment whose unmatched words outnumber its name words more than
    ``UNKNOWN_WORDS_PER_NAME_WORD`` to one is prose or gibberish, not a place answer.
    """
    found = []
    name_words = unknown_words = 0
    end = len(segment)
    while end > 0:
        match = _longest_match(gaz, segment, end, allow_codes)
        if match is None:
            unknown_words += segment[end - 1][1] not in FILLER_WORDS
            end -= 1
            continue
        start, phrase = match
        if phrase is not None:
            found.append(phrase)
            name_words += end - start
        end = start
    if unknown_words > UNKNOWN_WORDS_PER_NAME_WORD * name_words:
        return []
    return found[::-1]


def _longest_match(gaz: Gazetteer, segment: list[tuple[str, str]], end: int, allow_codes: bool):
    """(start, phrase) of the longest name that ends at ``end``; phrase None for a continent."""
    for start in range(max(0, end - MAX_PHRASE_WORDS), end):
        words = segment[start:end]
        if " ".join(norm for _, norm in words) in SUPRANATIONAL_NAMES:
            return start, None
        phrase = _lookup(gaz, words, allow_codes)
        if phrase:
            return start, phrase
    return None


def _lookup(gaz: Gazetteer, words: list[tuple[str, str]], allow_codes: bool) -> _Phrase | None:
    if allow_codes and len(words) == 1 and words[0][0].isupper():
        coded = gaz.region_abbreviations.get(words[0][0].replace(".", ""))
        if coded:
            return _Phrase((), coded, ())
    norms = [norm for _, norm in words]
    if all(norm in FILLER_WORDS for norm in norms):
        return None
    key = " ".join(norms)
    phrase = _Phrase(gaz.country_index.get(key, ()), gaz.region_index.get(key, ()), gaz.city_index.get(key, ()))
    return phrase if (phrase.countries or phrase.regions or phrase.cities) else None


def _best_reading(gaz: Gazetteer, phrases: list[_Phrase]) -> _Reading | None:
    """The best of all readings: each country candidate (or none) as the country, each phrase that
    is both a region and a place read both ways. Most phrases used wins, then a named country,
    then agreement with the place-or-region rule, then the more specific level, then population.
    """
    options = [(i, cc) for i, p in enumerate(phrases) for cc in p.countries] + [(None, None)]
    readings = [
        reading
        for country_at, cc in options
        for reading in _readings(gaz, phrases, len(phrases) - 1, country_at, _State(cc, None, None, int(bool(cc)), 0))
    ]
    return max(readings, key=lambda r: r.score) if readings else None


class _State(NamedTuple):
    cc: str | None
    region: int | None
    city: int | None
    used: int  # phrases read as the country, the region or the place
    agreed: int  # choices that follow the place-or-region rule


def _readings(
    gaz: Gazetteer, phrases: list[_Phrase], i: int, country_at: int | None, state: _State
) -> Iterator[_Reading]:
    """Readings of phrases[: i + 1], right to left, each consistent with what is already read."""
    if i < 0:
        if state.cc is not None:
            yield _reading(gaz, state, country_at is not None)
        return
    phrase = phrases[i]
    regions = cities = []
    if i != country_at:
        if state.region is None:
            regions = [r for r in phrase.regions if (state.cc is None or gaz.region_country[r] == state.cc)
                       and (state.city is None or gaz.city_region[state.city] == r)]
        if state.city is None:
            cities = [c for c in phrase.cities if (state.cc is None or gaz.city_country[c] == state.cc)
                      and (state.region is None or gaz.city_region[c] == state.region)]
    if not regions and not cities:
        yield from _readings(gaz, phrases, i - 1, country_at, state)
        return
    prefer_city = bool(cities) and (not regions or _city_outweighs(gaz, cities[0], regions[0]))
    if regions:
        r = regions[0]
        yield from _readings(gaz, phrases, i - 1, country_at, state._replace(
            cc=str(gaz.region_country[r]), region=r, used=state.used + 1, agreed=state.agreed + (not prefer_city)))
    if cities:
        c = cities[0]
        yield from _readings(gaz, phrases, i - 1, country_at, state._replace(
            cc=str(gaz.city_country[c]), city=c, used=state.used + 1, agreed=state.agreed + prefer_city))


def _reading(gaz: Gazetteer, state: _State, named_country: bool) -> _Reading:
    if state.city is not None:
        level, population = 2, int(gaz.city_population[state.city])
    elif state.region is not None:
        level, population = 1, int(gaz.region_population[state.region])
    else:
        level, population = 0, 0
    score = (state.used, named_country, state.agreed, level, population)
    return _Reading(score, state.cc, state.region, state.city, named_country)


def _city_outweighs(gaz: Gazetteer, city: int, region: int) -> bool:
    """Whether a name shared by a place and a region means the place (see module doc)."""
    population = gaz.city_population[city]
    return population >= max(CITY_OVER_REGION_MIN_POPULATION, CITY_OVER_REGION_SHARE * gaz.region_population[region])


def _place(gaz: Gazetteer, reading: _Reading) -> Place:
    country = gaz.countries[reading.country_code]
    city = reading.city
    region = reading.region
    if region is None and city is not None and gaz.city_region[city] >= 0:
        region = int(gaz.city_region[city])
    region_name = gaz.region_name[region] if region is not None else None
    if city is not None:
        lat, lon, level = gaz.city_lat[city], gaz.city_lon[city], "city"
    elif region is not None:
        lat, lon, level = gaz.region_lat[region], gaz.region_lon[region], "region"
    else:
        lat, lon, level = country.lat, country.lon, "country"
    names = [gaz.city_name[city]] if city is not None else []
    if reading.region is not None:
        names.append(region_name)
    if reading.named_country:
        names.append(country.name)
    return Place(float(lat), float(lon), level, country.code, country.name, region_name,
                 gaz.city_name[city] if city is not None else None, tuple(names))
