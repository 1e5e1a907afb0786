"""Locatability map as a raster: the mean locatability score of the photos in each cell.

The grid is laid out in the UTM zone of the points' centroid, so that cells are square in
metres; cells without photos are nodata.
"""

from __future__ import annotations


import numpy as np

from georeasoner.errors import GeoReasonerError
from georeasoner.fileio import atomic_output

NODATA = -9999.0
#: Largest grid written (float32: 100 MB in memory); a wider extent needs larger cells.
MAX_CELLS = 25_000_000


def write_locatability_raster(lats, lons, scores, out_tif, cell_m: float = 100.0) -> None:
    """Write a float32, deflate-compressed GeoTIFF of mean ``scores`` per ``cell_m`` cell.

    Points with a missing coordinate or score are skipped. The file is written next to
    ``out_tif`` under a temporary name and renamed onto it when complete.
    """
    import rasterio
    from pyproj import Transformer
    from rasterio.transform import Affine

    if not cell_m > 0:
        raise GeoReasonerError(f"cell size must be positive, not {cell_m}; pass --cell METRES")
    lats, lons, scores = _valid_points(lats, lons, scores)
    crs = utm_crs(lats, lons)
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lons, lats)
    left = np.floor(x.min() / cell_m) * cell_m
    top = np.ceil(y.max() / cell_m) * cell_m
    cols = np.floor((x - left) / cell_m).astype(np.int64)
    rows = np.floor((top - y) / cell_m).astype(np.int64)
    width, height = int(cols.max()) + 1, int(rows.max()) + 1
    if width * height > MAX_CELLS:
        suggested = cell_m * np.ceil(np.sqrt(width * height / MAX_CELLS))
        raise GeoReasonerError(
            f"the locatability raster would be {width} x {height} cells of {cell_m:g} m, "
            f"more than {MAX_CELLS:,}; raise --cell (e.g. --cell {suggested:g})"
        )
    grid = mean_per_cell(rows * width + cols, scores, width * height).reshape(height, width)

    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "float32",
        "crs": crs.to_wkt(),
        "transform": Affine(cell_m, 0.0, left, 0.0, -cell_m, top),
        "nodata": NODATA,
        "compress": "deflate",
        "predictor": 3,
    }
    with atomic_output(out_tif) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(grid, 1)
        dst.set_band_description(1, "locatability: mean score of the photos in the cell")


def utm_crs(lats: np.ndarray, lons: np.ndarray):
    """The WGS 84 UTM zone (pyproj CRS) that holds the centroid of the points."""
    from pyproj import CRS
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    lat = float(np.mean(lats))
    # Mean of unit vectors: points on both sides of the antimeridian centre near 180, not 0.
    lon = float(np.degrees(np.arctan2(np.mean(np.sin(np.radians(lons))), np.mean(np.cos(np.radians(lons))))))
    zones = query_utm_crs_info(datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat))
    zones = [zone for zone in zones if "UTM zone" in zone.name]
    if not zones:
        raise GeoReasonerError(f"no UTM zone holds the points' centroid ({lat:.4f}, {lon:.4f}); check the coordinates")
    return CRS.from_authority(zones[0].auth_name, zones[0].code)


def mean_per_cell(cells: np.ndarray, scores: np.ndarray, n_cells: int) -> np.ndarray:
    """float32 array of ``n_cells``: mean score of the points in each cell, NODATA elsewhere."""
    occupied, inverse = np.unique(cells, return_inverse=True)
    sums = np.bincount(inverse, weights=scores)
    counts = np.bincount(inverse)
    grid = np.full(n_cells, NODATA, dtype=np.float32)
    grid[occupied] = sums / counts
    return grid


def _valid_points(lats, lons, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lats, lons, scores = (np.asarray(values, dtype=float).ravel() for values in (lats, lons, scores))
    if not lats.size == lons.size == scores.size:
        raise GeoReasonerError(f"got {lats.size} latitudes, {lons.size} longitudes and {scores.size} scores")
    valid = np.isfinite(lats) & np.isfinite(lons) & np.isfinite(scores) & (np.abs(lats) <= 90) & (np.abs(lons) <= 180)
    if not valid.any():
        raise GeoReasonerError(
            "no photo has both a location and a locatability score; nothing to map "
            "(the layer needs point locations and scored photos)"
        )
    return lats[valid], lons[valid], scores[valid]
