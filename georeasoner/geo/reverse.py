"""Vectorised reverse geocoding: country, admin1 region and nearest populated place of points.

Each point takes the country and region of its nearest GeoNames place (population >= 1000),
found with a KD-tree on unit-sphere vectors (chord distance orders like great-circle
distance). Limitation: this is not a point-in-polygon test. Within a few km of a border, on
coasts facing another country, or in empty land where the nearest place lies across a border,
the country and region can be the neighbour's; points at sea get the nearest coast's place
(``distance_km`` tells how far that place is).
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import ArrayLike

from georeasoner.geo.distance import EARTH_RADIUS_KM, unit_xyz
from georeasoner.geo.gazetteer import load_gazetteer


@functools.cache
def _tree():
    from scipy.spatial import cKDTree

    gaz = load_gazetteer()
    return cKDTree(unit_xyz(gaz.city_lat, gaz.city_lon))


def reverse(lat: ArrayLike, lon: ArrayLike) -> dict[str, np.ndarray]:
    """Country code, region and nearest place for each point (degrees, EPSG:4326).

    Returns flat arrays with one entry per point of the broadcast inputs (a scalar gives one):
    ``country_code`` (ISO alpha-2, ``""`` for non-finite input), ``region`` and ``city``
    (object arrays, None where unknown) and ``distance_km`` to that place.
    """
    lat_arr, lon_arr = (a.ravel() for a in np.broadcast_arrays(np.atleast_1d(np.asarray(lat, dtype=np.float64)),
                                                               np.atleast_1d(np.asarray(lon, dtype=np.float64))))
    gaz = load_gazetteer()
    valid = np.isfinite(lat_arr) & np.isfinite(lon_arr) & (np.abs(lat_arr) <= 90)
    chord, nearest = _tree().query(unit_xyz(lat_arr[valid], lon_arr[valid]), k=1)

    n = lat_arr.shape[0]
    country = np.full(n, "", dtype="<U2")
    region = np.full(n, None, dtype=object)
    city = np.full(n, None, dtype=object)
    distance = np.full(n, np.nan)
    country[valid] = gaz.city_country[nearest]
    city[valid] = gaz.city_name[nearest]
    region_row = gaz.city_region[nearest]
    named = np.flatnonzero(valid)[region_row >= 0]
    region[named] = gaz.region_name[region_row[region_row >= 0]]
    distance[valid] = 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0.0, 1.0))
    return {"country_code": country, "region": region, "city": city, "distance_km": distance}
