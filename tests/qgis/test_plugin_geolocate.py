"""Geolocate through the real CLI subprocess with the tiny models, on the local backend.

One job per layer kind runs once for this module; each test checks one behaviour of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from qgis.core import (
    Qgis,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import QPushButton
from qgis_helpers import (
    CLI,
    TestInterface,
    layer_values,
    make_gpkg_layer,
    make_memory_layer,
    messages,
    photo_layer_features,
    project_layer,
    run_job,
    write_photos,
)

from qgis_plugin.cli import JobOptions
from qgis_plugin.controller import JobController, JobRequest
from qgis_plugin.fields import RESULT_FIELDS, STATUSES
from qgis_plugin.inspector import PhotoInspectorPanel
from qgis_plugin.settings import PluginSettings


WORLD_MAP = "/usr/share/qgis/resources/data/world_map.gpkg"


class Run:
    """One finished job and what it ran on."""

    def __init__(self, iface, layer, job, before):
        self.iface, self.layer, self.job, self.before = iface, layer, job, before


def _controller(iface) -> JobController:
    return JobController(iface, lambda: PluginSettings(executable=str(CLI)))


@pytest.fixture(scope="module")
def memory_run(qgis_app, tiny_profile, tmp_path_factory) -> Run:
    """A memory layer, results as new fields on it; the last photo's file is missing."""
    folder = tmp_path_factory.mktemp("memory_run")
    paths = write_photos(folder / "photos")
    values = [str(p) for p in paths]
    values[-1] = str(folder / "photos" / "missing.jpg")
    layer = make_memory_layer(photo_layer_features(paths, values))
    QgsProject.instance().addMapLayer(layer)
    iface = TestInterface()
    request = JobRequest("geolocate", layer, "image", str(folder / "results.gpkg"),
                         JobOptions(profile=tiny_profile, engine="lvlm", image_field="image"),
                         write_to_layer=True)
    before = layer_values(layer)
    return Run(iface, layer, run_job(_controller(iface), request), before)


@pytest.fixture(scope="module")
def gpkg_run(qgis_app, tiny_profile, tmp_path_factory) -> Run:
    """A GeoPackage layer with relative image paths, results as a new GeoPackage layer (CLIP)."""
    folder = tmp_path_factory.mktemp("gpkg_run")
    paths = write_photos(folder / "photos")
    layer = make_gpkg_layer(photo_layer_features(paths, [f"photos/{p.name}" for p in paths]),
                            folder / "survey.gpkg", name="survey")
    QgsProject.instance().addMapLayer(layer)
    iface = TestInterface()
    request = JobRequest("geolocate", layer, "image", str(folder / "survey_results.gpkg"),
                         JobOptions(profile=tiny_profile, engine="clip", image_field="image"),
                         write_to_layer=False)
    before = layer_values(layer)
    return Run(iface, layer, run_job(_controller(iface), request), before)


def test_memory_layer_gets_every_result_field(memory_run):
    assert memory_run.job.result == "done", memory_run.job.message
    assert set(RESULT_FIELDS) <= set(memory_run.layer.fields().names())


def test_memory_layer_results_land_on_the_feature_they_belong_to(memory_run):
    rows = layer_values(memory_run.layer)
    assert [r["gr_item"] for r in rows] == list(range(len(rows)))
    assert [r["name"] for r in rows] == [r["name"] for r in memory_run.before]
    assert all(r["gr_status"] in STATUSES for r in rows)
    ok = [r for r in rows if r["gr_status"] == "ok"]
    assert len(ok) == len(rows) - 1
    assert all(0 <= r["gr_loc"] <= 1 and 0 <= r["gr_conf"] <= 1 and r["gr_model"] for r in ok)


def test_a_missing_photo_becomes_an_error_row_with_its_reason(memory_run):
    last = layer_values(memory_run.layer)[-1]
    assert last["gr_status"] == "error"
    assert "not found" in last["gr_error"].lower()


def test_message_bar_gives_the_counts_and_links_to_the_error_log(memory_run):
    [(level, text)] = messages(memory_run.iface)
    assert level == Qgis.Warning
    assert text.startswith("GeoReasoner: street photos: 4 ok, 0 low locatability, 1 errors, ")
    [button] = [b for b in memory_run.iface.messageBar().findChildren(QPushButton)
                if b.objectName() == "georeasoner_log_button"]
    log = Path(button.property("log_path")).read_text()
    assert "row 4 (feature id 5):" in log and "missing.jpg" in log


def test_memory_layer_run_adds_predicted_and_audit_layers(memory_run):
    rows = layer_values(memory_run.layer)
    predictions = project_layer("Predicted locations – street photos")
    audit = project_layer("Audit – street photos")
    assert predictions.featureCount() == sum(r["gr_lat"] is not None for r in rows)
    assert audit.featureCount() == sum(r["gr_lat"] is not None and r["gr_err_km"] is not None
                                       for r in rows)


def test_gpkg_layer_stays_unchanged_when_results_go_to_a_new_layer(gpkg_run):
    assert gpkg_run.job.result == "done", gpkg_run.job.message
    assert gpkg_run.layer.fields().names() == ["fid", "name", "image"]
    assert layer_values(gpkg_run.layer) == gpkg_run.before


def test_gpkg_results_layer_holds_every_field_and_reads_relative_image_paths(gpkg_run):
    photos = project_layer("survey (GeoReasoner)")
    assert set(RESULT_FIELDS) <= set(photos.fields().names())
    rows = layer_values(photos)
    assert len(rows) == 5
    assert {r["gr_status"] for r in rows} == {"ok"}
    assert all(Path(r["image"]).is_absolute() and Path(r["image"]).is_file() for r in rows)


def test_gpkg_run_predicts_points_and_draws_audit_lines_to_them(gpkg_run):
    predictions = project_layer("Predicted locations – survey")
    audit = project_layer("Audit – survey")
    assert predictions.featureCount() == 5 and audit.featureCount() == 5
    assert predictions.crs().authid() == "EPSG:4326"
    assert predictions.labelsEnabled()
    flagged_symbol = audit.renderer().categories()[0]
    assert flagged_symbol.value() == 1
    assert flagged_symbol.symbol().color() == QColor("#e31a1c")


def test_result_map_renders_to_png(gpkg_run, artifacts):
    layers = [project_layer(n) for n in ("Predicted locations – survey", "Audit – survey",
                                         "survey (GeoReasoner)")]
    extent = QgsRectangle(layers[0].extent())
    for layer in layers[1:]:
        extent.combineExtentWith(layer.extent())
    extent.scale(1.3)
    world = QgsVectorLayer(f"{WORLD_MAP}|layername=countries", "countries", "ogr")
    world.renderer().symbol().setColor(QColor("#eeeeee"))
    settings = QgsMapSettings()
    settings.setLayers(layers + [world])
    settings.setDestinationCrs(layers[0].crs())
    settings.setOutputSize(QSize(900, 600))
    settings.setExtent(extent)
    settings.setBackgroundColor(QColor("white"))
    render = QgsMapRendererSequentialJob(settings)
    render.start()
    render.waitForFinished()
    path = artifacts / "result_map.png"
    assert render.renderedImage().save(str(path))
    image = render.renderedImage()
    predicted = next(layers[0].getFeatures()).geometry().asPoint()
    pixel = settings.mapToPixel().transform(predicted)
    drawn = image.pixelColor(int(pixel.x()), int(pixel.y()))
    assert drawn.name() not in ("#ffffff", "#eeeeee")  # the prediction's star is drawn there


def test_inspector_panel_shows_photo_prediction_and_reasons(gpkg_run, artifacts):
    photos = project_layer("survey (GeoReasoner)")
    feature = next(photos.getFeatures())
    panel = PhotoInspectorPanel()
    panel.resize(420, 720)

    panel.show_feature(photos, feature)

    assert not panel.image_label.pixmap().isNull()
    text = panel.details_label.text()
    assert feature["gr_city"] in text and "CLIP zero-shot" in text
    assert f"{feature['gr_conf']:.1%}" in text
    assert panel.grab().save(str(artifacts / "inspector_panel.png"))
