"""Helpers for the plugin tests: a test QgisInterface, photos, layers, waiting on tasks."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from qgis.core import (
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from qgis.gui import QgsMapCanvas, QgsMessageBar
from qgis.PyQt.QtCore import QCoreApplication, QObject, QVariant
from qgis.PyQt.QtWidgets import QMainWindow, QMenu, QToolBar, QVBoxLayout, QWidget

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / ".venv" / "bin" / "georeasoner"


class TestInterface(QObject):
    """The part of QgisInterface the plugin uses, made of real widgets, recording actions."""

    __test__ = False

    def __init__(self) -> None:
        super().__init__()
        self.window = QMainWindow()
        central = QWidget()
        layout = QVBoxLayout(central)
        self.bar = QgsMessageBar()
        self.canvas = QgsMapCanvas()
        self.canvas.resize(600, 400)
        layout.addWidget(self.bar)
        layout.addWidget(self.canvas)
        self.window.setCentralWidget(central)
        self.toolbar = QToolBar("Plugins")
        self.window.addToolBar(self.toolbar)
        self.menus: dict[str, QMenu] = {}
        self.docks: list = []
        self.active_layer = None

    def mainWindow(self):
        return self.window

    def mapCanvas(self):
        return self.canvas

    def messageBar(self):
        return self.bar

    def activeLayer(self):
        return self.active_layer

    def setActiveLayer(self, layer) -> bool:
        self.active_layer = layer
        return True

    def addToolBarIcon(self, action) -> int:
        self.toolbar.addAction(action)
        return 0

    def removeToolBarIcon(self, action) -> None:
        self.toolbar.removeAction(action)

    def addPluginToMenu(self, name: str, action) -> None:
        self.menus.setdefault(name, QMenu(name)).addAction(action)

    def removePluginMenu(self, name: str, action) -> None:
        menu = self.menus.get(name)
        if menu is not None:
            menu.removeAction(action)
            if not menu.actions():
                del self.menus[name]

    def addDockWidget(self, area, dock) -> None:
        self.window.addDockWidget(area, dock)
        self.docks.append(dock)

    def removeDockWidget(self, dock) -> None:
        self.window.removeDockWidget(dock)
        self.docks.remove(dock)


#: (name, lat, lon, colour): a few claimed locations, far apart.
PHOTOS = [
    ("paris", 48.8566, 2.3522, (200, 60, 40)),
    ("tokyo", 35.6762, 139.6503, (40, 160, 90)),
    ("lima", -12.0464, -77.0428, (60, 80, 200)),
    ("nairobi", -1.2921, 36.8219, (220, 200, 40)),
    ("oslo", 59.9139, 10.7522, (120, 120, 120)),
]


def write_photos(folder: Path, count: int = len(PHOTOS)) -> list[Path]:
    """Small real JPEGs with a little structure (sky, ground, a block), plus nothing else."""
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        name, _, _, colour = PHOTOS[i % len(PHOTOS)]
        image = Image.new("RGB", (96, 64), (135, 190, 235))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 40, 96, 64), fill=(90, 90, 90))
        draw.rectangle((10 + i % 30, 12, 50 + i % 30, 44), fill=colour)
        path = folder / f"{name}_{i:03d}.jpg"
        image.save(path, quality=85)
        paths.append(path)
    return paths


def photo_layer_features(paths: list[Path], image_values: list[str]) -> list[tuple]:
    """(name, image value, lat, lon) per photo, cycling through PHOTOS' claimed places."""
    rows = []
    for i, (path, value) in enumerate(zip(paths, image_values)):
        _, lat, lon, _ = PHOTOS[i % len(PHOTOS)]
        rows.append((path.stem, value, lat, lon))
    return rows


def make_memory_layer(rows: list[tuple], name: str = "street photos") -> QgsVectorLayer:
    layer = QgsVectorLayer("Point?crs=EPSG:4326", name, "memory")
    layer.dataProvider().addAttributes([QgsField("name", QVariant.String),
                                        QgsField("image", QVariant.String)])
    layer.updateFields()
    features = []
    for label, image, lat, lon in rows:
        feature = QgsFeature(layer.fields())
        feature.setAttributes([label, image])
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(lon, lat)))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def make_gpkg_layer(rows: list[tuple], path: Path, name: str = "gpkg photos") -> QgsVectorLayer:
    memory = make_memory_layer(rows)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = "photos"
    error = QgsVectorFileWriter.writeAsVectorFormatV3(
        memory, str(path), QgsProject.instance().transformContext(), options)
    assert error[0] == QgsVectorFileWriter.NoError, error
    layer = QgsVectorLayer(f"{path}|layername=photos", name, "ogr")
    assert layer.isValid()
    return layer


def cli_works() -> bool:
    if not CLI.exists():
        return False
    probe = subprocess.run([str(CLI), "geolocate", "--help"], capture_output=True, text=True,
                           env=cli_env(), timeout=120)
    return probe.returncode == 0


def cli_env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def wait_for(condition, timeout_s: float = 300.0, what: str = "condition") -> None:
    """Run the Qt event loop until ``condition()`` holds (tasks report on the main thread)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        QCoreApplication.processEvents()
        time.sleep(0.02)


def messages(iface: TestInterface) -> list[tuple[int, str]]:
    """(level, title: text) of every message on the bar."""
    return [(item.level(), f"{item.title()}: {item.text()}") for item in iface.messageBar().items()]


def run_job(controller, request, timeout_s: float = 600.0):
    """Start a job through the controller and run the event loop until it has ended."""
    job = controller.start(request)
    assert job is not None, messages(controller.iface)
    wait_for(lambda: job.result != "running", timeout_s, "the GeoReasoner job to end")
    return job


def layer_values(layer) -> list[dict]:
    """Every feature's attributes by field name, NULL as None, in feature-id order."""
    from qgis_plugin.results import python_value

    names = layer.fields().names()
    return [{n: python_value(f[n]) for n in names} for f in
            sorted(layer.getFeatures(), key=lambda f: f.id())]


def project_layer(name: str):
    [layer] = QgsProject.instance().mapLayersByName(name)
    return layer
