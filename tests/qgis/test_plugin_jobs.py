"""Cancelling, the locatability map, a broken profile and the Settings Test button,
through the real CLI with the tiny models."""

from __future__ import annotations

from qgis.core import Qgis, QgsProject, QgsRasterLayer, QgsSingleBandPseudoColorRenderer
from qgis_helpers import (
    CLI,
    layer_values,
    make_memory_layer,
    messages,
    photo_layer_features,
    project_layer,
    run_job,
    wait_for,
    write_photos,
)

from qgis_plugin.cli import JobOptions
from qgis_plugin.controller import JobController, JobRequest
from qgis_plugin.settings import PluginSettings
from qgis_plugin.settings_dialog import SettingsDialog


def _controller(iface) -> JobController:
    return JobController(iface, lambda: PluginSettings(executable=str(CLI)))


def test_cancel_in_the_middle_of_a_run_leaves_the_layer_unchanged(iface, tiny_profile, tmp_path):
    paths = write_photos(tmp_path / "photos", count=40)
    layer = make_memory_layer(photo_layer_features(paths, [str(p) for p in paths]))
    QgsProject.instance().addMapLayer(layer)
    before = layer_values(layer)
    output = tmp_path / "cancelled.gpkg"
    request = JobRequest("geolocate", layer, "image", str(output),
                         JobOptions(profile=tiny_profile, batch_size=1, image_field="image"),
                         write_to_layer=True)

    job = _controller(iface).start(request)
    wait_for(lambda: job.task.progress() > 0 or job.result != "running", 300, "first progress")
    assert job.result == "running", job.message
    job.task.cancel()
    wait_for(lambda: job.result != "running", 120, "the cancelled job to end")

    assert job.result == "canceled"
    assert layer.fields().names() == ["name", "image"]
    assert layer_values(layer) == before
    assert not output.exists()
    assert messages(iface) == [(Qgis.Info, "GeoReasoner: The job was cancelled; street photos is "
                                           "unchanged.")]


def test_locatability_map_loads_the_raster_with_a_colour_ramp(iface, memory_layer, tiny_profile,
                                                              tmp_path, artifacts):
    request = JobRequest("score", memory_layer, "image", str(tmp_path / "loc.gpkg"),
                         JobOptions(profile=tiny_profile, image_field="image"),
                         raster_path=str(tmp_path / "loc.tif"), cell_m=500_000)

    job = run_job(_controller(iface), request)

    assert job.result == "done", job.message
    raster = project_layer("Locatability map – street photos")
    assert isinstance(raster, QgsRasterLayer) and raster.isValid()
    assert isinstance(raster.renderer(), QgsSingleBandPseudoColorRenderer)
    scored = layer_values(job.loaded["photos"])
    assert [r["gr_status"] for r in scored] == ["ok"] * 4 + ["error"]
    assert all(0 <= r["gr_loc"] <= 1 for r in scored[:4])
    assert memory_layer.fields().names() == ["name", "image"]


def test_a_broken_model_profile_gives_the_clis_message_on_the_bar(iface, memory_layer, tmp_path):
    broken = tmp_path / "broken_profile"
    broken.mkdir()
    (broken / "profile.json").write_text("{ not json")
    request = JobRequest("geolocate", memory_layer, "image", str(tmp_path / "out.gpkg"),
                         JobOptions(profile=str(broken), image_field="image"), write_to_layer=True)

    job = run_job(_controller(iface), request)

    assert job.result == "failed"
    [(level, text)] = messages(iface)
    assert level == Qgis.Critical
    assert "profile" in text.lower() and "Traceback" not in text
    assert memory_layer.fields().names() == ["name", "image"]


def test_settings_test_button_shows_the_doctors_answer(qgis_app, tiny_profile):
    dialog = SettingsDialog(PluginSettings(executable=str(CLI), profile=tiny_profile))

    task = dialog.run_doctor()
    wait_for(lambda: dialog.test_button.isEnabled(), 300, "doctor to answer")

    assert task.outcome.returncode == 0, dialog.answer.toPlainText()
    assert dialog.answer.toPlainText().startswith("✔ georeasoner is ready.")


def test_settings_test_button_names_a_missing_executable(qgis_app, tmp_path):
    dialog = SettingsDialog(PluginSettings(executable=str(tmp_path / "georeasoner")))

    assert dialog.run_doctor() is None
    assert "does not exist or cannot run: set its path in GeoReasoner Settings" in \
        dialog.answer.toPlainText()
