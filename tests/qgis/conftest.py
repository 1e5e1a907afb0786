"""Real QGIS (Debian's python3-qgis) for the plugin tests, headless.

Run with QGIS's Python: ``QT_QPA_PLATFORM=offscreen .venv-qgis/bin/pytest -q tests/qgis``.
Settings go to a temporary folder, never to the user's QGIS profile.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
PROCESSING_PLUGINS = "/usr/share/qgis/python/plugins"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for path in (str(REPO), PROCESSING_PLUGINS):
    if path not in sys.path:
        sys.path.insert(0, path)

from qgis.core import QgsApplication, QgsProject, QgsSettings, QgsVectorLayer  # noqa: E402
from qgis.PyQt.QtCore import QCoreApplication, QSettings  # noqa: E402
from qgis_helpers import (  # noqa: E402
    CLI,
    TestInterface,
    cli_env,
    make_gpkg_layer,
    make_memory_layer,
    photo_layer_features,
    write_photos,
)

_PROFILE = tempfile.mkdtemp(prefix="georeasoner_qgis_profile_")
QCoreApplication.setOrganizationName("GeoReasonerTests")
QCoreApplication.setApplicationName("qgis-plugin-tests")
QSettings.setDefaultFormat(QSettings.IniFormat)
QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, _PROFILE)


@pytest.fixture(scope="session")
def qgis_app():
    app = QgsApplication([], True, _PROFILE)
    QgsApplication.setPrefixPath("/usr", True)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    yield app
    QgsProject.instance().clear()
    shutil.rmtree(_PROFILE, ignore_errors=True)


@pytest.fixture
def iface(qgis_app):
    interface = TestInterface()
    yield interface
    QgsProject.instance().clear()


@pytest.fixture(autouse=True)
def fresh_settings(qgis_app):
    """Each test starts from default plugin settings."""
    QgsSettings().remove("georeasoner")
    yield
    QgsSettings().remove("georeasoner")


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# --- photos and layers ------------------------------------------------------------------

@pytest.fixture
def photo_paths(tmp_path) -> list[Path]:
    return write_photos(tmp_path / "photos")


@pytest.fixture
def memory_layer(photo_paths) -> QgsVectorLayer:
    """Absolute image paths; the last photo's file is missing (an item-level error)."""
    values = [str(p) for p in photo_paths]
    values[-1] = str(photo_paths[-1].with_name("missing.jpg"))
    layer = make_memory_layer(photo_layer_features(photo_paths, values))
    QgsProject.instance().addMapLayer(layer)
    return layer


@pytest.fixture
def gpkg_layer(tmp_path, photo_paths) -> QgsVectorLayer:
    """Image paths relative to the GeoPackage's folder."""
    values = [f"photos/{p.name}" for p in photo_paths]
    layer = make_gpkg_layer(photo_layer_features(photo_paths, values), tmp_path / "survey.gpkg")
    QgsProject.instance().addMapLayer(layer)
    return layer


# --- the real CLI -----------------------------------------------------------------------

@pytest.fixture(scope="session")
def tiny_profile(tmp_path_factory) -> str:
    """Tiny test models made once per session by ``georeasoner models make-tiny``."""
    folder = tmp_path_factory.mktemp("tiny_models")
    done = subprocess.run([str(CLI), "models", "make-tiny", str(folder)], capture_output=True,
                          text=True, env=cli_env(), timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (folder / "profile.json").is_file()
    return str(folder)


