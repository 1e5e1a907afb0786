"""The synthetic world: countries with their conventions and real cities from the gazetteer."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from training.synthetic.conventions import (
    CITY_BANDS,
    CITY_LANDMARKS,
    DEFAULT_COUNTRIES,
    STYLES,
    CountryStyle,
)

CITIES_PER_COUNTRY = len(CITY_BANDS)


@dataclass(frozen=True)
class City:
    name: str
    lat: float
    lon: float
    rank: int  # 0 = largest city of its country
    code: str  # three letters shown on signs
    band: str  # colour name of the city band on signs and buildings
    landmark: str


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    style: CountryStyle
    cities: tuple[City, ...]


@dataclass(frozen=True)
class World:
    countries: tuple[Country, ...]

    def country(self, code: str) -> Country:
        for country in self.countries:
            if country.code == code:
                return country
        raise KeyError(code)


def _ascii_letters(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.upper() if ch.isalpha())


def _city_code(name: str, taken: set[str]) -> str:
    """First three letters of the name, or the first letter and two later ones if taken."""
    letters = _ascii_letters(name).ljust(3, "X")
    for rest in combinations(letters[1:], 2):
        code = letters[0] + "".join(rest)
        if code not in taken:
            return code
    return f"{letters[0]}{len(taken):02d}"


def _country(code: str) -> Country:
    from georeasoner.geo.geocode import country_name, largest_cities

    rows = largest_cities(code, CITIES_PER_COUNTRY)
    if len(rows) < CITIES_PER_COUNTRY:
        raise ValueError(f"the gazetteer lists fewer than {CITIES_PER_COUNTRY} cities for {code}")
    cities: list[City] = []
    taken: set[str] = set()
    for rank, (name, lat, lon, _population) in enumerate(rows):
        city_code = _city_code(name, taken)
        taken.add(city_code)
        cities.append(
            City(name, float(lat), float(lon), rank, city_code, CITY_BANDS[rank], CITY_LANDMARKS[rank])
        )
    return Country(code, country_name(code), STYLES[code], tuple(cities))


@lru_cache(maxsize=16)
def _world(codes: tuple[str, ...]) -> World:
    return World(tuple(_country(code) for code in codes))


def build_world(countries: Sequence[str] | None = None) -> World:
    """The world of the given country codes (default: all 8), cities from the gazetteer."""
    codes = tuple(code.upper() for code in (countries or DEFAULT_COUNTRIES))
    unknown = [code for code in codes if code not in STYLES]
    if unknown:
        raise ValueError(f"no synthetic conventions for {unknown}; known: {sorted(STYLES)}")
    if not codes or len(set(codes)) != len(codes):
        raise ValueError(f"countries must be distinct and non-empty, got {list(codes)}")
    return _world(codes)
