"""Import a folder of geotagged photos into a point layer, from their EXIF GPS tags.

The ``image`` field holds each photo's path relative to the output file's folder (``/``
separated; absolute only where no relative path exists, e.g. another Windows drive), so the
GeoPackage and its photos can move together and :func:`georeasoner.layers.open_photo_layer`
resolves them back. Photos without a GPS position stay in the layer as rows without geometry.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PIL import ExifTags, Image, UnidentifiedImageError

from georeasoner.errors import GeoReasonerError
from georeasoner.layers import IMAGE_EXTENSIONS, PHOTOS_LAYER, WGS84, append_layer, atomic_gpkg

log = logging.getLogger(__name__)

IMPORT_CHUNK_SIZE = 1000
_EXIF_TIME_FORMAT = "%Y:%m:%d %H:%M:%S"


@dataclass(frozen=True)
class PhotoGps:
    """What a photo's EXIF says about where and when it was taken; None where it says nothing.
    ``direction`` is the camera heading in degrees; ``taken_at`` an ISO 8601 local time,
    with its UTC offset when the camera recorded one."""

    lat: float | None = None
    lon: float | None = None
    altitude: float | None = None
    direction: float | None = None
    taken_at: str | None = None

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass
class ImportSummary:
    photos: int = 0
    without_gps: list[str] = field(default_factory=list)


def read_photo_gps(path: str | os.PathLike) -> PhotoGps:
    """Read GPS position, altitude, direction and capture time from a photo's EXIF.
    Unreadable files and photos without EXIF give an empty PhotoGps."""
    try:
        with Image.open(path) as image:
            exif = image.getexif()
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        log.warning("cannot read EXIF of %s: %s", path, exc)
        return PhotoGps()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    details = exif.get_ifd(ExifTags.IFD.Exif)
    lat = _coordinate(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S", 90)
    lon = _coordinate(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W", 180)
    altitude = _number(gps.get(ExifTags.GPS.GPSAltitude))
    if altitude is not None and gps.get(ExifTags.GPS.GPSAltitudeRef) in (1, b"\x01"):
        altitude = -altitude
    return PhotoGps(
        lat=lat if lon is not None else None,
        lon=lon if lat is not None else None,
        altitude=altitude,
        direction=_number(gps.get(ExifTags.GPS.GPSImgDirection)),
        taken_at=_taken_at(exif, details),
    )


def find_photos(folder: Path) -> Iterator[Path]:
    """Image files under ``folder``, recursively, in a stable (sorted) order; hidden ones skipped."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(IMAGE_EXTENSIONS):
                yield Path(root) / name


def import_photos(folder: str | os.PathLike, out_path: str | os.PathLike) -> ImportSummary:
    """Write a GeoPackage layer ``photos`` (EPSG:4326 points) of the photos under ``folder``,
    with fields ``image``, ``gps_alt``, ``gps_dir``, ``taken_at``; written atomically."""
    folder = Path(folder).expanduser().resolve()
    out = Path(out_path).expanduser().resolve()
    if not folder.is_dir():
        raise GeoReasonerError(f"not a folder: {folder}")
    summary = ImportSummary()
    with atomic_gpkg(out) as tmp:
        rows: list[tuple[str, PhotoGps]] = []
        for photo in find_photos(folder):
            gps = read_photo_gps(photo)
            rows.append((_relative_to(photo, out.parent), gps))
            summary.photos += 1
            if not gps.has_position:
                summary.without_gps.append(str(photo))
            if len(rows) == IMPORT_CHUNK_SIZE:
                append_layer(tmp, PHOTOS_LAYER, _frame(rows), "Point")
                rows = []
        if summary.photos == 0:
            raise GeoReasonerError(f"no photos in {folder} (looked for {', '.join(IMAGE_EXTENSIONS)})")
        append_layer(tmp, PHOTOS_LAYER, _frame(rows), "Point")
    return summary


def _frame(rows: list[tuple[str, PhotoGps]]):
    import geopandas as gpd
    import shapely

    data = {
        "image": [image for image, _ in rows],
        "gps_alt": [_nan_if_none(gps.altitude) for _, gps in rows],
        "gps_dir": [_nan_if_none(gps.direction) for _, gps in rows],
        "taken_at": [gps.taken_at for _, gps in rows],
    }
    points = [shapely.Point(gps.lon, gps.lat) if gps.has_position else None for _, gps in rows]
    frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(points, crs=WGS84), crs=WGS84)
    return frame.astype({"gps_alt": "float64", "gps_dir": "float64", "image": object, "taken_at": object})


def _relative_to(photo: Path, folder: Path) -> str:
    try:
        return Path(os.path.relpath(photo, folder)).as_posix()
    except ValueError:
        return str(photo)


def _nan_if_none(value: float | None) -> float:
    return math.nan if value is None else value


def _number(value: object) -> float | None:
    """A finite float from an EXIF rational, or None."""
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def _coordinate(dms: object, ref: object, negative_ref: str, limit: float) -> float | None:
    """Decimal degrees from EXIF (degrees, minutes, seconds) and its N/S/E/W reference."""
    if not isinstance(dms, tuple) or len(dms) != 3:
        return None
    parts = [_number(part) for part in dms]
    if any(part is None for part in parts):
        return None
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if str(ref or "").strip().upper() == negative_ref:
        degrees = -degrees
    return degrees if abs(degrees) <= limit else None


def _taken_at(exif: Image.Exif, details: dict) -> str | None:
    """DateTimeOriginal (with OffsetTimeOriginal) or, failing that, the file's DateTime."""
    for value, offset in (
        (details.get(ExifTags.Base.DateTimeOriginal), details.get(ExifTags.Base.OffsetTimeOriginal)),
        (exif.get(ExifTags.Base.DateTime), details.get(ExifTags.Base.OffsetTime)),
    ):
        try:
            stamp = datetime.strptime(str(value).strip("\x00 "), _EXIF_TIME_FORMAT).isoformat()
        except ValueError:
            continue
        return stamp + str(offset).strip("\x00 ") if offset else stamp
    return None
