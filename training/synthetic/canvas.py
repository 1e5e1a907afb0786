"""Drawing surface that paints an RGB image, its ADE20K label mask and a clue-instance map at once.

The instance map records which clue (if any) owns each pixel, so a clue counts as visible only
where it survives occlusion and the image border.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from training.synthetic.conventions import RGB

Point = tuple[float, float]
NO_CLUE = 0


@dataclass(frozen=True)
class Camera:
    """Pinhole camera looking down the street: world x to the right, y up, z ahead (metres)."""

    width: int
    height: int
    horizon: float  # image row of the horizon (px)
    focal: float  # px
    offset: float  # camera's lateral position (m)
    eye_height: float = 1.5

    def point(self, x: float, y: float, z: float) -> Point:
        return (
            self.width / 2 + self.focal * (x - self.offset) / z,
            self.horizon + self.focal * (self.eye_height - y) / z,
        )

    def ground(self, x: float, z: float) -> Point:
        return self.point(x, 0.0, z)

    def scale(self, z: float) -> float:
        """Pixels per metre at depth z."""
        return self.focal / z


@lru_cache(maxsize=1)
def _font() -> ImageFont.ImageFont:
    return ImageFont.load_default_imagefont()


@lru_cache(maxsize=256)
def _text_mask(text: str, scale: int) -> Image.Image:
    """Text in PIL's bitmap font as an L mask, enlarged by whole pixels for big renders."""
    left, top, right, bottom = _font().getbbox(text)
    mask = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=_font())
    mask = mask.crop(mask.getbbox())  # the ink only: capitals are 6 px high
    if scale > 1:
        mask = mask.resize((mask.width * scale, mask.height * scale), Image.Resampling.NEAREST)
    return mask


def text_size(text: str, scale: int) -> tuple[int, int]:
    return _text_mask(text, scale).size


class Canvas:
    def __init__(self, width: int, height: int, sky_top: RGB, sky_bottom: RGB, sky_class: int):
        rows = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
        top = np.asarray(sky_top, dtype=np.float32)
        bottom = np.asarray(sky_bottom, dtype=np.float32)
        sky = top + (bottom - top) * rows
        pixels = np.broadcast_to(sky, (height, width, 3)).astype(np.uint8)
        self.width = width
        self.height = height
        self.image = Image.fromarray(pixels, "RGB")
        self.mask = Image.new("L", (width, height), sky_class)
        self.instances = Image.new("L", (width, height), NO_CLUE)
        self._layers = (
            ImageDraw.Draw(self.image),
            ImageDraw.Draw(self.mask),
            ImageDraw.Draw(self.instances),
        )

    def polygon(self, points: list[Point], colour: RGB, cls: int, clue: int = NO_CLUE) -> None:
        for draw, fill in zip(self._layers, (colour, cls, clue)):
            draw.polygon(points, fill=fill)

    def paint(self, points: list[Point], colour: RGB) -> None:
        """Image-only detail (windows, roof edges): pixels keep the class and clue beneath."""
        self._layers[0].polygon(points, fill=colour)

    def rectangle(self, box: tuple[float, float, float, float], colour: RGB, cls: int,
                  clue: int = NO_CLUE) -> None:
        x0, y0, x1, y1 = box
        box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        for draw, fill in zip(self._layers, (colour, cls, clue)):
            draw.rectangle(box, fill=fill)

    def ellipse(self, box: tuple[float, float, float, float], colour: RGB, cls: int,
                clue: int = NO_CLUE) -> None:
        for draw, fill in zip(self._layers, (colour, cls, clue)):
            draw.ellipse(box, fill=fill)

    def line(self, points: list[Point], colour: RGB, cls: int, width: int,
             clue: int = NO_CLUE) -> None:
        for draw, fill in zip(self._layers, (colour, cls, clue)):
            draw.line(points, fill=fill, width=max(1, width))

    def text(self, centre: Point, text: str, colour: RGB, scale: int) -> bool:
        """Paint text (image only: its pixels keep the class beneath); False if it would not fit."""
        mask = _text_mask(text, scale)
        x = int(round(centre[0] - mask.width / 2))
        y = int(round(centre[1] - mask.height / 2))
        if x < 0 or y < 0 or x + mask.width > self.width or y + mask.height > self.height:
            return False
        self.image.paste(colour, (x, y, x + mask.width, y + mask.height), mask)
        return True

    def count(self, box: tuple[float, float, float, float], clue: int) -> int:
        """Pixels of one clue inside a box (clipped to the image)."""
        x0, y0, x1, y1 = box
        crop = (max(0, int(x0)), max(0, int(y0)), min(self.width, int(x1) + 1),
                min(self.height, int(y1) + 1))
        if crop[0] >= crop[2] or crop[1] >= crop[3]:
            return 0
        return int(np.count_nonzero(np.asarray(self.instances.crop(crop)) == clue))

    def clue_pixels(self) -> np.ndarray:
        """Visible pixel count of each clue id (index = id)."""
        return np.bincount(np.asarray(self.instances).ravel(), minlength=256)
