"""Benchmark the offline gazetteer: reverse geocoding points/s and geocoding strings/s.

Run: ``.venv/bin/python bench/bench_gazetteer.py``. Prints each figure with its ratio to the
target and records it in bench/results.json (see bench/results.py). Single-threaded.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record_result  # noqa: E402

from georeasoner.geo import gazetteer  # noqa: E402
from georeasoner.geo.geocode import geocode  # noqa: E402
from georeasoner.geo.reverse import reverse  # noqa: E402

REVERSE_TARGET = 100_000  # points/s
GEOCODE_TARGET = 5_000  # strings/s
LOAD_TARGET = 1.0  # s


def best_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def sample_points(gaz: gazetteer.Gazetteer, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Half near populated places (where photos are), half uniform over the inhabited latitudes."""
    near = rng.integers(0, len(gaz.city_lat), n // 2)
    lat = np.concatenate([gaz.city_lat[near] + rng.normal(0, 0.2, n // 2), rng.uniform(-56, 72, n - n // 2)])
    lon = np.concatenate([gaz.city_lon[near] + rng.normal(0, 0.2, n // 2), rng.uniform(-180, 180, n - n // 2)])
    return np.clip(lat, -90, 90), (lon + 180) % 360 - 180


def sample_answers(gaz: gazetteer.Gazetteer, n: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Distinct answers in the shapes models give (place with country, place, region, country,
    filler) and the country code of the place each was made from."""
    big = np.flatnonzero(gaz.city_population >= 15_000)
    cities = rng.choice(big, n, replace=False)
    countries = gaz.countries
    shapes = [
        lambda c: f"{gaz.city_name[c]}, {countries[gaz.city_country[c]].name}",
        lambda c: str(gaz.city_name[c]),
        lambda c: f"Street in {gaz.city_name[c]}, {countries[gaz.city_country[c]].name}",
        lambda c: f"{gaz.region_name[gaz.city_region[c]]}, {countries[gaz.city_country[c]].name}"
        if gaz.city_region[c] >= 0 else f"Road in {countries[gaz.city_country[c]].name}",
        lambda c: f"Somewhere in northern {countries[gaz.city_country[c]].name}",
    ]
    return [shapes[i % len(shapes)](c) for i, c in enumerate(cities)], [str(gaz.city_country[c]) for c in cities]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="points to reverse geocode (default 1e6)")
    parser.add_argument("--answers", type=int, default=10_000, help="answers to geocode (default 1e4)")
    parser.add_argument("--no-record", action="store_true", help="print only; leave bench/results.json alone")
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    gaz = gazetteer.load_gazetteer()  # builds the user cache on a first run
    reverse(0.0, 0.0)  # builds the KD-tree
    load_s = best_seconds(gazetteer.load_gazetteer.__wrapped__, 3)

    lat, lon = sample_points(gaz, args.points, rng)
    points_per_s = args.points / best_seconds(lambda: reverse(lat, lon), 3)

    answers, countries = sample_answers(gaz, args.answers, rng)
    answers_per_s = len(answers) / best_seconds(lambda: [geocode(a) for a in answers], 2)
    places = [geocode(a) for a in answers]
    agreeing = sum(p is not None and p.country_code == cc for p, cc in zip(places, countries, strict=True))
    same_country = agreeing / len(answers)

    figures = [
        ("gazetteer load from cache", round(load_s, 3), "s", LOAD_TARGET, False),
        ("reverse geocoding", round(points_per_s), "points/s", REVERSE_TARGET, True),
        ("geocoding answers", round(answers_per_s), "strings/s", GEOCODE_TARGET, True),
    ]
    for name, value, unit, target, higher in figures:
        ratio = value / target if higher else target / value
        print(f"{name:28} {value:>12,} {unit:10} target {target:,} {unit}  ({ratio:.2f}x the target)")
        if not args.no_record:
            record_result(name, value, unit, target, higher_is_better=higher)
    print(f"answers placed in the country of the place they were made from: {same_country:.1%} of {len(answers):,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
