"""A missing executable or an unreachable backend gives a clear message-bar error."""

import socket

from qgis.core import Qgis
from qgis_helpers import messages, wait_for

from qgis_plugin.cli import JobOptions, job_arguments
from qgis_plugin.controller import JobController, JobRequest
from qgis_plugin.settings import PluginSettings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(layer, tmp_path, backend="local", profile=""):
    return JobRequest("geolocate", layer, "image", str(tmp_path / "out.gpkg"),
                      JobOptions(backend=backend, profile=profile, image_field="image"),
                      write_to_layer=True)


def test_job_arguments_pass_every_choice_to_the_cli():
    options = JobOptions(backend="redis://h:6379/0", profile="small", engine="clip", min_loc=0.4,
                         image_field="img")
    assert job_arguments("geolocate", "in.gpkg", "out.gpkg", options, layer_name="photos_in") == [
        "geolocate", "in.gpkg", "-o", "out.gpkg", "--json", "--layer", "photos_in",
        "--image-field", "img", "--backend", "redis://h:6379/0", "--profile", "small",
        "--engine", "clip", "--min-loc", "0.4"]


def test_score_arguments_ask_for_a_raster_and_no_engine():
    args = job_arguments("score", "in.gpkg", "out.gpkg", JobOptions(), raster="out.tif", cell_m=500)
    assert args == ["score", "in.gpkg", "-o", "out.gpkg", "--json", "--raster", "out.tif",
                    "--cell", "500"]


def test_missing_executable_says_to_set_its_path_in_settings(iface, memory_layer, tmp_path):
    controller = JobController(iface, lambda: PluginSettings(executable="/nowhere/georeasoner"))

    job = controller.start(_request(memory_layer, tmp_path))

    assert job is None
    assert messages(iface) == [(Qgis.Critical, "GeoReasoner: The georeasoner executable "
                                "/nowhere/georeasoner does not exist or cannot run: set its path "
                                "in GeoReasoner Settings.")]
    assert memory_layer.fields().names() == ["name", "image"]


def test_unreachable_redis_backend_says_to_start_it_or_use_local(iface, memory_layer, tmp_path):
    port = _free_port()
    controller = JobController(iface)

    job = controller.start(_request(memory_layer, tmp_path, backend=f"redis://127.0.0.1:{port}/0"))
    wait_for(lambda: job.result != "running", 60, "the job to end")

    assert job.result == "failed"
    [(level, text)] = messages(iface)
    assert level == Qgis.Critical
    assert f"Cannot reach the Redis backend at 127.0.0.1:{port}" in text
    assert "start Redis and a georeasoner worker, or choose the local backend" in text
    assert memory_layer.fields().names() == ["name", "image"]
    assert not (tmp_path / "out.gpkg").exists()


def test_an_empty_selection_is_reported_not_raised(iface, memory_layer, tmp_path):
    request = _request(memory_layer, tmp_path)
    request.selected_only = True

    assert JobController(iface).start(request) is None
    assert messages(iface) == [(Qgis.Critical, "GeoReasoner: The layer has no features to process "
                                "(is the selection empty?).")]
