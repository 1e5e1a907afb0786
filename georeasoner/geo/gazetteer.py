"""The offline gazetteer: GeoNames places, admin1 regions and countries as numpy tables.

The data come from PyPI wheels (see :mod:`georeasoner.geo.sources` for which and why):
GeoNames ``cities1000`` with alternate names, admin1 names, countries with endonyms.
Building the tables and name indices from the JSON takes several seconds, so the result is
pickled once into the user's cache directory (``$GEOREASONER_CACHE_DIR``, else
``$XDG_CACHE_HOME/georeasoner``, else ``~/.cache/georeasoner``), keyed by the versions of the
source packages, and loaded from there (well under a second) once per process.

Representative points. A country or an admin1 region that an answer names only at that level
is placed at its population-weighted medoid: of its 200 most populous places, the one with the
smallest population-weighted mean great-circle distance to all its places. If photos follow the
population, that point minimises the expected error among real places, better than the capital
or the largest city when these lie off-centre (Almaty in Kazakhstan, New York in the USA). And
being a GeoNames populated place of that country, it always lies inside the country, which a
centre of area or of population need not (Indonesia's falls in the Java Sea, Croatia's in
Bosnia).
"""

from __future__ import annotations

import collections
import functools
import hashlib
import itertools
import logging
import os
import pickle
import tempfile
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from georeasoner.fileio import user_cache_dir
from georeasoner.geo import sources
from georeasoner.geo.distance import unit_xyz
from georeasoner.geo.names import COUNTRY_ALIASES, REGION_SUFFIXES, SUBDIVISION_ABBREVIATIONS, normalize

log = logging.getLogger(__name__)

#: bump when the pickled layout changes
FORMAT_VERSION = 7
#: an alternate name counts for this share of a place's population when ranking matches,
#: so that ``Paris`` means the French capital, not a larger place that also has that alias
ALTERNATE_NAME_WEIGHT = 0.02
#: how many of the most populous places are candidates for a representative point
REPRESENTATIVE_CANDIDATES = 200


class Country(NamedTuple):
    code: str
    name: str
    lat: float
    lon: float
    population: int


@dataclass
class Gazetteer:
    """Tables of places (``city_*``), admin1 regions (``region_*``) and countries, and name indices.

    Indices map a :func:`~georeasoner.geo.names.normalize`-d name to row numbers, best first:
    ``city_index`` ranks by population (alternate names down-weighted), ``region_index`` by
    population, ``country_index`` English names before endonyms. ``region_abbreviations`` maps
    upper-case postal codes (``SC``, ``ON``, ``NSW``) to region rows.
    """

    city_name: np.ndarray
    city_lat: np.ndarray
    city_lon: np.ndarray
    city_population: np.ndarray
    city_country: np.ndarray
    city_region: np.ndarray
    region_name: np.ndarray
    region_country: np.ndarray
    region_lat: np.ndarray
    region_lon: np.ndarray
    region_population: np.ndarray
    countries: dict[str, Country]
    city_index: dict[str, tuple[int, ...]]
    region_index: dict[str, tuple[int, ...]]
    country_index: dict[str, tuple[str, ...]]
    region_abbreviations: dict[str, tuple[int, ...]]


@functools.cache
def load_gazetteer() -> Gazetteer:
    """The process-wide gazetteer, from the user cache when present, else built and cached."""
    path = _cache_path()
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        pass
    log.info("building the gazetteer from GeoNames data (once)")
    gazetteer = build_gazetteer()
    _write_cache(gazetteer, path)
    return gazetteer


def _cache_path() -> str:
    key = repr((FORMAT_VERSION, sorted(sources.source_versions().items())))
    return os.path.join(user_cache_dir(), f"gazetteer-{hashlib.sha1(key.encode()).hexdigest()[:12]}.pkl")


def _write_cache(gazetteer: Gazetteer, path: str) -> None:
    """Write atomically; an unwritable cache only costs speed, so it is logged, not raised."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(gazetteer, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not cache the gazetteer at %s: %s", path, exc)


def build_gazetteer() -> Gazetteer:
    """Build all tables and indices from the source packages."""
    cities = sources.read_cities()
    country_records = sources.read_countries()
    us_states = sources.read_us_states()
    admin1_names = sources.read_admin1_names(cities)
    admin1_names.update({("US", code): name for code, name in us_states.items()})

    region_of: dict[tuple[str, str], int] = {}
    region_keys: list[tuple[str, str]] = []
    city_region = np.full(len(cities), -1, dtype=np.int32)
    for i, city in enumerate(cities):
        key = (city["countrycode"], city["admin1code"])
        if key in admin1_names:
            if key not in region_of:
                region_of[key] = len(region_keys)
                region_keys.append(key)
            city_region[i] = region_of[key]

    lat = np.array([c["latitude"] for c in cities], dtype=np.float64)
    lon = np.array([c["longitude"] for c in cities], dtype=np.float64)
    population = np.array([c["population"] for c in cities], dtype=np.int64)
    city_country = np.array([c["countrycode"] for c in cities], dtype="<U2")

    by_region = np.argsort(city_region, kind="stable")
    bounds = np.searchsorted(city_region[by_region], np.arange(len(region_keys) + 1))
    region_points = [_representative_point(lat, lon, population, by_region[a:b]) for a, b in itertools.pairwise(bounds)]
    region_population = np.bincount(city_region[city_region >= 0], weights=population[city_region >= 0],
                                     minlength=len(region_keys)).astype(np.int64)

    countries = {}
    for code, record in country_records.items():
        members = np.flatnonzero(city_country == code)
        if members.size:
            point = _representative_point(lat, lon, population, members)
            countries[code] = Country(code, record["name"].strip(), point[0], point[1], int(record["population"]))

    return Gazetteer(
        city_name=np.array([c["name"] for c in cities], dtype=object),
        city_lat=lat,
        city_lon=lon,
        city_population=population,
        city_country=city_country,
        city_region=city_region,
        region_name=np.array([admin1_names[k] for k in region_keys], dtype=object),
        region_country=np.array([k[0] for k in region_keys], dtype="<U2"),
        region_lat=np.array([p[0] for p in region_points], dtype=np.float64),
        region_lon=np.array([p[1] for p in region_points], dtype=np.float64),
        region_population=region_population,
        countries=countries,
        city_index=_city_index(cities, population),
        region_index=_region_index(region_keys, admin1_names, region_population),
        country_index=_country_index(countries, country_records),
        region_abbreviations=_region_abbreviations(region_of, admin1_names, us_states),
    )


def _representative_point(
    lat: np.ndarray, lon: np.ndarray, population: np.ndarray, idx: np.ndarray
) -> tuple[float, float]:
    """The population-weighted medoid of the places ``idx`` (see module doc)."""
    xyz = unit_xyz(lat[idx], lon[idx])
    weights = population[idx].astype(np.float64) + 1.0
    candidates = np.argsort(-population[idx], kind="stable")[:REPRESENTATIVE_CANDIDATES]
    mean_angle = np.arccos(np.clip(xyz[candidates] @ xyz.T, -1.0, 1.0)) @ weights
    best = idx[candidates[int(np.argmin(mean_angle))]]
    return float(lat[best]), float(lon[best])


def _is_code(alias: str) -> bool:
    """GeoNames alternate names include IATA/ICAO codes (``PAR``, ``TYO``), not names."""
    return len(alias) <= 4 and alias.isupper()


def _city_index(cities: list[dict], population: np.ndarray) -> dict[str, tuple[int, ...]]:
    scored: dict[str, dict[int, float]] = collections.defaultdict(dict)
    for i, city in enumerate(cities):
        pop = float(population[i]) + 1.0
        for alias in city["alternatenames"]:
            key = normalize(alias)
            if len(key) >= 3 and not _is_code(alias):
                scored[key].setdefault(i, pop * ALTERNATE_NAME_WEIGHT)
        key = normalize(city["name"])
        if key:
            scored[key][i] = pop
    return {key: tuple(sorted(rows, key=rows.__getitem__, reverse=True)) for key, rows in scored.items()}


def _region_index(region_keys, admin1_names, region_population) -> dict[str, tuple[int, ...]]:
    rows_by_key: dict[str, set[int]] = collections.defaultdict(set)
    for r, key in enumerate(region_keys):
        name = normalize(admin1_names[key])
        rows_by_key[name].add(r)
        for suffix in REGION_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix) + 2:
                rows_by_key[name[: -len(suffix)]].add(r)
    return {k: tuple(sorted(rows, key=lambda r: -region_population[r])) for k, rows in rows_by_key.items()}


def _country_index(countries: dict[str, Country], country_records: dict[str, dict]) -> dict[str, tuple[str, ...]]:
    """English names (GeoNames, ISO, aliases) rank before endonyms, then by population."""
    ranked: dict[str, dict[str, tuple[int, int]]] = collections.defaultdict(dict)

    def add(name: str, code: str, rank: int) -> None:
        key = normalize(name)
        if key and code in countries:
            previous = ranked[key].get(code, (rank, 0))
            ranked[key][code] = (min(rank, previous[0]), -countries[code].population)

    for code, country in countries.items():
        add(country.name, code, 0)
        english, endonyms = sources.read_country_names(code, country_records[code].get("languages", ""))
        for name in english:
            add(name, code, 0)
        for name in endonyms:
            add(name, code, 1)
    for alias, code in COUNTRY_ALIASES.items():
        add(alias, code, 0)
    return {key: tuple(sorted(codes, key=codes.__getitem__)) for key, codes in ranked.items()}


def _region_abbreviations(region_of, admin1_names, us_states) -> dict[str, tuple[int, ...]]:
    """US state codes first (they are GeoNames admin1 codes), then Canadian and Australian ones."""
    result: dict[str, list[int]] = collections.defaultdict(list)
    for code in us_states:
        if ("US", code) in region_of:
            result[code].append(region_of[("US", code)])
    name_to_region = {(cc, normalize(admin1_names[(cc, code)])): r for (cc, code), r in region_of.items()}
    for cc, table in SUBDIVISION_ABBREVIATIONS.items():
        for abbreviation, name in table.items():
            r = name_to_region.get((cc, normalize(name)))
            if r is not None:
                result[abbreviation].append(r)
    return {k: tuple(v) for k, v in result.items()}
