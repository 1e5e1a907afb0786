"""One job from the dialog to the map: export, run the CLI in a task, apply the results.

Everything here runs on the main thread; the task's ``run`` is the only part that
does not. Every failure ends as a message-bar error, never as a traceback dialog.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from qgis.core import Qgis, QgsApplication, QgsVectorLayer
from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import QPushButton

from . import results, styles
from .cli import CliError, JobOptions, check_executable, job_arguments
from .export import ExportedPhotos, ExportError, export_layer
from .settings import PluginSettings
from .task import CliTask

log = logging.getLogger(__name__)
TITLE = "GeoReasoner"


@dataclass
class JobRequest:
    """What the dialog collected. ``command`` is ``geolocate`` or ``score``."""

    command: str
    layer: QgsVectorLayer
    image_field: str
    output_path: str
    options: JobOptions
    selected_only: bool = False
    write_to_layer: bool = False
    raster_path: str | None = None
    cell_m: float | None = None


@dataclass
class Job:
    request: JobRequest
    exported: ExportedPhotos
    job_dir: str
    task: CliTask | None = None
    result: str = "running"  # running | done | canceled | failed
    message: str = ""
    summary: results.Summary | None = None
    loaded: dict = field(default_factory=dict)

    @property
    def log_path(self) -> str:
        return str(Path(self.request.output_path).with_suffix(".log"))


class JobController:
    """Starts jobs and reports their ends on the message bar of ``iface``."""

    def __init__(self, iface, settings_loader: Callable[[], PluginSettings] = PluginSettings.load):
        self.iface = iface
        self.settings_loader = settings_loader
        self.jobs: list[Job] = []

    def start(self, request: JobRequest) -> Job | None:
        """Export the photos and queue the task; None (with a message) when it cannot start."""
        try:
            executable = check_executable(self.settings_loader().resolved_executable())
        except CliError as exc:
            self.report_error(str(exc))
            return None
        job_dir = tempfile.mkdtemp(prefix="georeasoner_job_")
        try:
            Path(request.output_path).parent.mkdir(parents=True, exist_ok=True)
            exported = export_layer(request.layer, str(Path(job_dir, "input.gpkg")),
                                    request.image_field, request.selected_only)
        except (ExportError, OSError) as exc:
            shutil.rmtree(job_dir, ignore_errors=True)
            self.report_error(str(exc))
            return None
        job = Job(request, exported, job_dir)
        args = job_arguments(request.command, exported.path, request.output_path, request.options,
                             layer_name=exported.layer_name, raster=request.raster_path,
                             cell_m=request.cell_m)
        verb = "Geolocating" if request.command == "geolocate" else "Scoring locatability of"
        job.task = CliTask(f"{verb} {request.layer.name()}", executable, args,
                           on_finished=lambda task, job=job: self._finished(job),
                           backend=request.options.backend,
                           stderr_path=str(Path(job_dir, "georeasoner.log")))
        self.jobs.append(job)
        QgsApplication.taskManager().addTask(job.task)
        return job

    def _finished(self, job: Job) -> None:
        try:
            self._conclude(job)
        except Exception as exc:  # noqa: BLE001 - report, never raise into QGIS
            log.exception("applying GeoReasoner results failed")
            job.result, job.message = "failed", f"Could not apply the results: {exc}"
            self.report_error(job.message)
        finally:
            shutil.rmtree(job.job_dir, ignore_errors=True)
            if job in self.jobs:
                self.jobs.remove(job)

    def _conclude(self, job: Job) -> None:
        task, layer_name = job.task, job.request.layer.name()
        if task.was_canceled():
            job.result = "canceled"
            job.message = f"The job was cancelled; {layer_name} is unchanged."
            self.iface.messageBar().pushMessage(TITLE, job.message, Qgis.Info, 10)
            return
        if task.failure:
            job.result, job.message = "failed", task.failure
            self.report_error(task.failure)
            return
        done = task.outcome.done or {}
        output = done.get("output") or job.request.output_path
        records = results.read_records(output)
        job.summary = results.summarize(records, job.exported.row_to_fid)
        self._write_log(job, task.outcome.stderr_text)
        if job.request.command == "geolocate":
            if job.request.write_to_layer:
                results.write_fields(job.request.layer, records, job.exported.row_to_fid)
            job.loaded = results.load_result_layers(output, layer_name,
                                                    with_photos=not job.request.write_to_layer)
            if job.request.write_to_layer:
                styles.style_photo_layer(job.request.layer)
        else:
            job.loaded = {results.PHOTOS: self._load_scored_photos(output, layer_name)}
            raster = done.get("raster") or job.request.raster_path
            if raster:
                job.loaded["raster"] = results.load_locatability_raster(raster, layer_name)
        job.result = "done"
        job.message = f"{layer_name}: {job.summary.text()}."
        self._report_done(job)

    @staticmethod
    def _load_scored_photos(output: str, layer_name: str) -> QgsVectorLayer:
        layer = results.open_result_layer(output, results.PHOTOS, f"Scored photos – {layer_name}")
        styles.style_photo_layer(layer)
        results.add_to_group(layer, results.results_group(f"GeoReasoner: {layer_name}"))
        return layer

    def _write_log(self, job: Job, stderr_text: str) -> None:
        lines = [f"GeoReasoner {job.request.command} of {job.request.layer.name()}",
                 f"output: {job.request.output_path}", job.summary.text(), ""]
        lines += ["Errors:", *job.summary.errors] if job.summary.errors else ["No errors."]
        lines += ["", "georeasoner log:", stderr_text]
        Path(job.log_path).write_text("\n".join(lines), encoding="utf-8")

    def _report_done(self, job: Job) -> None:
        bar = self.iface.messageBar()
        level = Qgis.Warning if job.summary.error else Qgis.Success
        item = bar.createMessage(TITLE, job.message)
        button = QPushButton("Show error log" if job.summary.error else "Show log")
        button.setObjectName("georeasoner_log_button")
        button.setProperty("log_path", job.log_path)
        button.clicked.connect(lambda _=False, p=job.log_path: QDesktopServices.openUrl(
            QUrl.fromLocalFile(p)))
        item.layout().addWidget(button)
        bar.pushWidget(item, level, 0 if job.summary.error else 15)

    def report_error(self, message: str) -> None:
        self.iface.messageBar().pushMessage(TITLE, message, Qgis.Critical, 0)
