"""Safe image decoding: any photo in, an upright RGB image or a one-line ItemError out."""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from georeasoner.errors import ItemError
from georeasoner.items import Item

#: About 8,000 x 8,000 pixels; well above any street-level camera, far below a decompression bomb.
DEFAULT_MAX_PIXELS = 64_000_000
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
_HIGH_DEPTH_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
_WHITE = (255, 255, 255)

Source = str | os.PathLike | bytes | Item


def decode_image(
    source: Source, max_pixels: int = DEFAULT_MAX_PIXELS, max_side: int | None = None, min_side: int | None = None
) -> Image.Image:
    """Decode a photo (a path, its bytes, or an Item) into an upright RGB image.

    The size in the file header is checked against ``max_pixels`` (and Pillow's own
    ``Image.MAX_IMAGE_PIXELS``, whose warning counts as an error) before any pixel is decoded.
    With ``max_side`` the result's longer side is at most ``max_side`` pixels, and big JPEGs are
    decoded at a reduced scale (``draft``) to save time. With ``min_side`` (a model's input
    size) big JPEGs are decoded at the smallest scale that keeps both sides at least
    ``min_side``, with no resampling: the model's own resize does the rest. Raises ItemError
    with a one-line reason.
    """
    image = _open(source)
    try:
        _check_size(image, max_pixels)
        if min_side is not None or max_side is not None:
            side = min_side if min_side is not None else max_side
            image.draft("RGB", (side, side))
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ItemError(_load_failure_reason(exc)) from exc
        rgb = to_rgb(ImageOps.exif_transpose(image))
    finally:
        image.close()
    if max_side is not None:
        rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return rgb


def decode_many(
    sources: Iterable[Source],
    max_workers: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int | None = None,
    prepare: Callable[[Image.Image], Any] | None = None,
    min_side: int | None = None,
) -> list[Any]:
    """Decode photos in a thread pool (Pillow decodes without the GIL); results keep the
    input order, with an ItemError in place of each photo that failed.

    ``prepare``, when given, runs on each decoded image in the same thread (e.g. a model's
    preprocessing, so that it too overlaps with the model); its result replaces the image,
    and an ItemError it raises stands for the photo.
    """

    def decode_one(source: Source) -> Any:
        try:
            image = decode_image(source, max_pixels=max_pixels, max_side=max_side, min_side=min_side)
            return image if prepare is None else prepare(image)
        except ItemError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(decode_one, sources))


def to_rgb(image: Image.Image) -> Image.Image:
    """A new RGB image: alpha composited on white, 16-bit and float scaled to 8 bits."""
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in _ALPHA_MODES:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, _WHITE + (255,))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode in _HIGH_DEPTH_MODES:
        return _scaled_to_8bit(image).convert("RGB")
    return image.convert("RGB")


def _scaled_to_8bit(image: Image.Image) -> Image.Image:
    """Grayscale L from 16-bit, 32-bit or float pixels. ``I;16`` is 0..65535; ``I`` and ``F``
    hold no declared range, so it is taken from the data: 0..1, 0..255, 0..65535 or 0..peak."""
    pixels = np.asarray(image, dtype=np.float64)
    peak = float(pixels.max(initial=0.0))
    if image.mode.startswith("I;16") or 255 < peak <= 65535:
        scale = 1 / 257
    elif image.mode == "F" and peak <= 1.0:
        scale = 255.0
    elif peak > 65535:
        scale = 255 / peak
    else:
        scale = 1.0
    return Image.fromarray(np.clip(np.rint(pixels * scale), 0, 255).astype(np.uint8), mode="L")


def _open(source: Source) -> Image.Image:
    """Open without decoding pixels; Pillow's decompression-bomb warning becomes an error."""
    if isinstance(source, Item):
        source = source.data if source.data is not None else source.path
    if source is None or (isinstance(source, (str, bytes)) and not source):
        raise ItemError("no image: the photo has no path or data" if source is None else _empty_reason(source))
    warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
    try:
        if isinstance(source, bytes):
            return Image.open(io.BytesIO(source))
        path = os.fspath(source)
        _check_file(path)
        return Image.open(path)
    except UnidentifiedImageError as exc:
        raise ItemError("not an image (cannot identify image file)") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ItemError(_bomb_reason(exc)) from exc
    except PermissionError as exc:
        raise ItemError(f"cannot read file (permission denied): {source}") from exc
    except OSError as exc:
        raise ItemError(f"cannot read file: {' '.join(str(exc).split())}") from exc


def _bomb_reason(exc: Exception) -> str:
    """Pillow's own limit (Image.MAX_IMAGE_PIXELS) tripped while reading the header."""
    found = re.search(r"\((\d+) pixels\) exceeds limit of (\d+) pixels", str(exc))
    if found is None:
        return f"image too large: {' '.join(str(exc).split())}"
    pixels, limit = (int(number) for number in found.groups())
    return f"image too large: {pixels:,} pixels exceeds the limit of {limit:,} pixels"


def _empty_reason(source: str | bytes) -> str:
    return "empty image data" if isinstance(source, bytes) else "no image: the photo's path is empty"


def _check_file(path: str) -> None:
    if not os.path.exists(path):
        raise ItemError(f"file not found: {path}")
    if not os.path.isfile(path):
        raise ItemError(f"not a file: {path}")
    if os.path.getsize(path) == 0:
        raise ItemError(f"empty file: {path}")


def _check_size(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width * height > max_pixels:
        raise ItemError(f"image too large: {width}x{height} pixels exceeds the limit of {max_pixels:,} pixels")


def _load_failure_reason(exc: BaseException) -> str:
    message = " ".join(str(exc).split())
    if "truncated" in message.lower() or isinstance(exc, EOFError):
        return "truncated image file"
    return f"corrupt image ({message or type(exc).__name__})"
