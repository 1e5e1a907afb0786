"""Read the CLI's result GeoPackage and put the results on the map (main thread only)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from qgis.core import (
    QgsField,
    QgsLayerTreeGroup,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

from . import styles
from .fields import RESULT_FIELDS

PHOTOS, PREDICTIONS, AUDIT = "photos", "predictions", "audit"
_QVARIANT_TYPES = {int: QVariant.Int, float: QVariant.Double, str: QVariant.String}


class ResultsError(Exception):
    """The result GeoPackage is missing or unreadable, or the layer refused the changes."""


@dataclass
class Summary:
    ok: int = 0
    low_loc: int = 0
    error: int = 0
    flagged: int = 0
    errors: list[str] = field(default_factory=list)

    def text(self) -> str:
        return (f"{self.ok} ok, {self.low_loc} low locatability, {self.error} errors, "
                f"{self.flagged} flagged")


def open_result_layer(gpkg: str, layer_name: str, display_name: str | None = None) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"{gpkg}|layername={layer_name}", display_name or layer_name, "ogr")
    if not layer.isValid():
        raise ResultsError(f"The result file {gpkg} has no readable '{layer_name}' layer.")
    return layer


def read_records(gpkg: str) -> dict[int, dict]:
    """gr_item -> {result field: value (None for NULL)} from the ``photos`` layer."""
    layer = open_result_layer(gpkg, PHOTOS)
    names = [n for n in RESULT_FIELDS if layer.fields().indexOf(n) >= 0]
    records: dict[int, dict] = {}
    for feature in layer.getFeatures():
        record = {name: python_value(feature[name]) for name in names}
        if record.get("gr_item") is not None:
            records[int(record["gr_item"])] = record
    return records


def python_value(value):
    if isinstance(value, QVariant):
        return None if value.isNull() else value.value()
    return value


def summarize(records: dict[int, dict], row_to_fid: list[int] | None = None) -> Summary:
    """Counts by status and flag, plus one log line per error."""
    statuses = Counter(r.get("gr_status") for r in records.values())
    summary = Summary(ok=statuses.get("ok", 0), low_loc=statuses.get("low_loc", 0),
                      error=statuses.get("error", 0),
                      flagged=sum(1 for r in records.values() if r.get("gr_flag") == 1))
    for item, record in sorted(records.items()):
        if record.get("gr_status") == "error":
            where = f"row {item}"
            if row_to_fid is not None and 0 <= item < len(row_to_fid):
                where += f" (feature id {row_to_fid[item]})"
            summary.errors.append(f"{where}: {record.get('gr_error') or 'unknown error'}")
    return summary


def can_add_fields(layer: QgsVectorLayer) -> bool:
    """Whether results can be written as new fields of ``layer`` itself."""
    caps = layer.dataProvider().capabilities()
    needed = layer.dataProvider().AddAttributes | layer.dataProvider().ChangeAttributeValues
    return not layer.readOnly() and (caps & needed) == needed


def write_fields(layer: QgsVectorLayer, records: dict[int, dict], row_to_fid: list[int]) -> int:
    """Add the result fields to ``layer`` and set them on the features that were processed.

    Uses the layer's edit buffer: an edit session the analyst already has stays open
    (so the changes can be undone); otherwise the changes are committed here.
    """
    was_editing = layer.isEditable()
    if not was_editing and not layer.startEditing():
        raise ResultsError(f"Layer {layer.name()} cannot be edited; write the results to a new "
                           "GeoPackage layer instead.")
    try:
        for name, kind in RESULT_FIELDS.items():
            if layer.fields().indexOf(name) < 0 and not layer.addAttribute(
                    QgsField(name, _QVARIANT_TYPES[kind])):
                raise ResultsError(f"Layer {layer.name()} refused the new field {name}.")
        index = {name: layer.fields().indexOf(name) for name in RESULT_FIELDS}
        written = 0
        for item, record in records.items():
            if not 0 <= item < len(row_to_fid):
                continue
            values = {index[name]: record.get(name) for name in RESULT_FIELDS}
            if layer.changeAttributeValues(row_to_fid[item], values):
                written += 1
        if not was_editing and not layer.commitChanges():
            errors = "; ".join(layer.commitErrors())
            raise ResultsError(f"Layer {layer.name()} could not save the results: {errors}")
    except Exception:
        if not was_editing:
            layer.rollBack()
        raise
    layer.triggerRepaint()
    return written


def results_group(title: str) -> QgsLayerTreeGroup:
    root = QgsProject.instance().layerTreeRoot()
    return root.findGroup(title) or root.insertGroup(0, title)


def add_to_group(layer, group: QgsLayerTreeGroup) -> None:
    QgsProject.instance().addMapLayer(layer, False)
    group.addLayer(layer)


def load_result_layers(gpkg: str, source_name: str, with_photos: bool) -> dict[str, QgsVectorLayer]:
    """Add the predicted points, the audit lines and (optionally) the photos, styled."""
    group = results_group(f"GeoReasoner: {source_name}")
    loaded: dict[str, QgsVectorLayer] = {}
    if with_photos:
        photos = open_result_layer(gpkg, PHOTOS, f"{source_name} (GeoReasoner)")
        styles.style_photo_layer(photos)
        loaded[PHOTOS] = photos
    predictions = open_result_layer(gpkg, PREDICTIONS, f"Predicted locations – {source_name}")
    styles.style_predictions(predictions)
    loaded[PREDICTIONS] = predictions
    audit = open_result_layer(gpkg, AUDIT, f"Audit – {source_name}")
    styles.style_audit(audit)
    loaded[AUDIT] = audit
    for key in (PREDICTIONS, AUDIT, PHOTOS):
        if key in loaded:
            add_to_group(loaded[key], group)
    return loaded


def load_locatability_raster(path: str, source_name: str) -> QgsRasterLayer:
    raster = QgsRasterLayer(path, f"Locatability map – {source_name}", "gdal")
    if not raster.isValid():
        raise ResultsError(f"The locatability raster {path} cannot be read.")
    styles.style_locatability_raster(raster)
    add_to_group(raster, results_group(f"GeoReasoner: {source_name}"))
    return raster
