"""Great-circle distances."""

import numpy as np
import pytest

from georeasoner.geo.distance import EARTH_RADIUS_KM, haversine_km


def test_paris_to_london_is_about_344_km():
    assert haversine_km(48.8566, 2.3522, 51.5074, -0.1278) == pytest.approx(344, abs=2)


def test_new_york_to_los_angeles_is_about_3936_km():
    assert haversine_km(40.7128, -74.0060, 34.0522, -118.2437) == pytest.approx(3936, rel=0.005)


def test_scalar_inputs_give_a_float():
    assert isinstance(haversine_km(0, 0, 0, 1), float)


def test_same_point_is_zero_km():
    assert haversine_km(35.0, 139.0, 35.0, 139.0) == 0.0


def test_antipodes_are_half_the_circumference_apart():
    assert haversine_km(10.0, 20.0, -10.0, -160.0) == pytest.approx(np.pi * EARTH_RADIUS_KM)


def test_distance_across_the_antimeridian_is_short():
    assert haversine_km(0.0, 179.5, 0.0, -179.5) == pytest.approx(111.2, abs=0.5)


def test_arrays_broadcast_against_a_single_point():
    lats = np.array([48.8566, 51.5074, 48.8566])
    lons = np.array([2.3522, -0.1278, 2.3522])
    km = haversine_km(lats, lons, 48.8566, 2.3522)
    assert km.shape == (3,)
    assert km[0] == 0.0 and km[2] == 0.0
    assert km[1] == pytest.approx(344, abs=2)


def test_arrays_broadcast_to_a_distance_matrix():
    lats = np.array([0.0, 10.0, 20.0])
    km = haversine_km(lats[:, None], 0.0, lats[None, :], 0.0)
    assert km.shape == (3, 3)
    np.testing.assert_allclose(km, km.T)
    assert km[0, 2] == pytest.approx(2 * km[0, 1])
