"""Fixtures shared by the test suite: tiny models, photo layers, the shared data folder."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory):
    """Tests never read or write the user's caches (CLI subprocesses inherit this too)."""
    import os

    os.environ["GEOREASONER_CACHE_DIR"] = str(tmp_path_factory.mktemp("georeasoner-cache"))
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data; tests that need it are skipped where it is absent."""
    if not (SHARED_DATA / "streetview_sample" / "labels.csv").is_file():
        pytest.skip("../shared/data is not here")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tiny_profile(tmp_path_factory) -> Path:
    """A directory of tiny random models with profile.json, built once per test session."""
    from georeasoner.tiny import make_tiny

    return make_tiny(tmp_path_factory.mktemp("tiny-models"))


def write_street_photo(path: Path, seed: int, size: tuple[int, int] = (96, 64)) -> Path:
    """A small random JPEG standing in for a street photo."""
    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, format="JPEG")
    return path


#: Claimed points (lat, lon) spread over several countries.
CLAIMS = [(48.8566, 2.3522), (35.6762, 139.6503), (-33.8688, 151.2093), (40.7128, -74.006), (-23.5505, -46.6333)]


@pytest.fixture
def photo_csv(tmp_path) -> Path:
    """A CSV layer of five good photos and four bad ones (missing, empty, not an image, truncated)."""
    return make_photo_csv(tmp_path)


def make_photo_csv(tmp_path: Path) -> Path:
    """Write the layer of :func:`photo_csv` under ``tmp_path``."""
    folder = tmp_path / "photos"
    folder.mkdir()
    rows = []
    for i, (lat, lon) in enumerate(CLAIMS):
        write_street_photo(folder / f"p{i}.jpg", seed=i)
        rows.append({"name": f"photo {i}", "image": f"photos/p{i}.jpg", "lat": lat, "lon": lon})
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.jpg").write_text("not a photo")
    whole = (folder / "p0.jpg").read_bytes()
    (folder / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    rows += [
        {"name": "missing", "image": "photos/gone.jpg", "lat": 1.0, "lon": 2.0},
        {"name": "empty", "image": "photos/empty.jpg", "lat": 3.0, "lon": 4.0},
        {"name": "text", "image": "photos/notes.jpg", "lat": "", "lon": ""},
        {"name": "cut", "image": "photos/cut.jpg", "lat": 5.0, "lon": 6.0},
    ]
    path = tmp_path / "photos.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["name", "image", "lat", "lon"])
        writer.writeheader()
        writer.writerows(rows)
    return path


from tests.conftest_models import *  # noqa: E402,F401,F403  (tiny LVLM fixtures)
