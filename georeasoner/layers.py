"""Read photo point layers in chunks; write result GeoPackages atomically.

Inputs are GeoPackage, Shapefile, GeoJSON (anything OGR reads, through pyogrio) or CSV with
latitude/longitude columns (read with pandas, all attributes as text). A layer is never read
whole: features come in chunks of ``chunk_size`` rows, so memory stays flat on 100,000 photos.

The result GeoPackage holds three layers:

- ``photos``: the input attributes and geometry (input CRS; EPSG:4326 for CSV) plus every
  result field of :data:`georeasoner.schema.RESULT_FIELDS`;
- ``predictions``: a point at (``gr_lon``, ``gr_lat``) for each photo that has one, with the
  result fields and the input's image field;
- ``audit``: a line from the claimed location to the predicted one (both EPSG:4326) for each
  photo that has both.
"""

from __future__ import annotations

import csv
import logging
import math
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from georeasoner.errors import GeoReasonerError
from georeasoner.fileio import atomic_output
from georeasoner.items import Item
from georeasoner.schema import RESULT_FIELDS

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

log = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 5000
WGS84 = "EPSG:4326"
PHOTOS_LAYER = "photos"
PREDICTIONS_LAYER = "predictions"
AUDIT_LAYER = "audit"
AUDIT_FIELDS = ("gr_item", "gr_err_km", "gr_flag", "gr_conf", "gr_cc_conf", "gr_country", "gr_city")

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif")
#: Words in a field name that suggest it holds image paths.
IMAGE_NAME_WORDS = frozenset({"image", "img", "photo", "picture", "pic", "path", "file", "filename", "filepath"})
LAT_NAMES = ("lat", "latitude")
LON_NAMES = ("lon", "lng", "long", "longitude")
_SAMPLE_ROWS = 200


@dataclass
class PhotoLayer:
    """A layer of photos opened for streaming; see :func:`open_photo_layer`.

    ``fields`` maps each input attribute to its numpy/pandas dtype name, ``crs`` is the CRS of
    the features (``None`` when the layer declares none) and ``geometry_type`` the OGR geometry
    type name used to write the ``photos`` layer.
    """

    path: Path
    image_field: str
    count: int
    fields: dict[str, str]
    crs: str | None
    geometry_type: str | None
    layer: str | None = None

    def iter_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[tuple["gpd.GeoDataFrame", list[Item]]]:
        """Yield ``(frame, items)`` per chunk: the chunk's attributes and geometry (indexed by
        row number) and one :class:`Item` per row, ``Item.id`` being the 0-based row."""
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        start = 0
        for frame in self._frames(chunk_size):
            if frame.empty:
                continue
            frame.index = range(start, start + len(frame))
            yield frame, self._items(frame)
            start += len(frame)

    def _frames(self, chunk_size: int) -> Iterator["gpd.GeoDataFrame"]:
        raise NotImplementedError

    def _items(self, frame: "gpd.GeoDataFrame") -> list[Item]:
        lats, lons = claimed_locations(frame.geometry, self.crs)
        return [
            Item(id=int(row), path=self._resolve(value), claimed_lat=lat, claimed_lon=lon)
            for row, value, lat, lon in zip(frame.index, frame[self.image_field], lats, lons)
        ]

    def _resolve(self, value: object) -> str | None:
        """An absolute path for an image field value, relative ones taken from the layer file's folder."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        text = str(value).strip()
        if not text:
            return None
        return os.path.normpath(os.path.join(self.path.parent, os.path.expanduser(text)))


@dataclass
class _OgrPhotoLayer(PhotoLayer):
    def _frames(self, chunk_size: int) -> Iterator["gpd.GeoDataFrame"]:
        import geopandas as gpd
        import pyogrio

        for skip in range(0, self.count, chunk_size):
            frame = pyogrio.read_dataframe(self.path, layer=self.layer, skip_features=skip, max_features=chunk_size)
            if not isinstance(frame, gpd.GeoDataFrame):
                frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame), index=frame.index))
            yield frame


@dataclass
class _CsvPhotoLayer(PhotoLayer):
    lat_field: str | None = None
    lon_field: str | None = None
    delimiter: str = ","

    def _frames(self, chunk_size: int) -> Iterator["gpd.GeoDataFrame"]:
        with _read_csv(self.path, self.delimiter, chunksize=chunk_size) as chunks:
            for chunk in chunks:
                yield self._with_points(chunk.astype(object).where(chunk.notna(), None))

    def _with_points(self, chunk: "pd.DataFrame") -> "gpd.GeoDataFrame":
        """The chunk with numeric lat/lon columns and a point from them (null where either is)."""
        import geopandas as gpd
        import pandas as pd

        geometry = gpd.GeoSeries([None] * len(chunk), index=chunk.index, crs=WGS84)
        if self.lat_field and self.lon_field:
            lat = pd.to_numeric(chunk[self.lat_field], errors="coerce")
            lon = pd.to_numeric(chunk[self.lon_field], errors="coerce")
            chunk[self.lat_field], chunk[self.lon_field] = lat, lon
            located = lat.notna() & lon.notna()
            geometry[located] = gpd.points_from_xy(lon[located], lat[located])
        return gpd.GeoDataFrame(chunk, geometry=geometry, crs=WGS84)


def open_photo_layer(
    path: str | os.PathLike,
    image_field: str | None = None,
    lat: str | None = None,
    lon: str | None = None,
    layer: str | None = None,
) -> PhotoLayer:
    """Open a layer of photos, reading only its metadata and a sample to find the image field.

    ``lat``/``lon`` name the CSV coordinate columns (default ``lat``/``lon``, also ``latitude``,
    ``lng``, ...); ``layer`` picks a layer of a multi-layer file. Raises GeoReasonerError when
    the file cannot be read or the image field cannot be told.
    """
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise GeoReasonerError(f"layer file not found: {path}")
    if path.suffix.lower() == ".csv":
        return _open_csv_layer(path, image_field, lat, lon)
    return _open_ogr_layer(path, image_field, layer)


def _open_ogr_layer(path: Path, image_field: str | None, layer: str | None) -> PhotoLayer:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        layers = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
        if layer is None and len(layers) > 1:
            raise GeoReasonerError(f"{path.name} has {len(layers)} layers ({', '.join(layers)}); pass --layer NAME")
        if layer is not None and layer not in layers:
            raise GeoReasonerError(f"{path.name} has no layer {layer!r}; its layers: {', '.join(layers)}")
        info = pyogrio.read_info(path, layer=layer, force_feature_count=True)
        sample = pyogrio.read_dataframe(path, layer=layer, max_features=_SAMPLE_ROWS, read_geometry=False)
    except (DataSourceError, DataLayerError) as exc:
        raise GeoReasonerError(f"cannot read layer {path}: {exc}") from exc
    fields = {str(name): str(dtype) for name, dtype in zip(info["fields"], info["dtypes"])}
    if info["crs"] is None and info["geometry_type"] is not None:
        log.warning("%s declares no CRS; reading its points as EPSG:4326 longitude/latitude", path.name)
    return _OgrPhotoLayer(
        path=path,
        image_field=find_image_field(sample, image_field),
        count=max(int(info["features"]), 0),
        fields=fields,
        crs=info["crs"],
        geometry_type=info["geometry_type"],
        layer=layer,
    )


def _open_csv_layer(path: Path, image_field: str | None, lat: str | None, lon: str | None) -> PhotoLayer:
    import pandas as pd

    delimiter = _sniff_delimiter(path)
    try:
        sample = _read_csv(path, delimiter, nrows=_SAMPLE_ROWS)
        with _read_csv(path, delimiter, chunksize=50_000, usecols=[0]) as first_column:
            count = sum(len(chunk) for chunk in first_column)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise GeoReasonerError(f"cannot read CSV {path}: {exc}") from exc
    columns = [str(name) for name in sample.columns]
    lat_field = _coordinate_column(columns, lat, LAT_NAMES, "--lat")
    lon_field = _coordinate_column(columns, lon, LON_NAMES, "--lon")
    if lat_field is None or lon_field is None:
        log.warning("%s has no latitude/longitude columns: its photos claim no location", path.name)
        lat_field = lon_field = None
    fields = {name: "object" for name in columns}
    for name in (lat_field, lon_field):
        if name:
            fields[name] = "float64"
    return _CsvPhotoLayer(
        path=path,
        image_field=find_image_field(sample, image_field),
        count=count,
        fields=fields,
        crs=WGS84,
        geometry_type="Point",
        lat_field=lat_field,
        lon_field=lon_field,
        delimiter=delimiter,
    )


def _read_csv(path: Path, delimiter: str, **options):
    """pandas.read_csv with every value as text and only empty cells as null."""
    import pandas as pd

    return pd.read_csv(
        path, sep=delimiter, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig", **options
    )


def _sniff_delimiter(path: Path) -> str:
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline()
    try:
        return csv.Sniffer().sniff(header, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _coordinate_column(columns: list[str], asked: str | None, names: tuple[str, ...], option: str) -> str | None:
    """The column named ``asked`` (which must exist) or the first of the usual ``names``."""
    if asked is not None:
        if asked not in columns:
            raise GeoReasonerError(f"CSV has no column {asked!r} for {option}; its columns: {', '.join(columns)}")
        return asked
    by_lower = {name.lower(): name for name in columns}
    return next((by_lower[name] for name in names if name in by_lower), None)


def find_image_field(sample: "pd.DataFrame", asked: str | None = None) -> str:
    """The field of ``sample`` holding image paths.

    ``asked`` must exist. Otherwise the one text field whose values end with an image extension
    wins; failing that, the one text field named like ``image``/``photo``/``path``/``file``.
    Anything less obvious raises GeoReasonerError asking for ``--image-field``.
    """
    columns = [str(name) for name in sample.columns]
    if asked is not None:
        if asked not in columns:
            raise GeoReasonerError(f"the layer has no field {asked!r}; its fields: {', '.join(columns)}")
        return asked
    text_columns = [name for name in columns if _is_text(sample[name])]
    by_values = [name for name in text_columns if _mostly_image_paths(sample[name])]
    by_name = [name for name in text_columns if _named_like_image(name)]
    for candidates in (by_values, [name for name in by_values if name in by_name], by_name):
        if len(candidates) == 1:
            return candidates[0]
    found = ", ".join(by_values or by_name) or "none"
    raise GeoReasonerError(
        f"cannot tell which field holds the image paths (candidates: {found}; fields: {', '.join(columns)}); "
        "pass --image-field NAME"
    )


def _is_text(values: "pd.Series") -> bool:
    import pandas as pd

    return pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)


def _mostly_image_paths(values: "pd.Series") -> bool:
    texts = [str(value).strip().lower() for value in values.dropna()]
    texts = [text for text in texts if text]
    hits = sum(text.endswith(IMAGE_EXTENSIONS) for text in texts)
    return bool(texts) and hits >= 0.8 * len(texts)


def _named_like_image(name: str) -> bool:
    """Whether a word of the name (snake_case or camelCase) is like 'image', 'photo', 'path'."""
    words = re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).lower())
    return not IMAGE_NAME_WORDS.isdisjoint(words)


def claimed_locations(geometry: "gpd.GeoSeries", crs: str | None) -> tuple[list[float | None], list[float | None]]:
    """(latitudes, longitudes) in EPSG:4326 of point geometries; None for null, empty,
    non-point or out-of-range ones. Without a CRS the points are taken as lon/lat."""
    import numpy as np
    import shapely
    from pyproj import Transformer

    geoms = np.asarray(geometry.values, dtype=object)
    points = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    points &= ~shapely.is_empty(geoms)
    x = np.where(points, shapely.get_x(geoms), np.nan)
    y = np.where(points, shapely.get_y(geoms), np.nan)
    if crs is not None:
        x, y = Transformer.from_crs(crs, WGS84, always_xy=True).transform(x, y)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    valid = np.isfinite(x) & np.isfinite(y) & (np.abs(y) <= 90) & (np.abs(x) <= 180)
    lats = [float(lat) if ok else None for lat, ok in zip(y, valid)]
    lons = [float(lon) if ok else None for lon, ok in zip(x, valid)]
    return lats, lons


def atomic_gpkg(out_path: str | os.PathLike):
    """A temporary GeoPackage beside ``out_path``, moved into place on success (see fileio)."""
    return atomic_output(out_path, suffix=".tmp.gpkg")


def append_layer(gpkg: Path, name: str, frame: "gpd.GeoDataFrame", geometry_type: str | None) -> None:
    """Append ``frame`` to layer ``name`` of ``gpkg``, creating the layer (even empty) first."""
    import pyogrio

    exists = gpkg.exists() and name in pyogrio.list_layers(gpkg)[:, 0]
    if exists and frame.empty:
        return
    pyogrio.write_dataframe(
        frame, gpkg, layer=name, driver="GPKG", append=exists, geometry_type=geometry_type or "Unknown"
    )


def write_results(
    layer: PhotoLayer,
    lookup: Callable[[Sequence[int]], list[dict]],
    out_path: str | os.PathLike,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> None:
    """Write the result GeoPackage (layers ``photos``, ``predictions``, ``audit``) atomically.

    ``lookup(ids)`` returns the result records (dicts with every RESULT_FIELDS key) of the given
    item ids, in that order. The input layer is only read.
    """
    out = Path(out_path).expanduser().resolve()
    if out == layer.path or (out.exists() and os.path.samefile(out, layer.path)):
        raise GeoReasonerError(f"the output {out} is the input layer; choose another output file")
    with atomic_gpkg(out) as tmp:
        _create_empty_layers(tmp, layer)
        for frame, items in layer.iter_chunks(chunk_size):
            results = _result_frame(lookup([item.id for item in items]), frame.index)
            append_layer(tmp, PHOTOS_LAYER, _photos_frame(frame, results, layer), layer.geometry_type)
            append_layer(tmp, PREDICTIONS_LAYER, _predictions_frame(frame, results, layer), "Point")
            append_layer(tmp, AUDIT_LAYER, _audit_frame(items, results), "LineString")


def _create_empty_layers(gpkg: Path, layer: PhotoLayer) -> None:
    import geopandas as gpd

    empty = gpd.GeoDataFrame({name: [] for name in layer.fields}, geometry=gpd.GeoSeries([]), crs=layer.crs)
    empty_results = _result_frame([], empty.index)
    append_layer(gpkg, PHOTOS_LAYER, _photos_frame(empty, empty_results, layer), layer.geometry_type)
    append_layer(gpkg, PREDICTIONS_LAYER, _predictions_frame(empty, empty_results, layer), "Point")
    append_layer(gpkg, AUDIT_LAYER, _audit_frame([], empty_results), "LineString")


def _result_frame(records: list[dict], index: "pd.Index") -> "pd.DataFrame":
    """Records as a frame with one typed column per result field (nullable ints, NaN floats)."""
    import pandas as pd

    if len(records) != len(index) or any(int(rec["gr_item"]) != int(row) for rec, row in zip(records, index)):
        raise ValueError("lookup must return one record per requested item id, in the same order")
    columns = {}
    for name, kind in RESULT_FIELDS.items():
        values = [record[name] for record in records]
        if kind is int:
            columns[name] = pd.array(values, dtype="Int64")
        elif kind is float:
            columns[name] = pd.array([math.nan if v is None else float(v) for v in values], dtype="float64")
        else:
            columns[name] = pd.array([None if v is None else str(v) for v in values], dtype=object)
    return pd.DataFrame(columns, index=index)


_NULLABLE_DTYPES = {"int64": "Int64", "int32": "Int32", "int16": "Int16", "int8": "Int8", "bool": "boolean"}


def _photos_frame(frame: "gpd.GeoDataFrame", results: "pd.DataFrame", layer: PhotoLayer) -> "gpd.GeoDataFrame":
    """Input attributes cast to the layer's declared types (so every chunk appends alike),
    without input fields that the results replace, then the result fields and geometry."""
    import geopandas as gpd

    attributes = {}
    for name, dtype in layer.fields.items():
        if name.lower() in RESULT_FIELDS:
            continue
        values = frame[name]
        if dtype in _NULLABLE_DTYPES:
            values = values.astype(_NULLABLE_DTYPES[dtype])
        elif dtype == "object":
            values = values.astype(object).where(values.notna(), None)
        attributes[name] = values
    data = {**attributes, **{name: results[name] for name in RESULT_FIELDS}}
    return gpd.GeoDataFrame(data, index=frame.index, geometry=frame.geometry.values, crs=layer.crs)


def _predictions_frame(frame: "gpd.GeoDataFrame", results: "pd.DataFrame", layer: PhotoLayer) -> "gpd.GeoDataFrame":
    import geopandas as gpd

    has = results["gr_lat"].notna() & results["gr_lon"].notna()
    chosen = results[has]
    image = frame.loc[has, layer.image_field].astype(object)
    data = {layer.image_field: image.where(image.notna(), None), **{name: chosen[name] for name in RESULT_FIELDS}}
    geometry = gpd.points_from_xy(chosen["gr_lon"], chosen["gr_lat"], crs=WGS84)
    return gpd.GeoDataFrame(data, index=chosen.index, geometry=geometry, crs=WGS84)


def _audit_frame(items: list[Item], results: "pd.DataFrame") -> "gpd.GeoDataFrame":
    import geopandas as gpd
    import numpy as np
    import shapely

    claims = {item.id: (item.claimed_lon, item.claimed_lat) for item in items if item.has_claim}
    has = results.index.isin(list(claims)) & results["gr_lat"].notna() & results["gr_lon"].notna()
    chosen = results.loc[has, list(AUDIT_FIELDS)]
    ends = np.empty((len(chosen), 2, 2))
    ends[:, 0] = np.reshape([claims[row] for row in chosen.index], (-1, 2))
    ends[:, 1, 0] = results.loc[has, "gr_lon"]
    ends[:, 1, 1] = results.loc[has, "gr_lat"]
    lines = gpd.GeoSeries(shapely.linestrings(ends), index=chosen.index, crs=WGS84)
    return gpd.GeoDataFrame(chosen, geometry=lines, crs=WGS84)


def read_result_records(out_path: str | os.PathLike, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[list[dict]]:
    """Yield the result records of an output GeoPackage's ``photos`` layer in chunks (for --resume):
    dicts with every RESULT_FIELDS key, Python values, None for null."""
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    path = Path(out_path).expanduser()
    try:
        info = pyogrio.read_info(path, layer=PHOTOS_LAYER, force_feature_count=True)
    except (DataSourceError, DataLayerError) as exc:
        raise GeoReasonerError(f"cannot read results from {path}: {exc}") from exc
    missing = [name for name in RESULT_FIELDS if name not in set(info["fields"])]
    if missing:
        raise GeoReasonerError(f"{path} is not a georeasoner output: its photos layer lacks {', '.join(missing)}")
    for skip in range(0, int(info["features"]), chunk_size):
        frame = pyogrio.read_dataframe(
            path,
            layer=PHOTOS_LAYER,
            columns=list(RESULT_FIELDS),
            read_geometry=False,
            skip_features=skip,
            max_features=chunk_size,
        )
        yield [_python_record(row) for row in frame.to_dict("records")]


def _python_record(row: dict) -> dict:
    record = {}
    for name, kind in RESULT_FIELDS.items():
        value = row[name]
        missing = value is None or (isinstance(value, float) and math.isnan(value))
        record[name] = None if missing else kind(value)
    return record
