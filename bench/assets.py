"""What the job benchmarks run on, built once under bench/out/ and reused.

- photo layers: CSV layers of the shared JPEGs (``../shared/data/photos_cc`` and
  ``streetview_sample``) repeated to any number of rows, or of one small generated JPEG for
  jobs too big to hold real photos (the memory benchmark);
- the tiny profile (``georeasoner models make-tiny``);
- a random locatability head for a real open_clip architecture (``ViT-B-32:random``).
"""

from __future__ import annotations

import csv
import itertools
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
DATA_DIR = REPO.parent / "shared" / "data"
PHOTO_DIRS = ("photos_cc", "streetview_sample")
GEOREASONER = [sys.executable, "-m", "georeasoner.cli"]


def shared_photos(data_dir: Path = DATA_DIR) -> list[tuple[Path, float, float]]:
    """(path, lat, lon) of every shared street photo; exits when the data is absent."""
    photos = []
    for name in PHOTO_DIRS:
        labels = data_dir / name / "labels.csv"
        if not labels.is_file():
            continue
        with labels.open(newline="", encoding="utf-8") as f:
            photos += [(labels.parent / row["image"], float(row["lat"]), float(row["lon"])) for row in csv.DictReader(f)]
    if not photos:
        raise SystemExit(f"no photos under {data_dir}; this benchmark needs ../shared/data")
    return photos


def photo_layer(count: int, data_dir: Path = DATA_DIR) -> Path:
    """A CSV layer of ``count`` rows cycling over the shared photos (absolute paths)."""
    path = OUT / f"photos_{count}.csv"
    if not path.exists():
        rows = itertools.islice(itertools.cycle(shared_photos(data_dir)), count)
        _write_layer(path, ((str(p), lat, lon) for p, lat, lon in rows))
    return path


def unique_photo_layer(count: int, data_dir: Path = DATA_DIR) -> Path:
    """Like :func:`photo_layer`, but every row is its own file with its own bytes: a copy of a
    shared JPEG with a comment segment (COM) naming the copy. The pixels, and so the decoding
    and the model's work, are those of the shared photo; the result cache sees new photos."""
    path = OUT / f"unique_photos_{count}.csv"
    if not path.exists():
        folder = OUT / "unique_photos"
        folder.mkdir(parents=True, exist_ok=True)
        rows = []
        for i, (source, lat, lon) in enumerate(itertools.islice(itertools.cycle(shared_photos(data_dir)), count)):
            copy = folder / f"{i:06d}.jpg"
            if not copy.exists():
                copy.write_bytes(with_jpeg_comment(source.read_bytes(), f"georeasoner bench copy {i}"))
            rows.append((str(copy), lat, lon))
        _write_layer(path, rows)
    return path


def with_jpeg_comment(jpeg: bytes, comment: str) -> bytes:
    """The JPEG with a COM segment holding ``comment`` right after its SOI marker."""
    if jpeg[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    text = comment.encode("utf-8")
    return jpeg[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + jpeg[2:]


def synthetic_layer(count: int) -> Path:
    """A CSV layer of ``count`` rows all naming one small generated JPEG, with spread claims."""
    import numpy as np
    from PIL import Image

    path = OUT / f"synthetic_{count}.csv"
    if not path.exists():
        photo = OUT / "street_96x64.jpg"
        pixels = np.random.default_rng(0).integers(0, 255, (64, 96, 3), dtype=np.uint8)
        OUT.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(photo, format="JPEG")
        rng = np.random.default_rng(1)
        lats, lons = rng.uniform(-50, 60, count), rng.uniform(-180, 180, count)
        _write_layer(path, ((str(photo), lat, lon) for lat, lon in zip(lats, lons)))
    return path


def _write_layer(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["image", "lat", "lon"])
        writer.writerows((p, f"{lat:.6f}", f"{lon:.6f}") for p, lat, lon in rows)
    os.replace(tmp, path)


def tiny_profile() -> Path:
    """The tiny profile directory, built with ``georeasoner models make-tiny`` when missing."""
    path = OUT / "tiny"
    if not (path / "profile.json").is_file():
        subprocess.run([*GEOREASONER, "models", "make-tiny", str(path)], check=True, cwd=REPO)
    return path


def random_head(clip_spec: str) -> Path:
    """A random locatability head for ``clip_spec`` (e.g. ``ViT-B-32:random``), built in a
    child process so that the caller's process has loaded no model when it times a job."""
    path = OUT / f"head_{clip_spec.replace(':', '_').replace('/', '_')}.safetensors"
    if not path.is_file():
        code = "import sys; from georeasoner.locatability.clip_scorer import build_random_head as b; b(*sys.argv[1:])"
        subprocess.run([sys.executable, "-c", code, clip_spec, str(path)], check=True, cwd=REPO)
    return path


def run_command(args: list[str]) -> float:
    """Run a ``georeasoner`` command from the repository root; returns wall seconds."""
    start = time.perf_counter()
    subprocess.run([*GEOREASONER, *args], check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def shown(args: list[str]) -> str:
    """The command line a reader types to repeat ``georeasoner ARGS``."""
    return shlex.join(["georeasoner", *(os.path.relpath(a, REPO) if os.path.isabs(a) else a for a in args)])
