"""Great-circle distances on a spherical Earth."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

#: mean Earth radius (IUGG), km
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> np.ndarray | float:
    """Great-circle distance in km between points given in degrees.

    Inputs broadcast against each other like numpy arrays; scalar inputs give a float.
    """
    phi1, lam1, phi2, lam2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return float(km) if km.ndim == 0 else km


def unit_xyz(lat: ArrayLike, lon: ArrayLike) -> np.ndarray:
    """Points in degrees as unit vectors, shape (..., 3); chord distance orders like arc distance."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.stack([cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)], axis=-1)
