"""Scenes of the synthetic world with their labels, and datasets of them on disk.

Scene ``i`` of a split depends only on (seed, split, i), so a dataset is reproducible and can be
extended, and the train and test splits never share a random stream.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from georeasoner.locatability.paper_metric import locatability_from_mask
from training.synthetic import classes
from training.synthetic.canvas import Canvas
from training.synthetic.clues import MIN_PIXELS_AT_128, Clue, clue_texts, reasons_text
from training.synthetic.facade import render_facade
from training.synthetic.street import render_street, sky
from training.synthetic.world import World, build_world

SPLITS = ("train", "test")
FACADE_SHARE = 0.15
JITTER_KM = 2.0
MAX_JITTER_KM = 5.0
KM_PER_DEGREE = 111.32
IMAGE_FORMATS = {"jpg": "JPEG", "png": "PNG"}


@dataclass
class Scene:
    image: Image.Image
    mask: np.ndarray  # (H, W) uint8 ADE20K-150 indices, 0-based
    locatability: float  # the paper's L computed from the mask
    clues: list[str]
    reasons: str
    country_code: str
    country: str
    city: str
    lat: float
    lon: float
    view: str  # "street" | "facade"
    split: str
    index: int

    @property
    def id(self) -> str:
        return f"{self.split}-{self.index:06d}"


def _visible_clues(canvas: Canvas, legible: dict[Clue, bool], texts: dict[Clue, str]) -> list[str]:
    pixels = canvas.clue_pixels()
    per_128 = canvas.width * canvas.height / (128 * 128)
    visible = []
    for clue in Clue:
        if clue not in texts:
            continue
        if clue in legible:
            seen = legible[clue]  # text: drawn in full and not hidden afterwards
        else:
            seen = pixels[clue] >= MIN_PIXELS_AT_128[clue] * per_128
        if seen:
            visible.append(texts[clue])
    return visible


def _scenery(mask: np.ndarray) -> str:
    counts = np.bincount(mask.ravel(), minlength=256)
    top = [int(k) for k in np.argsort(counts)[::-1][:2] if counts[k] > 0]
    names = [classes.NAMES[k].split(",")[0] for k in top]
    return " and ".join(names)


def _jittered(lat: float, lon: float, rng: np.random.Generator) -> tuple[float, float]:
    north, east = np.clip(rng.normal(0.0, JITTER_KM, 2), -MAX_JITTER_KM, MAX_JITTER_KM)
    return (lat + north / KM_PER_DEGREE,
            lon + east / (KM_PER_DEGREE * max(0.1, math.cos(math.radians(lat)))))


def _lighting(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    gain = rng.uniform(0.85, 1.12) * rng.uniform(0.96, 1.04, 3)
    pixels = np.asarray(image, dtype=np.float32) * gain.astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def make_scene(world: World, index: int, seed: int, size: int = 128, split: str = "train") -> Scene:
    """Scene ``index`` of a split: countries in turn, a random city, view and furnishing."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    rng = np.random.default_rng([seed, SPLITS.index(split), index])
    country = world.countries[index % len(world.countries)]
    city = country.cities[int(rng.integers(len(country.cities)))]
    sky_top, sky_bottom = sky(rng)
    canvas = Canvas(size, size, sky_top, sky_bottom, classes.SKY)
    if rng.random() < FACADE_SHARE:
        view, legible = "facade", render_facade(canvas, country, city, rng)
    else:
        view, legible = "street", render_street(canvas, country, city, rng, float(rng.random()))
    mask = np.asarray(canvas.mask, dtype=np.uint8).copy()
    clues = _visible_clues(canvas, legible, clue_texts(country, city))
    lat, lon = _jittered(city.lat, city.lon, rng)
    return Scene(
        image=_lighting(canvas.image, rng),
        mask=mask,
        locatability=locatability_from_mask(mask),
        clues=clues,
        reasons=reasons_text(world, clues, _scenery(mask)),
        country_code=country.code,
        country=country.name,
        city=city.name,
        lat=lat,
        lon=lon,
        view=view,
        split=split,
        index=index,
    )


def iter_scenes(n: int, seed: int, size: int = 128, countries: Sequence[str] | None = None,
                split: str = "train") -> Iterator[Scene]:
    world = build_world(countries)
    for index in range(n):
        yield make_scene(world, index, seed, size, split)


def generate(n: int, seed: int, size: int = 128, countries: Sequence[str] | None = None,
             split: str = "train") -> list[Scene]:
    return list(iter_scenes(n, seed, size, countries, split))


def write_dataset(out_dir: str | Path, n: int, seed: int, size: int = 128,
                  countries: Sequence[str] | None = None, split: str = "train",
                  image_format: str = "jpg") -> Path:
    """Write images, masks (PNG of ADE20K indices) and ``<split>.jsonl``; returns the index path.

    Paths in the index are relative to ``out_dir``.
    """
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image_format must be one of {sorted(IMAGE_FORMATS)}, got {image_format!r}")
    root = Path(out_dir)
    (root / "images" / split).mkdir(parents=True, exist_ok=True)
    (root / "masks" / split).mkdir(parents=True, exist_ok=True)
    index_path = root / f"{split}.jsonl"
    with open(index_path, "w", encoding="utf-8") as index:
        for scene in iter_scenes(n, seed, size, countries, split):
            image = f"images/{split}/{scene.index:06d}.{image_format}"
            mask = f"masks/{split}/{scene.index:06d}.png"
            scene.image.save(root / image, IMAGE_FORMATS[image_format], quality=95)
            Image.fromarray(scene.mask, "L").save(root / mask)
            index.write(json.dumps(scene_record(scene, image, mask), ensure_ascii=False) + "\n")
    return index_path


def scene_record(scene: Scene, image: str, mask: str) -> dict:
    """A scene's metadata as one JSON-lines record."""
    return {
        "id": scene.id,
        "image": image,
        "mask": mask,
        "locatability": scene.locatability,
        "clues": scene.clues,
        "reasons": scene.reasons,
        "country_code": scene.country_code,
        "country": scene.country,
        "city": scene.city,
        "lat": scene.lat,
        "lon": scene.lon,
        "view": scene.view,
        "split": scene.split,
    }


def read_index(out_dir: str | Path, split: str = "train") -> list[dict]:
    """Records of a written split, with ``image`` and ``mask`` made absolute."""
    root = Path(out_dir)
    records = []
    with open(root / f"{split}.jsonl", encoding="utf-8") as index:
        for line in index:
            record = json.loads(line)
            record["image"] = str(root / record["image"])
            record["mask"] = str(root / record["mask"])
            records.append(record)
    return records
