"""``georeasoner geocode``: turn place answers into points with the offline gazetteer.

Prints one JSON object per text: ``text``, ``lat``, ``lon``, ``level`` (city, region or
country), ``country_code`` and ``names`` (the gazetteer names that matched); the values are
null when the text names no place.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(subparsers, name: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help="turn place answers into coordinates (offline)", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("texts", nargs="+", metavar="TEXT",
                        help='a place answer such as "Charleston, SC, USA"; "-" reads one text per line from stdin')
    return parser


def run(args: argparse.Namespace) -> int:
    from georeasoner.geo.geocode import geocode_many

    texts = [line for text in args.texts for line in (sys.stdin.read().splitlines() if text == "-" else [text])]
    for text, place in zip(texts, geocode_many(texts), strict=True):
        record = {"text": text, "lat": None, "lon": None, "level": None, "country_code": None, "names": None}
        if place is not None:
            record.update(lat=place.lat, lon=place.lon, level=place.level, country_code=place.country_code,
                          names=list(place.names))
        print(json.dumps(record, ensure_ascii=False))
    return 0
