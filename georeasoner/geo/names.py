"""Name normalisation and the small hand-made vocabularies the geocoder needs.

Gazetteer names and answer text go through the same :func:`normalize`, so matching is
accent-, case- and punctuation-insensitive: ``Zürich``, ``ZURICH`` and ``Zurich`` are one key,
and so are ``U.S.A.`` and ``USA`` (dots and apostrophes are dropped, not turned into spaces).
"""

from __future__ import annotations

import re
import unicodedata

# Letters that NFKD does not decompose into a base letter plus an accent.
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "ı": "i", "þ": "th", "ß": "ss"})
_DROP = re.compile(r"[.'’ʻʼ`´]")
_SEPARATORS = re.compile(r"[^\w]+|_")
# Combining marks (accents once NFKD has split them off) of the Basic Multilingual Plane.
_COMBINING = re.compile("[" + "".join(re.escape(chr(c)) for c in range(0x10000) if unicodedata.combining(chr(c))) + "]")
_SEGMENT_BREAKS = re.compile(r"[,;/|()\[\]\n]+|\s[-–—]\s")


def normalize(text: str) -> str:
    """Accent-free, case-folded words separated by single spaces."""
    text = text.casefold()
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text)).translate(_FOLD)
    return " ".join(_SEPARATORS.sub(" ", _DROP.sub("", text)).split())


def segments(text: str) -> list[list[tuple[str, str]]]:
    """Split an answer at commas and similar breaks into segments of (raw, normalized) words.

    The raw word is kept so that upper-case abbreviations (``SC``, ``IN``) can be told apart
    from ordinary words (``in``).
    """
    result = []
    for part in _SEGMENT_BREAKS.split(text):
        words = []
        for raw in part.split():
            norm = normalize(raw)
            words.extend((raw, token) for token in norm.split())
        if words:
            result.append(words)
    return result


#: Segments holding one of these words (or phrases) say that the model does not know.
NO_ANSWER_WORDS = frozenset(
    "unknown unsure unclear uncertain unable cannot cant impossible undetermined unidentifiable "
    "unidentified indeterminate unspecified none nowhere idk null nan".split()
)
NO_ANSWER_PHRASES = (
    "not sure", "no idea", "dont know", "do not know", "not possible", "not enough", "not clear",
    "hard to tell", "hard to say", "difficult to", "cant tell", "cant say", "no way to", "no clear",
)

#: Words that carry no place information around a place name ("road in", "central", ...).
FILLER_WORDS = frozenset(
    """
    a an the in of on at near around by from to and or is it its this that i im think guess
    looks look like seems seem appears could be would may might must probably likely possibly
    maybe perhaps somewhere anywhere
    photo image picture taken shot street streets road roads highway motorway lane avenue
    city town village hamlet area region regions province state prefecture county district
    territory municipality oblast countryside rural urban suburb suburbs suburban outskirts
    downtown centre center central middle inner outer part parts side coast coastal mainland
    north south east west northern southern eastern western northeast northwest southeast
    southwest northeastern northwestern southeastern southwestern far upper lower
    upstate greater metropolitan metro country capital location place
    """.split()
)

#: Names of areas larger than a country: they place nothing, so they are read as filler
#: (and "South America" must not fall back to "America", the US).
SUPRANATIONAL_NAMES = frozenset({
    "europe", "asia", "africa", "oceania", "americas", "the americas", "north america", "south america",
    "central america", "latin america", "eastern europe", "western europe", "northern europe",
    "southern europe", "central europe", "scandinavia", "balkans", "the balkans", "caribbean",
    "the caribbean", "middle east", "the middle east", "southeast asia", "south east asia", "east asia",
    "south asia", "central asia", "sub saharan africa", "north africa", "west africa", "east africa",
    "southern africa",
})

#: Common English short forms and former names of countries that the data sets lack.
COUNTRY_ALIASES = {
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB",
    "united kingdom of great britain and northern ireland": "GB",
    "us": "US", "usa": "US", "u s": "US", "u s a": "US", "america": "US",
    "united states of america": "US", "the states": "US",
    "uae": "AE", "emirates": "AE", "the emirates": "AE",
    "holland": "NL", "the netherlands": "NL",
    "korea": "KR", "republic of korea": "KR", "dprk": "KP",
    "czech republic": "CZ", "cote divoire": "CI", "burma": "MM", "swaziland": "SZ",
    "macedonia": "MK", "turkiye": "TR", "vatican city": "VA", "holy see": "VA",
    "drc": "CD", "dr congo": "CD", "congo kinshasa": "CD", "congo brazzaville": "CG",
    "east timor": "TL", "cape verde": "CV", "bosnia": "BA", "palestine": "PS",
    "russian federation": "RU", "viet nam": "VN", "persia": "IR", "ceylon": "LK",
    "россия": "RU", "rossiya": "RU", "nippon": "JP", "nihon": "JP", "zhongguo": "CN", "bharat": "IN",
    "hellas": "GR", "nz": "NZ",
}

#: Upper-case postal abbreviations of subdivisions, matched only when written in capitals.
SUBDIVISION_ABBREVIATIONS = {
    "CA": {
        "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
        "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories",
        "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec",
        "SK": "Saskatchewan", "YT": "Yukon",
    },
    "AU": {
        "NSW": "New South Wales", "VIC": "Victoria", "QLD": "Queensland", "WA": "Western Australia",
        "SA": "South Australia", "TAS": "Tasmania", "ACT": "Australian Capital Territory",
        "NT": "Northern Territory",
    },
}

#: Generic words that end many subdivision names and are also written without them.
REGION_SUFFIXES = (
    " province", " region", " oblast", " prefecture", " state", " governorate", " district",
    " county", " department", " municipality", " voivodeship", " krai", " kray", " republic",
)
