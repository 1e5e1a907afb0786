"""Street furniture drawn in perspective: cars, signs, bollards, trees, lamps, poles, landmarks.

Sizes are in metres; a few clue-bearing parts (plates, bollards, signs) are larger than life so
that they stay visible at 64-128 px.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from training.synthetic import classes
from training.synthetic.canvas import Camera, Canvas, Point, text_size
from training.synthetic.clues import Clue
from training.synthetic.conventions import COLOURS, RGB, BollardStyle, PlateStyle, SignStyle, TreeStyle

TYRE = (20, 20, 22)
GLASS = (55, 65, 80)
METAL = (95, 98, 104)


def _box(cam: Camera, x0: float, x1: float, y0: float, y1: float, z: float) -> tuple[float, ...]:
    left, top = cam.point(x0, y1, z)
    right, bottom = cam.point(x1, y0, z)
    return (left, top, right, bottom)


def shade(colour: RGB, factor: float) -> RGB:
    return tuple(max(0, min(255, int(c * factor))) for c in colour)  # type: ignore[return-value]


def car(canvas: Canvas, cam: Camera, x: float, z: float, body: RGB, plate: PlateStyle,
        facing_away: bool) -> None:
    """A car seen from behind (facing_away) or from the front; its plate in the country's colours."""
    canvas.rectangle(_box(cam, x - 0.85, x - 0.55, 0.0, 0.4, z), TYRE, classes.CAR, Clue.DRIVING_SIDE)
    canvas.rectangle(_box(cam, x + 0.55, x + 0.85, 0.0, 0.4, z), TYRE, classes.CAR, Clue.DRIVING_SIDE)
    canvas.rectangle(_box(cam, x - 0.9, x + 0.9, 0.25, 1.0, z), body, classes.CAR, Clue.DRIVING_SIDE)
    canvas.polygon([cam.point(x - 0.85, 1.0, z), cam.point(x - 0.65, 1.5, z),
                    cam.point(x + 0.65, 1.5, z), cam.point(x + 0.85, 1.0, z)],
                   shade(body, 0.8), classes.CAR, Clue.DRIVING_SIDE)
    canvas.rectangle(_box(cam, x - 0.6, x + 0.6, 1.05, 1.42, z), GLASS, classes.CAR, Clue.DRIVING_SIDE)
    lamp = COLOURS["red"] if facing_away else (250, 245, 200)
    for side in (-1, 1):
        canvas.rectangle(_box(cam, x + side * 0.85, x + side * 0.6, 0.7, 0.88, z), lamp, classes.CAR,
                         Clue.DRIVING_SIDE)
    box = _box(cam, x - 0.38, x + 0.38, 0.32, 0.62, z)
    canvas.rectangle(box, COLOURS[plate.colour], classes.CAR, Clue.PLATE)
    if plate.strip is not None:
        left, top, right, bottom = box
        strip = ((left, top, left + (right - left) * 0.25, bottom) if plate.strip_side == "left"
                 else (left, top, right, top + (bottom - top) * 0.4))
        canvas.rectangle(strip, COLOURS[plate.strip], classes.CAR, Clue.PLATE)


@dataclass(frozen=True)
class SignText:
    """Which texts a sign shows, and its sign pixels when drawn (to detect later occlusion)."""

    word: bool
    code: bool
    box: tuple[float, float, float, float]
    pixels: int


def _sign_outline(left: float, top: float, right: float, bottom: float, shape: str,
                  points_right: bool) -> list[Point]:
    if shape == "rectangular":
        return [(left, top), (right, top), (right, bottom), (left, bottom)]
    tip = (bottom - top) * 0.5
    mid = (top + bottom) / 2
    if points_right:
        return [(left, top), (right - tip, top), (right, mid), (right - tip, bottom), (left, bottom)]
    return [(left + tip, top), (right, top), (right, bottom), (left + tip, bottom), (left, mid)]


def _inset(points: list[Point], by: float) -> list[Point]:
    """The outline shrunk towards its centroid (corners move by 1.2 x ``by``, edges by about ``by``)."""
    cx = sum(p[0] for p in points) / len(points)
    cy = sum(p[1] for p in points) / len(points)
    out = []
    for px, py in points:
        dx, dy = px - cx, py - cy
        norm = math.hypot(dx, dy) or 1.0
        out.append((px - by * dx / norm * 1.2, py - by * dy / norm * 1.2))
    return out


def sign(canvas: Canvas, cam: Camera, x: float, z: float, bottom: float, width: float,
         height: float, style: SignStyle, band: RGB, word: str, code: str, text_scale: int,
         points_right: bool) -> SignText:
    """A sign in the country's colour and shape with a city band; text where it is legible."""
    left, top, right, low = _box(cam, x - width / 2, x + width / 2, bottom, bottom + height, z)
    outline = _sign_outline(left, top, right, low, style.shape, points_right)
    border = max(1.0, (low - top) * 0.08)
    canvas.polygon(outline, COLOURS[style.border], classes.SIGNBOARD, Clue.SIGN)
    canvas.polygon(_inset(outline, border), COLOURS[style.colour], classes.SIGNBOARD, Clue.SIGN)
    band_top = low - border - (low - top) * 0.16
    canvas.rectangle((left + border * 2, band_top, right - border * 2, low - border), band,
                     classes.SIGNBOARD, Clue.CITY_BAND)
    inner_width = right - left - 2 * border - (0 if style.shape == "rectangular" else (low - top) * 0.5)
    inner_height = band_top - top - border
    centre_x = (left + right) / 2 + (0 if style.shape == "rectangular" else
                                     (-1 if points_right else 1) * (low - top) * 0.25)
    box = (left, top, right, low)
    pixels = canvas.count(box, Clue.SIGN) + canvas.count(box, Clue.CITY_BAND)
    word_w, word_h = text_size(word, text_scale)
    code_w, code_h = text_size(code, text_scale)
    gap = 2 * text_scale
    colour = COLOURS[style.text_colour]
    if word_w + 2 * gap > inner_width or word_h + 2 * gap > inner_height:
        return SignText(False, False, box, pixels)
    if code_w + 2 * gap <= inner_width and word_h + code_h + 3 * gap <= inner_height:
        middle = top + border + inner_height / 2
        drew_word = canvas.text((centre_x, middle - (code_h + gap) / 2), word, colour, text_scale)
        drew_code = canvas.text((centre_x, middle + (word_h + gap) / 2), code, colour, text_scale)
        return SignText(drew_word, drew_code, box, pixels)
    drew_word = canvas.text((centre_x, top + border + inner_height / 2), word, colour, text_scale)
    return SignText(drew_word, False, box, pixels)


def legible_texts(canvas: Canvas, texts: list[SignText]) -> dict[Clue, bool]:
    """Whether a sign word and a sign code can be read: drawn, and not hidden by later drawing."""
    legible = {Clue.SIGN_WORD: False, Clue.SIGN_CODE: False}
    for text in texts:
        now = canvas.count(text.box, Clue.SIGN) + canvas.count(text.box, Clue.CITY_BAND)
        if now >= 0.97 * text.pixels:
            legible[Clue.SIGN_WORD] |= text.word
            legible[Clue.SIGN_CODE] |= text.code
    return legible


def post(canvas: Canvas, cam: Camera, x: float, z: float, top: float, width: float,
         colour: RGB = METAL, cls: int = classes.POLE) -> None:
    canvas.rectangle(_box(cam, x - width / 2, x + width / 2, 0.0, top, z), colour, cls)


def bollard(canvas: Canvas, cam: Camera, x: float, z: float, style: BollardStyle) -> None:
    body = COLOURS[style.body]
    if style.shape == "milestone":
        left, top, right, bottom = _box(cam, x - 0.35, x + 0.35, 0.0, 0.6, z)
        cap_h = (right - left) / 2
        canvas.rectangle((left, top, right, bottom), body, classes.POLE, Clue.BOLLARD)
        canvas.ellipse((left, top - cap_h, right, top + cap_h), COLOURS[style.cap or style.body],
                       classes.POLE, Clue.BOLLARD)
        canvas.rectangle((left, top, right, top + cap_h * 0.6), COLOURS[style.cap or style.body],
                         classes.POLE, Clue.BOLLARD)
        return
    canvas.rectangle(_box(cam, x - 0.16, x + 0.16, 0.0, 1.1, z), body, classes.POLE, Clue.BOLLARD)
    if style.band is not None:
        for y0, y1 in ((0.55, 0.8),) if style.body != "yellow" else ((0.2, 0.4), (0.6, 0.8)):
            canvas.rectangle(_box(cam, x - 0.16, x + 0.16, y0, y1, z), COLOURS[style.band],
                             classes.POLE, Clue.BOLLARD)
    if style.cap is not None:
        canvas.rectangle(_box(cam, x - 0.16, x + 0.16, 0.88, 1.1, z), COLOURS[style.cap],
                         classes.POLE, Clue.BOLLARD)


def tree(canvas: Canvas, cam: Camera, x: float, z: float, style: TreeStyle, leaves: RGB,
         size: float) -> None:
    trunk = (95, 70, 45)
    if style.kind == "palm":
        top = cam.point(x, 6.0 * size, z)
        post(canvas, cam, x, z, 6.0 * size, 0.3, trunk, classes.PALM)
        reach = cam.scale(z) * 2.6 * size
        for angle in (-160, -120, -60, -20, 20, 160, 90):
            rad = math.radians(angle)
            tip = (top[0] + reach * math.cos(rad), top[1] + reach * 0.6 * math.sin(rad) + reach * 0.35)
            side = (-math.sin(rad) * reach * 0.15, math.cos(rad) * reach * 0.15)
            canvas.polygon([top, (top[0] + side[0], top[1] + side[1]), tip], leaves, classes.PALM,
                           Clue.TREES)
        return
    post(canvas, cam, x, z, 2.2 * size, 0.35, trunk, classes.TREE)
    if style.kind == "conifer":
        canvas.polygon([cam.point(x - 1.6 * size, 1.2 * size, z), cam.point(x, 8.0 * size, z),
                        cam.point(x + 1.6 * size, 1.2 * size, z)], leaves, classes.TREE, Clue.TREES)
        return
    canvas.ellipse(_box(cam, x - 2.0 * size, x + 2.0 * size, 1.8 * size, 5.8 * size, z), leaves,
                   classes.TREE, Clue.TREES)


def street_lamp(canvas: Canvas, cam: Camera, x: float, z: float, towards: int) -> None:
    post(canvas, cam, x, z, 7.0, 0.2, METAL, classes.STREET_LAMP)
    canvas.line([cam.point(x, 7.0, z), cam.point(x + towards * 1.6, 7.2, z)], METAL,
                classes.STREET_LAMP, max(1, int(cam.scale(z) * 0.15)))
    canvas.rectangle(_box(cam, x + towards * 1.2, x + towards * 2.0, 6.9, 7.2, z), (230, 230, 210),
                     classes.STREET_LAMP)


UTILITY_POLE_COLOURS: dict[str, RGB] = {"concrete": (175, 175, 170), "wooden": (105, 75, 45)}
WIRE = (30, 30, 30)


def utility_pole(canvas: Canvas, cam: Camera, x: float, z: float, kind: str,
                 previous_z: float | None) -> None:
    """A pole with a cross-arm, and wires back to the pole at previous_z (farther away)."""
    colour = UTILITY_POLE_COLOURS[kind]
    canvas.rectangle(_box(cam, x - 0.17, x + 0.17, 0.0, 9.0, z), colour, classes.POLE, Clue.WIRES)
    canvas.rectangle(_box(cam, x - 1.0, x + 1.0, 8.2, 8.45, z), colour, classes.POLE, Clue.WIRES)
    if previous_z is None:
        return
    for dx, dy in ((-0.9, 8.45), (0.9, 8.45), (-0.5, 8.45), (0.0, 7.4)):
        canvas.line([cam.point(x + dx, dy, z), cam.point(x + dx, dy, previous_z)], WIRE,
                    classes.POLE, 1, Clue.WIRES)


LANDMARK_COLOUR = (118, 124, 138)


def landmark(canvas: Canvas, cam: Camera, x: float, z: float, kind: str) -> None:
    """A city's landmark on the skyline: a TV tower, a dome, or a church with twin spires."""
    colour = LANDMARK_COLOUR
    if kind == "tower":
        canvas.rectangle(_box(cam, x - 4, x + 4, 0, 150, z), colour, classes.TOWER, Clue.LANDMARK)
        canvas.ellipse(_box(cam, x - 14, x + 14, 100, 128, z), colour, classes.TOWER, Clue.LANDMARK)
        canvas.rectangle(_box(cam, x - 1, x + 1, 150, 185, z), colour, classes.TOWER, Clue.LANDMARK)
    elif kind == "dome":
        canvas.rectangle(_box(cam, x - 34, x + 34, 0, 45, z), colour, classes.BUILDING, Clue.LANDMARK)
        canvas.ellipse(_box(cam, x - 28, x + 28, 17, 73, z), colour, classes.BUILDING, Clue.LANDMARK)
        canvas.rectangle(_box(cam, x - 3, x + 3, 70, 88, z), colour, classes.BUILDING, Clue.LANDMARK)
    else:
        canvas.rectangle(_box(cam, x - 30, x + 30, 0, 50, z), colour, classes.BUILDING, Clue.LANDMARK)
        for dx in (-22, 22):
            canvas.rectangle(_box(cam, x + dx - 8, x + dx + 8, 0, 80, z), colour, classes.TOWER,
                             Clue.LANDMARK)
            canvas.polygon([cam.point(x + dx - 8, 80, z), cam.point(x + dx, 135, z),
                            cam.point(x + dx + 8, 80, z)], colour, classes.TOWER, Clue.LANDMARK)

