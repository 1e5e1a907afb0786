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

NEAR = 0.8
FAR = 400.0
FENCE_COLOURS: tuple[RGB, ...] = ((235, 235, 230), (40, 70, 45), (110, 80, 55))
Draw = tuple[float, Callable[[], None]]  # (depth, draw call): drawn far to near
SKIES: tuple[tuple[RGB, RGB], ...] = (
    ((70, 130, 210), (175, 205, 235)),
    ((110, 160, 220), (200, 220, 240)),
    ((150, 155, 165), (205, 205, 210)),
    ((120, 150, 190), (225, 215, 200)),
)


def sky(rng: np.random.Generator) -> tuple[RGB, RGB]:
    return SKIES[int(rng.integers(len(SKIES)))]


def jitter(colour: RGB, rng: np.random.Generator, amount: int = 10) -> RGB:
    shifts = rng.integers(-amount, amount + 1, 3)
    return tuple(min(255, max(0, c + int(d))) for c, d in zip(colour, shifts))  # type: ignore[return-value]


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


def _facades(canvas: Canvas, cam: Camera, country: Country, city: City, x: float,
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
          rng: np.random.Generator) -> None:
    """Trees behind the sidewalk's outer edge, far to near, and maybe a fence in front of them."""
    style = country.style
    leaves = jitter(style.tree.colour, rng)
    depths = np.arange(rng.uniform(4, 12), 80, rng.uniform(6, 12))
    for z in depths[::-1]:
        props.tree(canvas, cam, x + side * rng.uniform(2, 9), z, style.tree, leaves,
                   rng.uniform(0.9, 1.5))
    if rng.random() < 0.5:
        fence = jitter(FENCE_COLOURS[int(rng.integers(len(FENCE_COLOURS)))], rng, 5)
        for y in (0.45, 1.0):
            canvas.polygon([cam.point(x, y, NEAR + 1), cam.point(x, y + 0.12, NEAR + 1),
                            cam.point(x, y + 0.12, 80), cam.point(x, y, 80)], fence, classes.FENCE)
        for z in np.arange(NEAR + 1, 60, 2.5):
            canvas.rectangle((*cam.point(x, 1.2, z), *cam.point(x, 0.0, z)), fence, classes.FENCE)


class _Street:
    """One street view in the making: camera, road geometry and the country's conventions."""

    def __init__(self, canvas: Canvas, country: Country, city: City, rng: np.random.Generator,
                 richness: float):
        self.canvas, self.country, self.city, self.rng = canvas, country, city, rng
        self.style = country.style
        self.richness = richness
        self.furnished = 0.15 + 0.85 * richness
        self.half_road = rng.uniform(3.2, 5.0)
        self.walk = rng.uniform(1.8, 3.5)
        self.keep_right = self.style.driving_side == "right"
        self.lane = self.half_road / 2 * (1 if self.keep_right else -1)
        horizon = canvas.height * float(np.clip(0.9 - 0.6 * richness + rng.normal(0, 0.03), 0.3, 0.95))
        self.cam = Camera(canvas.width, canvas.height, horizon, canvas.width * rng.uniform(0.85, 1.0),
                          self.lane + rng.normal(0, 0.2))
        self.texts: list[props.SignText] = []

    def ground(self) -> None:
        canvas, cam, style, rng = self.canvas, self.cam, self.style, self.rng
        road = self.half_road
        verge_class = classes.GRASS if style.verge_is_grass else classes.EARTH
        canvas.rectangle((0, cam.horizon, canvas.width, canvas.height),
                         jitter(style.verge_colour, rng), verge_class)
        _ground_strip(canvas, cam, -road, road, NEAR, FAR, jitter(style.road_colour, rng, 6),
                      classes.ROAD, 0)
        paving = jitter(style.sidewalk_colour, rng, 8)
        for side in (-1, 1):
            inner, outer = side * road, side * (road + self.walk)
            _ground_strip(canvas, cam, inner, outer, NEAR, FAR, paving, classes.SIDEWALK, 0)
            if style.striped_kerb:
                for k, z in enumerate(np.arange(NEAR, 70, 1.5)):
                    colour = COLOURS["black"] if k % 2 else COLOURS["white"]
                    _ground_strip(canvas, cam, inner, inner + side * 0.3, z, z + 1.5, colour,
                                  classes.SIDEWALK, Clue.KERB)
        _line(canvas, cam, 0.0, style.centre_line, Clue.CENTRE_LINE, rng, 3.0, 9.0)
        if style.edge_lines is not None:
            for side in (-1, 1):
                _line(canvas, cam, side * (road - 0.3), style.edge_lines, Clue.EDGE_LINES, rng,
                      2.0, 4.0)
        if rng.random() < self.furnished * 0.7:
            _arrow(canvas, cam, self.lane, rng.uniform(3.5, 8.0))

    def roadsides(self) -> list[Draw]:
        """Facades or parks (drawn now, behind everything else), and roadside trees."""
        canvas, cam, style, rng = self.canvas, self.cam, self.style, self.rng
        items: list[Draw] = []
        for side in (-1, 1):
            facade_x = side * (self.half_road + self.walk)
            if rng.random() < 0.45 + 0.45 * self.richness:
                _facades(canvas, cam, self.country, self.city, facade_x, rng)
            else:
                _park(canvas, cam, self.country, side, facade_x, rng)
            if rng.random() < 0.3 + 0.5 * (1 - self.richness):
                leaves = jitter(style.tree.colour, rng)
                tree_x = facade_x - side * 0.8
                for z in np.arange(rng.uniform(5, 10), 70, rng.uniform(9, 14)):
                    items.append((z, lambda z=z, x=tree_x, leaves=leaves: props.tree(
                        canvas, cam, x, z, style.tree, leaves, 1.0)))
        return items

    def furniture(self) -> list[Draw]:
        """Street lamps, utility poles with wires, bollards."""
        canvas, cam, style, rng = self.canvas, self.cam, self.style, self.rng
        items: list[Draw] = []
        if rng.random() < 0.6:
            lamp_side = 1 if rng.random() < 0.5 else -1
            lamp_x = lamp_side * (self.half_road + 0.4)
            for z in np.arange(rng.uniform(6, 20), 120, 25.0):
                items.append((z, lambda z=z: props.street_lamp(canvas, cam, lamp_x, z, -lamp_side)))
        if style.utility_poles is not None and rng.random() < 0.4 + 0.5 * self.richness:
            pole_x = (1 if rng.random() < 0.5 else -1) * (self.half_road + 0.6)
            depths = list(np.arange(rng.uniform(6, 14), 150, 18.0))
            for near_z, far_z in zip(depths, depths[1:] + [None]):
                items.append((near_z, lambda z=near_z, prev=far_z: props.utility_pole(
                    canvas, cam, pole_x, z, style.utility_poles, prev)))
        if rng.random() < self.furnished:
            for side in (-1, 1):
                bollard_x = side * (self.half_road + 0.3)
                for z in np.arange(rng.uniform(3.5, 8), 60, rng.uniform(9, 14)):
                    items.append((z, lambda z=z, x=bollard_x: props.bollard(canvas, cam, x, z,
                                                                            style.bollard)))
        return items

    def _sign(self, x: float, z: float, bottom: float, width: float, height: float,
              points_right: bool) -> None:
        self.texts.append(props.sign(
            self.canvas, self.cam, x, z, bottom, width, height, self.style.sign,
            COLOURS[self.city.band], self.style.sign_word, self.city.code,
            max(1, self.canvas.width // 128), points_right))

    def signs(self) -> list[Draw]:
        """A small sign at the kerb of the driving side and an overhead sign over the lane."""
        canvas, cam, rng = self.canvas, self.cam, self.rng
        road = self.half_road
        items: list[Draw] = []
        if rng.random() < self.furnished:
            kerb = 1 if self.keep_right else -1
            sign_x, sign_z = kerb * (road + 1.0), rng.uniform(8, 16)

            def roadside_sign() -> None:
                props.post(canvas, cam, sign_x, sign_z, 2.4, 0.12)
                self._sign(sign_x, sign_z, 2.2, 2.2, 1.1, kerb < 0)
            items.append((sign_z, roadside_sign))
        if rng.random() < self.furnished * 0.85:
            gantry_z = rng.uniform(9, 15)

            def gantry() -> None:
                for side in (-1, 1):
                    props.post(canvas, cam, side * (road + 0.5), gantry_z, 5.6, 0.3)
                canvas.rectangle((*cam.point(-road - 0.5, 5.6, gantry_z),
                                  *cam.point(road + 0.5, 5.3, gantry_z)), props.METAL, classes.POLE)
                self._sign(self.lane, gantry_z, 4.6, 6.0, 2.6, self.keep_right)
            items.append((gantry_z, gantry))
        return items

    def traffic(self) -> list[Draw]:
        """A car ahead in the camera's lane and maybe one coming the other way."""
        canvas, cam, rng, plate = self.canvas, self.cam, self.rng, self.style.plate
        items: list[Draw] = []
        if rng.random() < self.furnished:
            body = jitter(CAR_COLOURS[int(rng.integers(len(CAR_COLOURS)))], rng, 12)
            ahead = rng.uniform(6, 18)
            items.append((ahead, lambda: props.car(canvas, cam, self.lane, ahead, body, plate, True)))
        if rng.random() < self.furnished * 0.6:
            other = jitter(CAR_COLOURS[int(rng.integers(len(CAR_COLOURS)))], rng, 12)
            coming = rng.uniform(9, 28)
            items.append((coming, lambda: props.car(canvas, cam, -self.lane, coming, other, plate,
                                                    False)))
        return items


CAR_COLOURS: tuple[RGB, ...] = ((200, 200, 205), (30, 30, 35), (150, 20, 25), (40, 60, 120),
                                (235, 235, 235), (120, 125, 130))


def render_street(canvas: Canvas, country: Country, city: City, rng: np.random.Generator,
                  richness: float) -> dict[Clue, bool]:
    """Draw one street view; returns which text clues (word, code) are legible."""
    street = _Street(canvas, country, city, rng, richness)
    if rng.random() < 0.6:
        props.landmark(canvas, street.cam, street.cam.offset + rng.uniform(-30, 30), 320.0,
                       city.landmark)
    street.ground()
    items = street.roadsides() + street.furniture() + street.signs() + street.traffic()
    for _, draw in sorted(items, key=lambda item: -item[0]):
        draw()
    if rng.random() < 0.8 * (1 - richness):
        _canopy(canvas, country.style.tree.colour, rng)
    return props.legible_texts(canvas, street.texts)


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
