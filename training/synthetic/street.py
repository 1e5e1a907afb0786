"""Views down a street: road, markings, sidewalks, facades or parks, and street furniture.

``richness`` (0..1) sets how much of the street the camera sees and how furnished it is:
low values tilt the view up to sky and tree crowns, high values show a furnished road.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from training.synthetic import classes, props
from training.synthetic.canvas import Camera, Canvas
from training.synthetic.clues import Clue
from training.synthetic.conventions import COLOURS, RGB, LineStyle
from training.synthetic.world import City, Country

HALF_ROAD = 3.5
LANE = HALF_ROAD / 2
NEAR = 0.8
FAR = 400.0
SKIES: tuple[tuple[RGB, RGB], ...] = (
    ((70, 130, 210), (175, 205, 235)),
    ((110, 160, 220), (200, 220, 240)),
    ((150, 155, 165), (205, 205, 210)),
    ((120, 150, 190), (225, 215, 200)),
)


def sky(rng: np.random.Generator) -> tuple[RGB, RGB]:
    return SKIES[int(rng.integers(len(SKIES)))]


def jitter(colour: RGB, rng: np.random.Generator, amount: int = 10) -> RGB:
    return tuple(int(np.clip(c + rng.integers(-amount, amount + 1), 0, 255)) for c in colour)  # type: ignore[return-value]


def _ground_strip(canvas: Canvas, cam: Camera, x0: float, x1: float, z0: float, z1: float,
                  colour: RGB, cls: int, clue: int) -> None:
    canvas.polygon([cam.ground(x0, z0), cam.ground(x1, z0), cam.ground(x1, z1), cam.ground(x0, z1)],
                   colour, cls, clue)


def _line(canvas: Canvas, cam: Camera, centre: float, style: LineStyle, clue: int,
          rng: np.random.Generator, dash: float, period: float) -> None:
    colour = COLOURS[style.colour]
    offsets = (-0.2, 0.2) if style.pattern == "double" else (0.0,)
    half = 0.08 if style.pattern == "double" else 0.11
    for offset in offsets:
        x = centre + offset
        if style.pattern == "dashed":
            start = NEAR - rng.uniform(0, period)
            while start < 90:
                _ground_strip(canvas, cam, x - half, x + half, max(NEAR, start), start + dash, colour,
                              classes.ROAD, clue)
                start += period
        else:
            _ground_strip(canvas, cam, x - half, x + half, NEAR, FAR, colour, classes.ROAD, clue)


def _arrow(canvas: Canvas, cam: Camera, x: float, z: float) -> None:
    shaft = [(x - 0.18, z), (x + 0.18, z), (x + 0.18, z + 3.0), (x - 0.18, z + 3.0)]
    head = [(x - 0.6, z + 3.0), (x + 0.6, z + 3.0), (x, z + 4.8)]
    for shape in (shaft, head):
        canvas.polygon([cam.ground(px, pz) for px, pz in shape], COLOURS["white"], classes.ROAD,
                       Clue.DRIVING_SIDE)


def _facades(canvas: Canvas, cam: Camera, country: Country, city: City, side: int, x: float,
             rng: np.random.Generator) -> None:
    style = country.style
    band = COLOURS[city.band]
    spans = []
    z = rng.uniform(1.5, 8.0)
    while z < 110:
        length = rng.uniform(8, 18)
        spans.append((z, z + length, rng.uniform(6, 22)))
        z += length + rng.uniform(0, 2)
    for z0, z1, height in reversed(spans):
        wall = jitter(style.building_colours[int(rng.integers(len(style.building_colours)))], rng, 8)
        corners = [cam.point(x, 0, z0), cam.point(x, height, z0), cam.point(x, height, z1),
                   cam.point(x, 0, z1)]
        canvas.polygon(corners, wall, classes.BUILDING, Clue.BUILDINGS)
        canvas.paint([cam.point(x, height - 1.2, z0), cam.point(x, height, z0),
                      cam.point(x, height, z1), cam.point(x, height - 1.2, z1)], style.roof_colour)
        if z0 < 45:
            for floor in np.arange(4.6, height - 1.8, 3.2):
                for wz in np.arange(z0 + 1.0, z1 - 1.2, 2.8):
                    canvas.paint([cam.point(x, floor, wz), cam.point(x, floor + 1.5, wz),
                                  cam.point(x, floor + 1.5, wz + 1.3), cam.point(x, floor, wz + 1.3)],
                                 style.window_colour)
        canvas.polygon([cam.point(x, 3.0, z0), cam.point(x, 3.7, z0), cam.point(x, 3.7, z1),
                        cam.point(x, 3.0, z1)], band, classes.BUILDING, Clue.CITY_BAND)


def _park(canvas: Canvas, cam: Camera, country: Country, side: int, x: float,
          rng: np.random.Generator) -> list[tuple[float, Callable[[], None]]]:
    """Trees behind the sidewalk (and maybe a fence), returned as depth-sorted draw calls."""
    style = country.style
    leaves = jitter(style.tree.colour, rng)
    items: list[tuple[float, Callable[[], None]]] = []
    for z in np.arange(rng.uniform(4, 12), 80, rng.uniform(6, 12)):
        tx = x + side * rng.uniform(2, 9)
        size = rng.uniform(0.9, 1.5)
        items.append((z, lambda tx=tx, z=z, size=size: props.tree(canvas, cam, tx, z, style.tree,
                                                                   leaves, size)))
    if rng.random() < 0.5:
        fence = jitter(((235, 235, 230), (40, 70, 45), (110, 80, 55))[int(rng.integers(3))], rng, 5)

        def draw_fence() -> None:
            for y in (0.45, 1.0):
                canvas.polygon([cam.point(x, y, NEAR + 1), cam.point(x, y + 0.12, NEAR + 1),
                                cam.point(x, y + 0.12, 80), cam.point(x, y, 80)], fence,
                               classes.FENCE)
            for z in np.arange(NEAR + 1, 60, 2.5):
                canvas.rectangle((*cam.point(x, 1.2, z), *cam.point(x, 0.0, z)), fence, classes.FENCE)
        items.append((0.5, draw_fence))
    return items


def render_street(canvas: Canvas, country: Country, city: City, rng: np.random.Generator,
                  richness: float) -> dict[Clue, bool]:
    """Draw one street view; returns which text clues (word, code) are legible."""
    style = country.style
    width, height = canvas.width, canvas.height
    keep_right = style.driving_side == "right"
    lane = LANE if keep_right else -LANE
    horizon = height * float(np.clip(0.9 - 0.48 * richness + rng.normal(0, 0.03), 0.4, 0.95))
    cam = Camera(width, height, horizon, width * rng.uniform(0.85, 1.0), lane + rng.normal(0, 0.2))
    furnished = 0.15 + 0.85 * richness
    text_scale = max(1, width // 128)

    if rng.random() < 0.6:
        props.landmark(canvas, cam, cam.offset + rng.uniform(-30, 30), 320.0, city.landmark)
    verge_class = classes.GRASS if style.verge_is_grass else classes.EARTH
    canvas.rectangle((0, horizon, width, height), jitter(style.verge_colour, rng), verge_class)
    _ground_strip(canvas, cam, -HALF_ROAD, HALF_ROAD, NEAR, FAR, jitter(style.road_colour, rng, 6),
                  classes.ROAD, 0)
    walk = rng.uniform(1.8, 3.5)
    paving = jitter(style.sidewalk_colour, rng, 8)
    for side in (-1, 1):
        inner, outer = side * HALF_ROAD, side * (HALF_ROAD + walk)
        _ground_strip(canvas, cam, inner, outer, NEAR, FAR, paving, classes.SIDEWALK, 0)
        if style.striped_kerb:
            for k, z in enumerate(np.arange(NEAR, 70, 1.5)):
                colour = COLOURS["black"] if k % 2 else COLOURS["white"]
                _ground_strip(canvas, cam, inner, inner + side * 0.3, z, z + 1.5, colour,
                              classes.SIDEWALK, Clue.KERB)
    _line(canvas, cam, 0.0, style.centre_line, Clue.CENTRE_LINE, rng, 3.0, 9.0)
    if style.edge_lines is not None:
        for side in (-1, 1):
            _line(canvas, cam, side * (HALF_ROAD - 0.3), style.edge_lines, Clue.EDGE_LINES, rng,
                  2.0, 4.0)
    if rng.random() < furnished * 0.7:
        _arrow(canvas, cam, lane, rng.uniform(3.5, 8.0))

    items: list[tuple[float, Callable[[], None]]] = []
    for side in (-1, 1):
        facade_x = side * (HALF_ROAD + walk)
        if rng.random() < 0.45 + 0.45 * richness:
            _facades(canvas, cam, country, city, side, facade_x, rng)
        else:
            items += _park(canvas, cam, country, side, facade_x, rng)
        if rng.random() < 0.3 + 0.5 * (1 - richness):
            leaves = jitter(style.tree.colour, rng)
            tree_x = facade_x - side * 0.8
            for z in np.arange(rng.uniform(5, 10), 70, rng.uniform(9, 14)):
                items.append((z, lambda z=z, x=tree_x, leaves=leaves: props.tree(
                    canvas, cam, x, z, style.tree, leaves, 1.0)))
    if rng.random() < 0.6:
        lamp_side = 1 if rng.random() < 0.5 else -1
        lamp_x = lamp_side * (HALF_ROAD + 0.4)
        for z in np.arange(rng.uniform(6, 20), 120, 25.0):
            items.append((z, lambda z=z: props.street_lamp(canvas, cam, lamp_x, z, -lamp_side)))
    if style.utility_poles is not None and rng.random() < 0.4 + 0.5 * richness:
        pole_x = (1 if rng.random() < 0.5 else -1) * (HALF_ROAD + 0.6)
        depths = list(np.arange(rng.uniform(6, 14), 150, 18.0))
        for near_z, far_z in zip(depths, depths[1:] + [None]):
            items.append((near_z, lambda z=near_z, prev=far_z: props.utility_pole(
                canvas, cam, pole_x, z, style.utility_poles, prev)))
    if rng.random() < furnished:
        for side in (-1, 1):
            bollard_x = side * (HALF_ROAD + 0.3)
            for z in np.arange(rng.uniform(3.5, 8), 60, rng.uniform(9, 14)):
                items.append((z, lambda z=z, x=bollard_x: props.bollard(canvas, cam, x, z,
                                                                        style.bollard)))
    texts: list[props.SignText] = []
    band = COLOURS[city.band]

    def put_sign(x: float, z: float, bottom: float, w: float, h: float, right: bool) -> None:
        texts.append(props.sign(canvas, cam, x, z, bottom, w, h, style.sign, band, style.sign_word,
                                city.code, text_scale, right))

    if rng.random() < furnished:
        kerb = 1 if keep_right else -1
        sign_x, sign_z = kerb * (HALF_ROAD + 1.0), rng.uniform(8, 16)

        def roadside_sign() -> None:
            props.post(canvas, cam, sign_x, sign_z, 2.4, 0.12)
            put_sign(sign_x, sign_z, 2.2, 2.2, 1.1, kerb < 0)
        items.append((sign_z, roadside_sign))
    if rng.random() < furnished * 0.85:
        gantry_z = rng.uniform(9, 15)

        def gantry() -> None:
            for side in (-1, 1):
                props.post(canvas, cam, side * (HALF_ROAD + 0.5), gantry_z, 5.6, 0.3)
            canvas.rectangle((*cam.point(-HALF_ROAD - 0.5, 5.6, gantry_z),
                              *cam.point(HALF_ROAD + 0.5, 5.3, gantry_z)), props.METAL, classes.POLE)
            put_sign(lane, gantry_z, 4.6, 6.0, 2.6, keep_right)
        items.append((gantry_z, gantry))
    body = jitter(((200, 200, 205), (30, 30, 35), (150, 20, 25), (40, 60, 120), (235, 235, 235),
                   (120, 125, 130))[int(rng.integers(6))], rng, 12)
    if rng.random() < furnished:
        car_z = rng.uniform(6, 18)
        items.append((car_z, lambda: props.car(canvas, cam, lane, car_z, body, style.plate, True)))
    if rng.random() < furnished * 0.6:
        other_z = rng.uniform(9, 28)
        other = jitter((180, 180, 185), rng, 60)
        items.append((other_z, lambda: props.car(canvas, cam, -lane, other_z, other, style.plate,
                                                 False)))

    for _, draw in sorted(items, key=lambda item: -item[0]):
        draw()
    if rng.random() < 0.8 * (1 - richness):
        _canopy(canvas, style.tree.colour, rng)
    return props.legible_texts(canvas, texts)


def _canopy(canvas: Canvas, colour: RGB, rng: np.random.Generator) -> None:
    """Overhanging branches near the camera that hide part of the view."""
    width, height = canvas.width, canvas.height
    leaves = props.shade(jitter(colour, rng), 0.8)
    corner = rng.integers(2)
    for _ in range(int(rng.integers(3, 7))):
        cx = width * (rng.uniform(-0.1, 0.45) if corner == 0 else rng.uniform(0.55, 1.1))
        cy = height * rng.uniform(-0.1, 0.35)
        r = width * rng.uniform(0.12, 0.3)
        canvas.ellipse((cx - r, cy - r * 0.8, cx + r, cy + r * 0.8), leaves, classes.TREE)
