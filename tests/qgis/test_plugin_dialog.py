"""The Geolocate dialog builds, detects the image field and describes the job it will run."""

from pathlib import Path

from qgis.core import QgsProject, QgsVectorLayer
from qgis_helpers import make_memory_layer, photo_layer_features

from qgis_plugin.fields import pick_image_field
from qgis_plugin.job_dialog import JobDialog
from qgis_plugin.settings import PluginSettings


def test_pick_image_field_prefers_values_that_look_like_images_over_field_names():
    rows = [{"photo_note": "blurry", "ref": "/data/a.JPG"}, {"photo_note": "ok", "ref": "b.png"}]
    assert pick_image_field(["photo_note", "ref"], rows) == "ref"


def test_pick_image_field_falls_back_to_a_field_name_hint_without_values():
    assert pick_image_field(["name", "image_path"], []) == "image_path"
    assert pick_image_field(["name", "comment"], [{"name": "x", "comment": "y"}]) is None


def test_dialog_detects_the_image_field_of_the_layer(qgis_app, photo_paths):
    rows = photo_layer_features(photo_paths, [str(p) for p in photo_paths])
    layer = make_memory_layer(rows)  # fields: name (text), image (paths)
    layer.dataProvider().renameAttributes({1: "ref"})
    layer.updateFields()
    QgsProject.instance().addMapLayer(layer)

    dialog = JobDialog("geolocate", PluginSettings(), layer)

    assert dialog.image_field_combo.currentField() == "ref"


def test_dialog_offers_new_fields_on_an_editable_layer_and_a_gpkg_otherwise(qgis_app, memory_layer,
                                                                           tmp_path):
    dialog = JobDialog("geolocate", PluginSettings(), memory_layer)
    assert dialog.to_layer_radio.isEnabled() and dialog.to_layer_radio.isChecked()

    csv = tmp_path / "photos.csv"
    csv.write_text("name,image,lat,lon\na,a.jpg,1,2\n")
    readonly = QgsVectorLayer(f"file://{csv}?type=csv&xField=lon&yField=lat&crs=EPSG:4326",
                              "csv photos", "delimitedtext")
    assert readonly.isValid()
    QgsProject.instance().addMapLayer(readonly)
    dialog.layer_combo.setLayer(readonly)

    assert not dialog.to_layer_radio.isEnabled()
    assert dialog.new_layer_radio.isChecked()
    assert dialog.image_field_combo.currentField() == "image"


def test_dialog_request_carries_the_analysts_choices(qgis_app, memory_layer, tmp_path):
    memory_layer.selectByIds([1, 2])
    settings = PluginSettings(backend="redis://127.0.0.1:6390/0", profile="small")
    dialog = JobDialog("geolocate", settings, memory_layer)
    dialog.engine_combo.setCurrentIndex(dialog.engine_combo.findData("clip"))
    dialog.min_loc_check.setChecked(True)
    dialog.min_loc_spin.setValue(0.45)
    dialog.output_widget.setFilePath(str(tmp_path / "out"))

    assert dialog.validation_error() is None
    request = dialog.request()

    assert request.selected_only and request.write_to_layer
    assert request.image_field == "image"
    assert request.output_path == str(tmp_path / "out.gpkg")
    assert (request.options.backend, request.options.profile) == ("redis://127.0.0.1:6390/0", "small")
    assert (request.options.engine, request.options.min_loc) == ("clip", 0.45)


def test_dialog_refuses_selected_only_without_a_selection(qgis_app, memory_layer):
    dialog = JobDialog("geolocate", PluginSettings(), memory_layer)
    dialog.selected_only.setChecked(True)
    assert dialog.validation_error() == "The layer has no selected features."


def test_locatability_dialog_asks_for_a_raster_cell_size(qgis_app, memory_layer, tmp_path):
    dialog = JobDialog("score", PluginSettings(), memory_layer)
    dialog.output_widget.setFilePath(str(tmp_path / "loc.gpkg"))
    dialog.cell_spin.setValue(500)

    request = dialog.request()

    assert request.command == "score" and not request.write_to_layer
    assert (request.raster_path, request.cell_m) == (str(tmp_path / "loc.tif"), 500.0)


def test_dialogs_render_to_png(qgis_app, memory_layer, artifacts):
    for command in ("geolocate", "score"):
        dialog = JobDialog(command, PluginSettings(), memory_layer)
        dialog.resize(dialog.sizeHint())
        path = artifacts / f"dialog_{command}.png"
        assert dialog.grab().save(str(path))
        assert Path(path).stat().st_size > 1000
