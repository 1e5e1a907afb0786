"""Processing algorithms: each runs the georeasoner CLI and returns its result layers.

They run off the main thread in the toolbox, so they use only the feature source,
the feedback object and the pure-Python CLI runner.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
)

from ..cli import CliError, JobOptions, check_backend_reachable, job_arguments, run_cli
from ..export import ExportError, detect_image_field, export_features, image_base_dir
from ..fields import STATUSES
from ..settings import PluginSettings

ENGINES = ["lvlm", "clip"]
GPKG_FILTER = "GeoPackage (*.gpkg)"


def _run(args: list[str], feedback: QgsProcessingFeedback, backend: str = "local") -> dict:
    """Run the CLI with the feedback's progress and cancel; the ``done`` event."""
    feedback = feedback or QgsProcessingFeedback()

    def on_event(event: dict) -> None:
        if event.get("event") == "progress" and event.get("total"):
            feedback.setProgress(100.0 * float(event.get("done", 0)) / float(event["total"]))

    try:
        check_backend_reachable(backend)
        executable = PluginSettings.load().resolved_executable()
        feedback.pushInfo(f"Running {executable} {' '.join(args)}")
        outcome = run_cli(executable, args, on_event=on_event, is_canceled=feedback.isCanceled)
    except CliError as exc:
        raise QgsProcessingException(str(exc)) from exc
    for line in outcome.stderr_text.strip().splitlines()[-20:]:
        feedback.pushDebugInfo(line)
    if outcome.canceled:
        raise QgsProcessingException("Cancelled; no output was written.")
    if not outcome.ok:
        raise QgsProcessingException(outcome.failure_message())
    return outcome.done or {}


def _summary_outputs(done: dict) -> dict:
    summary = done.get("summary") or {}
    return {key.upper(): int(summary.get(key, 0)) for key in (*STATUSES, "flagged")}


def _layer_uri(gpkg: str, layer_name: str) -> str:
    return f"{gpkg}|layername={layer_name}"


class _CliAlgorithm(QgsProcessingAlgorithm):
    """Shared parameters and the export of the input photos to a job folder."""

    def group(self) -> str:
        return ""

    def groupId(self) -> str:
        return ""

    def createInstance(self):
        return type(self)()

    def shortHelpString(self) -> str:
        return self.__doc__ or ""

    def _add_photo_inputs(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(
            "INPUT", "Photo points", [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField(
            "IMAGE_FIELD", "Image field (empty: detect)", parentLayerParameterName="INPUT",
            type=QgsProcessingParameterField.String, optional=True))

    def _add_model_inputs(self, with_engine: bool) -> None:
        settings = PluginSettings.load()
        if with_engine:
            self.addParameter(QgsProcessingParameterEnum(
                "ENGINE", "Engine", options=["LVLM with reasons", "CLIP zero-shot"], defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            "PROFILE", "Model profile (name or folder; empty: default)",
            defaultValue=settings.profile, optional=True))
        self.addParameter(QgsProcessingParameterString(
            "BACKEND", "Backend (local, or redis://host:port/db)", defaultValue=settings.backend))

    def _options(self, parameters, context, image_field: str) -> JobOptions:
        engine = ENGINES[self.parameterAsEnum(parameters, "ENGINE", context)] \
            if "ENGINE" in parameters else "lvlm"
        min_loc = parameters.get("MIN_LOC")
        return JobOptions(
            backend=self.parameterAsString(parameters, "BACKEND", context).strip() or "local",
            profile=self.parameterAsString(parameters, "PROFILE", context).strip(),
            engine=engine, image_field=image_field,
            min_loc=None if min_loc in (None, "") else
            self.parameterAsDouble(parameters, "MIN_LOC", context))

    def _export(self, parameters, context: QgsProcessingContext, job_dir: str):
        source = self.parameterAsSource(parameters, "INPUT", context)
        if source is None:
            raise QgsProcessingException("The input photo layer cannot be read.")
        layer = self.parameterAsVectorLayer(parameters, "INPUT", context)
        image_field = self.parameterAsString(parameters, "IMAGE_FIELD", context) or \
            (detect_image_field(layer) if layer is not None else None)
        if not image_field:
            raise QgsProcessingException("No image field found: choose the field that holds "
                                         "the image paths.")
        base_dir = image_base_dir(layer) if layer is not None else None
        try:
            exported = export_features(source.getFeatures(), source.fields(), source.wkbType(),
                                       source.sourceCrs(), str(Path(job_dir, "input.gpkg")),
                                       image_field, base_dir, context.transformContext())
        except ExportError as exc:
            raise QgsProcessingException(str(exc)) from exc
        return exported, image_field


class GeolocateAlgorithm(_CliAlgorithm):
    """Geolocates every photo: locatability, country, city, coordinates, confidence and the
    model's reasons. Writes a GeoPackage with the photos and their result fields, the
    predicted locations, and audit lines from each claimed location to the prediction."""

    def name(self) -> str:
        return "geolocate"

    def displayName(self) -> str:
        return "Geolocate layer"

    def initAlgorithm(self, config=None) -> None:
        self._add_photo_inputs()
        self._add_model_inputs(with_engine=True)
        self.addParameter(QgsProcessingParameterNumber(
            "MIN_LOC", "Minimum locatability (empty: profile default)",
            type=QgsProcessingParameterNumber.Double, minValue=0.0, maxValue=1.0, optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Result GeoPackage", GPKG_FILTER))
        self.addOutput(QgsProcessingOutputVectorLayer("PHOTOS", "Photos with results",
                                                      QgsProcessing.TypeVectorPoint))
        self.addOutput(QgsProcessingOutputVectorLayer("PREDICTIONS", "Predicted locations",
                                                      QgsProcessing.TypeVectorPoint))
        self.addOutput(QgsProcessingOutputVectorLayer("AUDIT", "Audit lines",
                                                      QgsProcessing.TypeVectorLine))
        for key in (*STATUSES, "flagged"):
            self.addOutput(QgsProcessingOutputNumber(key.upper(), f"Photos {key}"))

    def processAlgorithm(self, parameters, context, feedback) -> dict:
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        job_dir = tempfile.mkdtemp(prefix="georeasoner_alg_")
        try:
            exported, image_field = self._export(parameters, context, job_dir)
            options = self._options(parameters, context, image_field)
            args = job_arguments("geolocate", exported.path, output, options,
                                 layer_name=exported.layer_name)
            done = _run(args, feedback, options.backend)
        finally:
            shutil.rmtree(job_dir, ignore_errors=True)
        output = done.get("output", output)
        return {"OUTPUT": output, "PHOTOS": _layer_uri(output, "photos"),
                "PREDICTIONS": _layer_uri(output, "predictions"),
                "AUDIT": _layer_uri(output, "audit"), **_summary_outputs(done)}


class AuditAlgorithm(GeolocateAlgorithm):
    """Checks each photo's claimed location against where the photo appears to be. Draws a
    line from the claimed point to the predicted point; gr_flag = 1 marks a claimed place
    that is implausible given the prediction and its confidence."""

    def name(self) -> str:
        return "audit"

    def displayName(self) -> str:
        return "Audit locations"

    def initAlgorithm(self, config=None) -> None:
        super().initAlgorithm(config)
        self.addParameter(QgsProcessingParameterBoolean(
            "FLAGGED_ONLY", "Audit layer holds flagged photos only", defaultValue=False))

    def processAlgorithm(self, parameters, context, feedback) -> dict:
        results = super().processAlgorithm(parameters, context, feedback)
        if self.parameterAsBoolean(parameters, "FLAGGED_ONLY", context):
            results["AUDIT"] += "|subset=\"gr_flag\" = 1"
        return results


class ScoreAlgorithm(_CliAlgorithm):
    """Scores how locatable every photo is (0..1: how many geographic clues it holds),
    without geolocating it; optionally grids the scores into a locatability raster."""

    def name(self) -> str:
        return "score"

    def displayName(self) -> str:
        return "Score locatability"

    def initAlgorithm(self, config=None) -> None:
        self._add_photo_inputs()
        self._add_model_inputs(with_engine=False)
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Scored photos GeoPackage", GPKG_FILTER))
        self.addParameter(QgsProcessingParameterRasterDestination(
            "RASTER", "Locatability raster", optional=True, createByDefault=False))
        self.addParameter(QgsProcessingParameterNumber(
            "CELL", "Raster cell size (metres)", type=QgsProcessingParameterNumber.Double,
            minValue=1.0, defaultValue=250.0))
        self.addOutput(QgsProcessingOutputVectorLayer("PHOTOS", "Scored photos",
                                                      QgsProcessing.TypeVectorPoint))

    def processAlgorithm(self, parameters, context, feedback) -> dict:
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        raster = self.parameterAsOutputLayer(parameters, "RASTER", context) or None
        job_dir = tempfile.mkdtemp(prefix="georeasoner_alg_")
        try:
            exported, image_field = self._export(parameters, context, job_dir)
            options = self._options(parameters, context, image_field)
            args = job_arguments("score", exported.path, output, options,
                                 layer_name=exported.layer_name, raster=raster,
                                 cell_m=self.parameterAsDouble(parameters, "CELL", context))
            done = _run(args, feedback, options.backend)
        finally:
            shutil.rmtree(job_dir, ignore_errors=True)
        output = done.get("output", output)
        results = {"OUTPUT": output, "PHOTOS": _layer_uri(output, "photos")}
        if raster:
            results["RASTER"] = done.get("raster", raster)
        return results


class ImportPhotosAlgorithm(_CliAlgorithm):
    """Makes a point layer from a folder of geotagged photos (EXIF GPS), one point per
    photo with its path, ready for Geolocate layer or Audit locations."""

    def name(self) -> str:
        return "importphotos"

    def displayName(self) -> str:
        return "Import geotagged photos"

    def initAlgorithm(self, config=None) -> None:
        self.addParameter(QgsProcessingParameterFile(
            "FOLDER", "Folder of photos", behavior=QgsProcessingParameterFile.Folder))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Photo points GeoPackage", GPKG_FILTER))
        self.addOutput(QgsProcessingOutputVectorLayer("PHOTOS", "Photo points",
                                                      QgsProcessing.TypeVectorPoint))

    def processAlgorithm(self, parameters, context, feedback) -> dict:
        folder = self.parameterAsFile(parameters, "FOLDER", context)
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        _run(["import-photos", folder, "-o", output], feedback)
        if not Path(output).is_file():
            raise QgsProcessingException(f"georeasoner import-photos wrote no {output}.")
        return {"OUTPUT": output, "PHOTOS": output}


ALGORITHMS = (GeolocateAlgorithm, ScoreAlgorithm, ImportPhotosAlgorithm, AuditAlgorithm)
