"""The Processing provider, headless through ``qgis_process``, with the plugin installed from
the ZIP that ``make plugin-zip`` builds, and the CLI found on PATH."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from qgis.core import QgsRasterLayer, QgsVectorLayer
from qgis_helpers import CLI, REPO, make_gpkg_layer, photo_layer_features, write_photos

from qgis_plugin.fields import RESULT_FIELDS

QGIS_PROCESS = "/usr/bin/qgis_process.bin"  # the /usr/bin/qgis_process wrapper adds a refused flag


class QgisProcess:
    def __init__(self, env: dict):
        self.env = env

    def __call__(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([QGIS_PROCESS, *args], capture_output=True, text=True,
                              env=self.env, timeout=timeout)

    def run(self, algorithm: str, **params) -> dict:
        done = self("--json", "run", algorithm, "--",
                    *(f"{key}={value}" for key, value in params.items()))
        assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
        return json.loads(done.stdout)["results"]


@pytest.fixture(scope="module")
def qgis_process(tmp_path_factory) -> QgisProcess:
    """A fresh QGIS profile with the plugin unpacked from georeasoner_qgis.zip and enabled."""
    root = tmp_path_factory.mktemp("qgis_process")
    built = subprocess.run(["make", "-s", "plugin-zip"], cwd=REPO, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    with zipfile.ZipFile(REPO / "georeasoner_qgis.zip") as archive:
        archive.extractall(root / "plugins")
    bin_dir = root / "bin"
    bin_dir.mkdir()
    (bin_dir / "georeasoner").symlink_to(CLI)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=str(root / "plugins"),
               QGIS_CUSTOM_CONFIG_PATH=str(root / "profile"),
               PATH=f"{env.get('PATH', '/usr/bin:/bin')}:{bin_dir}")
    runner = QgisProcess(env)
    enabled = runner("plugins", "enable", "georeasoner_qgis")
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    return runner


@pytest.fixture(scope="module")
def survey(qgis_app, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("survey")
    paths = write_photos(folder / "photos")
    make_gpkg_layer(photo_layer_features(paths, [f"photos/{p.name}" for p in paths]),
                    folder / "survey.gpkg")
    return folder / "survey.gpkg"


def test_qgis_process_lists_the_four_georeasoner_algorithms(qgis_process):
    listed = qgis_process("list").stdout
    for algorithm in ("geolocate", "score", "importphotos", "audit"):
        assert f"georeasoner:{algorithm}" in listed


def test_qgis_process_geolocates_a_layer(qgis_process, survey, tiny_profile, tmp_path):
    out = tmp_path / "located.gpkg"
    results = qgis_process.run("georeasoner:geolocate", INPUT=f"{survey}|layername=photos",
                               PROFILE=tiny_profile, ENGINE=1, OUTPUT=out)

    assert (results["OK"], results["ERROR"]) == (5, 0)
    photos = QgsVectorLayer(results["PHOTOS"], "photos", "ogr")
    assert set(RESULT_FIELDS) <= set(photos.fields().names())
    assert photos.featureCount() == 5
    assert QgsVectorLayer(results["PREDICTIONS"], "p", "ogr").featureCount() == 5
    assert QgsVectorLayer(results["AUDIT"], "a", "ogr").featureCount() == 5


def test_qgis_process_scores_locatability_into_a_raster(qgis_process, survey, tiny_profile,
                                                        tmp_path):
    results = qgis_process.run("georeasoner:score", INPUT=f"{survey}|layername=photos",
                               PROFILE=tiny_profile, OUTPUT=tmp_path / "scored.gpkg",
                               RASTER=tmp_path / "loc.tif", CELL=500000)

    raster = QgsRasterLayer(results["RASTER"], "loc", "gdal")
    assert raster.isValid() and raster.bandCount() == 1
    scored = QgsVectorLayer(results["PHOTOS"], "scored", "ogr")
    assert all(0 <= f["gr_loc"] <= 1 for f in scored.getFeatures())


def test_qgis_process_audit_can_keep_only_flagged_lines(qgis_process, survey, tiny_profile,
                                                        tmp_path):
    results = qgis_process.run("georeasoner:audit", INPUT=f"{survey}|layername=photos",
                               PROFILE=tiny_profile, ENGINE=1, FLAGGED_ONLY=True,
                               OUTPUT=tmp_path / "audit.gpkg")

    audit = QgsVectorLayer(results["AUDIT"], "audit", "ogr")
    assert audit.isValid()
    assert audit.featureCount() == results["FLAGGED"]
    assert QgsVectorLayer(f"{results['OUTPUT']}|layername=audit", "all", "ogr").featureCount() == 5


def test_qgis_process_imports_geotagged_photos(qgis_process, tmp_path):
    from PIL import Image

    folder = tmp_path / "camera"
    folder.mkdir()
    for i, (lat, lon) in enumerate([(48.85, 2.35), (-33.87, 151.2)]):
        exif = Image.Exif()
        exif[0x8825] = {1: "N" if lat >= 0 else "S", 2: _dms(lat),
                        3: "E" if lon >= 0 else "W", 4: _dms(lon)}
        Image.new("RGB", (64, 48), (100, 150, 200)).save(folder / f"g{i}.jpg", exif=exif)

    results = qgis_process.run("georeasoner:importphotos", FOLDER=folder,
                               OUTPUT=tmp_path / "camera.gpkg")

    points = QgsVectorLayer(results["PHOTOS"], "camera", "ogr")
    assert points.featureCount() == 2
    xs = sorted(round(f.geometry().asPoint().x(), 2) for f in points.getFeatures())
    assert xs == [2.35, 151.2]


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees, rest = int(value), (abs(value) - int(value)) * 60
    return float(degrees), float(int(rest)), round((rest - int(rest)) * 60, 3)
