"""Offline geography: distances, the GeoNames gazetteer, geocoding answers, reverse geocoding.

``distance`` (haversine), ``gazetteer`` (tables built from PyPI wheels, cached per user),
``geocode`` (free-text answer -> Place), ``reverse`` (points -> country, region, place).
Submodules are imported on use, so importing this package costs nothing.
"""
