"""Test images made by code: JPEGs with EXIF GPS and orientation, photos in every colour mode."""

from __future__ import annotations

import io
import struct
import zlib
from fractions import Fraction
from pathlib import Path

from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational


def _rational(value: float) -> IFDRational:
    fraction = Fraction(value).limit_denominator(1_000_000)
    return IFDRational(fraction.numerator, fraction.denominator)


def _dms(degrees: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    degrees = abs(degrees)
    whole = int(degrees)
    minutes = int((degrees - whole) * 60)
    seconds = (degrees - whole - minutes / 60) * 3600
    return _rational(whole), _rational(minutes), _rational(round(seconds, 4))


def gps_exif(
    lat: float,
    lon: float,
    altitude: float | None = None,
    direction: float | None = None,
    taken_at: str | None = None,
    offset: str | None = None,
) -> Image.Exif:
    """EXIF with a GPS IFD as cameras write it (DMS rationals + N/S/E/W references).
    ``taken_at`` is EXIF's 'YYYY:MM:DD HH:MM:SS'."""
    exif = Image.Exif()
    gps = {
        ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
        ExifTags.GPS.GPSLatitude: _dms(lat),
        ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
        ExifTags.GPS.GPSLongitude: _dms(lon),
    }
    if altitude is not None:
        gps[ExifTags.GPS.GPSAltitudeRef] = b"\x00" if altitude >= 0 else b"\x01"
        gps[ExifTags.GPS.GPSAltitude] = _rational(abs(altitude))
    if direction is not None:
        gps[ExifTags.GPS.GPSImgDirectionRef] = "T"
        gps[ExifTags.GPS.GPSImgDirection] = _rational(direction)
    exif[ExifTags.IFD.GPSInfo] = gps
    if taken_at is not None:
        details = {ExifTags.Base.DateTimeOriginal: taken_at}
        if offset is not None:
            details[ExifTags.Base.OffsetTimeOriginal] = offset
        exif[ExifTags.IFD.Exif] = details
    return exif


def write_jpeg(path: Path, exif: Image.Exif | None = None, size: tuple[int, int] = (32, 24)) -> Path:
    """A small JPEG (a colour gradient) with the given EXIF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.save(path, "JPEG", exif=exif if exif is not None else Image.Exif())
    return path


def marker_image(size: tuple[int, int] = (40, 20)) -> Image.Image:
    """White RGB image with a red square in its top-left corner, to see where 'up' went."""
    image = Image.new("RGB", size, (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, 8, 8))
    return image


def oriented_png_bytes(orientation: int) -> bytes:
    """The marker image stored with an EXIF Orientation tag (PNG: lossless, so pixels are exact)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    buffer = io.BytesIO()
    marker_image().save(buffer, "PNG", exif=exif)
    return buffer.getvalue()


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    """A JPEG of a noisy pattern (noise so that a cut-off file is really missing data)."""
    image = Image.effect_noise(size, 60).convert(mode)
    return encoded(image, "JPEG", quality=95)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` RGB pixels but holds none: what a
    decompression bomb's header looks like, at no cost."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")
