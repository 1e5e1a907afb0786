"""Clues: their names, the smallest visible size that counts, and the reasons text they imply.

What a clue implies is derived from the world itself: the places whose conventions produce
the same clue text. The reasons therefore never claim more than the visible clues support.
"""

from __future__ import annotations

from enum import IntEnum
from functools import lru_cache

from training.synthetic.world import City, Country, World


class Clue(IntEnum):
    """Clue kinds; the value is the clue's id in the canvas instance map."""

    DRIVING_SIDE = 1
    CENTRE_LINE = 2
    EDGE_LINES = 3
    SIGN = 4
    SIGN_WORD = 5
    SIGN_CODE = 6
    BOLLARD = 7
    PLATE = 8
    KERB = 9
    WIRES = 10
    BUILDINGS = 11
    TREES = 12
    CITY_BAND = 13
    LANDMARK = 14


# Visible pixels a clue needs, per 128 x 128 px of image, to be listed.
MIN_PIXELS_AT_128: dict[Clue, int] = {
    Clue.DRIVING_SIDE: 40,
    Clue.CENTRE_LINE: 15,
    Clue.EDGE_LINES: 15,
    Clue.SIGN: 30,
    Clue.BOLLARD: 12,
    Clue.PLATE: 6,
    Clue.KERB: 15,
    Clue.WIRES: 20,
    Clue.BUILDINGS: 600,
    Clue.TREES: 150,
    Clue.CITY_BAND: 15,
    Clue.LANDMARK: 40,
}


def clue_texts(country: Country, city: City) -> dict[Clue, str]:
    """Every clue a scene of this city can show, by kind."""
    style = country.style
    centre = style.centre_line
    texts = {
        Clue.DRIVING_SIDE: f"driving side: {style.driving_side}",
        Clue.CENTRE_LINE: f"{centre.colour} {centre.pattern} centre line",
        Clue.SIGN: f"{style.sign.colour} {style.sign.shape} sign",
        Clue.SIGN_WORD: f"sign word: {style.sign_word}",
        Clue.SIGN_CODE: f"sign code: {city.code}",
        Clue.BOLLARD: style.bollard.description,
        Clue.PLATE: style.plate.description,
        Clue.BUILDINGS: style.building_description,
        Clue.CITY_BAND: f"{city.band} city band",
        Clue.LANDMARK: f"landmark: {city.landmark}",
    }
    if style.edge_lines is not None:
        texts[Clue.EDGE_LINES] = f"{style.edge_lines.colour} {style.edge_lines.pattern} edge lines"
    if style.striped_kerb:
        texts[Clue.KERB] = "black-and-white kerb"
    if style.utility_poles is not None:
        texts[Clue.WIRES] = f"{style.utility_poles} utility poles with overhead wires"
    if style.tree.description is not None:
        texts[Clue.TREES] = style.tree.description
    return texts


Place = tuple[str, str]  # (country code, city name)


@lru_cache(maxsize=16)
def _places_by_clue(world: World) -> dict[str, frozenset[Place]]:
    places: dict[str, set[Place]] = {}
    for country in world.countries:
        for city in country.cities:
            for text in clue_texts(country, city).values():
                places.setdefault(text, set()).add((country.code, city.name))
    return {text: frozenset(found) for text, found in places.items()}


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _describe(world: World, places: frozenset[Place]) -> str:
    codes = {code for code, _ in places}
    countries = [country for country in world.countries if country.code in codes]
    if all((c.code, city.name) in places for c in countries for city in c.cities):
        return _either([country.name for country in countries])
    if len(places) <= 3:
        return _either([f"{city}, {world.country(code).name}" for code, city in sorted(places)])
    return f"{len(places)} cities in {len(countries)} countries"


def reasons_text(world: World, clues: list[str], scenery: str) -> str:
    """A sentence naming each visible clue with the places it fits, then what they add up to."""
    if not clues:
        return (f"No clear geographic clues: the view shows mostly {scenery}, "
                "so the place cannot be narrowed down.")
    index = _places_by_clue(world)
    parts = [f"{clue} ({_describe(world, index[clue])})" for clue in clues]
    candidates = frozenset.intersection(*(index[clue] for clue in clues))
    codes = {code for code, _ in candidates}
    if len(candidates) == 1:
        ((code, city),) = candidates
        verdict = f"Together they point to {city}, {world.country(code).name}."
    elif len(codes) == 1:
        verdict = f"Together they point to {world.country(codes.pop()).name}; the city is unclear."
    else:
        verdict = f"They leave {_describe(world, candidates)} open."
    return f"Clues: {'; '.join(parts)}. {verdict}"
