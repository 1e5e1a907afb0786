"""Views facing the roadside: a building front or a garden wall, with few clues."""

from __future__ import annotations

import numpy as np

from training.synthetic import classes, props
from training.synthetic.canvas import Camera, Canvas
from training.synthetic.clues import Clue
from training.synthetic.conventions import COLOURS
from training.synthetic.street import jitter
from training.synthetic.world import City, Country

WALL_COLOURS = ((185, 180, 170), (200, 170, 130), (150, 150, 145))


def render_facade(canvas: Canvas, country: Country, city: City,
                  rng: np.random.Generator) -> dict[Clue, bool]:
    """Draw a view straight at the roadside; returns which text clues are legible."""
    style = country.style
    width, height = canvas.width, canvas.height
    metre = width / rng.uniform(5.5, 7.5)
    ground = height * rng.uniform(0.78, 0.92)
    cam = Camera(width, height, ground - 1.5 * metre, metre, 0.0)
    half = width / metre / 2 + 0.5

    def box(x0: float, x1: float, y0: float, y1: float) -> tuple[float, float, float, float]:
        return (*cam.point(x0, y1, 1.0), *cam.point(x1, y0, 1.0))

    canvas.rectangle((0, ground, width, height), jitter(style.sidewalk_colour, rng, 8),
                     classes.SIDEWALK)
    if style.striped_kerb:
        stripe = (half * 2) / 8
        for k in range(8):
            colour = COLOURS["black"] if k % 2 else COLOURS["white"]
            canvas.rectangle(box(-half + k * stripe, -half + (k + 1) * stripe, -0.6, -0.45), colour,
                             classes.SIDEWALK, Clue.KERB)
    texts: list[props.SignText] = []
    if rng.random() < 0.6:
        top = rng.uniform(4.5, 9.0)
        wall = jitter(style.building_colours[int(rng.integers(len(style.building_colours)))], rng, 8)
        canvas.rectangle(box(-half, half, 0.0, top), wall, classes.BUILDING, Clue.BUILDINGS)
        canvas.paint(list(_corners(box(-half, half, top - 0.7, top))), style.roof_colour)
        for floor in np.arange(3.9, top - 1.6, 2.8):
            for wx in np.arange(-half + rng.uniform(0.3, 1.2), half, 2.2):
                canvas.paint(list(_corners(box(wx, wx + 1.1, floor, floor + 1.4))), style.window_colour)
        door = rng.uniform(-half + 0.5, half - 1.7)
        canvas.paint(list(_corners(box(door, door + 1.2, 0.0, 2.2))), props.shade(wall, 0.55))
        canvas.rectangle(box(-half, half, 2.6, 3.2), COLOURS[city.band], classes.BUILDING,
                         Clue.CITY_BAND)
        if rng.random() < 0.6:
            x = rng.uniform(-half + 2.0, half - 2.0)
            texts.append(props.sign(canvas, cam, x, 1.0, rng.uniform(3.4, 3.8), 2.9, 1.3, style.sign,
                                    COLOURS[city.band], style.sign_word, city.code,
                                    max(1, width // 128), rng.random() < 0.5))
    else:
        top = rng.uniform(1.6, 3.2)
        leaves = jitter(style.tree.colour, rng)
        for _ in range(int(rng.integers(2, 5))):
            x = rng.uniform(-half, half)
            props.tree(canvas, cam, x, 1.0, style.tree, leaves, rng.uniform(0.7, 1.2))
        canvas.rectangle(box(-half, half, 0.0, top),
                         jitter(WALL_COLOURS[int(rng.integers(len(WALL_COLOURS)))], rng, 8),
                         classes.WALL)
    if rng.random() < 0.4:
        props.bollard(canvas, cam, rng.uniform(-half + 0.5, half - 0.5), 1.0, style.bollard)
    return props.legible_texts(canvas, texts)


def _corners(box: tuple[float, float, float, float]) -> tuple[tuple[float, float], ...]:
    x0, y0, x1, y1 = box
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
