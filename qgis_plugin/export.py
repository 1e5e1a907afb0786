"""Copy a layer's photos into the job's input GeoPackage before a job starts.

The CLI reads this copy, never the analyst's layer, so a job can run off the main
thread and a cancelled job leaves the layer as it was. Row ``i`` of the copy is
feature ``row_to_fid[i]`` of the layer; results come back keyed by that row (gr_item).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsFields,
    QgsProject,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

from .fields import RESULT_FIELDS, pick_image_field

INPUT_LAYER_NAME = "photos_in"
_SKIPPED_FIELDS = {"fid", *RESULT_FIELDS}
_SAMPLE_FEATURES = 20


@dataclass
class ExportedPhotos:
    path: str
    layer_name: str
    row_to_fid: list[int]


class ExportError(Exception):
    """The photos could not be copied (no features, unwritable folder, ...)."""


def export_layer(layer: QgsVectorLayer, out_path: str, image_field: str,
                 selected_only: bool = False) -> ExportedPhotos:
    """Copy the layer's (selected) features; must run on the main thread."""
    request = QgsFeatureRequest()
    if selected_only:
        request.setFilterFids(layer.selectedFeatureIds())
    features = layer.getFeatures(request)
    return export_features(features, layer.fields(), layer.wkbType(), layer.crs(), out_path,
                           image_field, image_base_dir(layer),
                           QgsProject.instance().transformContext())


def export_features(features: Iterable[QgsFeature], fields: QgsFields, wkb_type,
                    crs: QgsCoordinateReferenceSystem, out_path: str, image_field: str,
                    base_dir: str | None,
                    transform_context: QgsCoordinateTransformContext | None = None) -> ExportedPhotos:
    """Write ``features`` to ``out_path``; relative image paths become absolute.

    Existing ``gr_*`` fields are left out so that running a layer twice does not
    duplicate them in the CLI's output.
    """
    kept = [i for i, f in enumerate(fields) if f.name().lower() not in _SKIPPED_FIELDS]
    out_fields = QgsFields()
    for i in kept:
        out_fields.append(fields.at(i))
    image_index = fields.indexOf(image_field) if image_field else -1

    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = INPUT_LAYER_NAME
    options.fileEncoding = "UTF-8"
    writer = QgsVectorFileWriter.create(out_path, out_fields, wkb_type, crs,
                                        transform_context or QgsCoordinateTransformContext(), options)
    if writer.hasError() != QgsVectorFileWriter.NoError:
        raise ExportError(f"Cannot write the job's input {out_path}: {writer.errorMessage()}")

    row_to_fid: list[int] = []
    try:
        for feature in features:
            attrs = feature.attributes()
            if image_index >= 0:
                attrs[image_index] = absolute_image_path(attrs[image_index], base_dir)
            copy = QgsFeature(out_fields)
            copy.setGeometry(feature.geometry())
            copy.setAttributes([attrs[i] for i in kept])
            if not writer.addFeature(copy, QgsFeatureSink.FastInsert):
                raise ExportError(f"Cannot write feature {feature.id()}: {writer.errorMessage()}")
            row_to_fid.append(feature.id())
    finally:
        del writer
    if not row_to_fid:
        raise ExportError("The layer has no features to process (is the selection empty?).")
    return ExportedPhotos(out_path, INPUT_LAYER_NAME, row_to_fid)


def image_base_dir(layer: QgsVectorLayer) -> str | None:
    """The folder relative image paths are read from: the layer file's, else the project's."""
    source = layer.source().split("|", 1)[0]
    if layer.providerType() in ("ogr", "delimitedtext", "spatialite"):
        path = source.removeprefix("file://").split("?", 1)[0]
        if os.path.exists(path):
            return str(Path(path).resolve().parent)
    home = QgsProject.instance().homePath()
    return home or None


def absolute_image_path(value, base_dir: str | None):
    """``value`` made absolute against ``base_dir`` when it is a relative file path."""
    if not isinstance(value, str) or not value.strip() or base_dir is None:
        return value
    text = value.strip()
    if "://" in text or os.path.isabs(text):
        return text
    return str(Path(base_dir, text))


def detect_image_field(layer: QgsVectorLayer | None) -> str | None:
    """The layer's field that holds image paths, judged from its first features."""
    if layer is None:
        return None
    names = [f.name() for f in layer.fields() if f.type() == QVariant.String]
    samples = []
    request = QgsFeatureRequest().setLimit(_SAMPLE_FEATURES)
    for feature in layer.getFeatures(request):
        samples.append({name: feature[name] for name in names})
    return pick_image_field(names, samples)
