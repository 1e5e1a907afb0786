"""Inspecting one photo: a map tool that picks a result feature, and the panel that shows it."""

from __future__ import annotations

import html

from qgis.core import QgsFeature, QgsMapLayer, QgsProject, QgsVectorLayer
from qgis.gui import QgsMapToolIdentify
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QPixmap
from qgis.PyQt.QtWidgets import QDockWidget, QLabel, QScrollArea, QVBoxLayout, QWidget

from .export import absolute_image_path, detect_image_field, image_base_dir
from .results import python_value

IMAGE_WIDTH = 360


def is_result_layer(layer: QgsMapLayer) -> bool:
    return isinstance(layer, QgsVectorLayer) and layer.fields().indexOf("gr_status") >= 0


class PhotoInspectorPanel(QDockWidget):
    """The photo, its prediction, confidence, locatability and the model's reasons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("GeoReasoner – Photo", parent)
        self.setObjectName("GeoReasonerPhotoInspector")
        body = QWidget()
        layout = QVBoxLayout(body)
        self.image_label = QLabel("Click a photo with the Inspect tool.")
        self.image_label.setAlignment(Qt.AlignCenter)
        self.image_label.setMinimumHeight(120)
        self.details_label = QLabel()
        self.details_label.setWordWrap(True)
        self.details_label.setTextFormat(Qt.RichText)
        self.details_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.details_label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        layout.addWidget(self.image_label)
        layout.addWidget(self.details_label, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self.setMinimumWidth(IMAGE_WIDTH + 40)

    def show_feature(self, layer: QgsVectorLayer, feature: QgsFeature) -> None:
        values = {f.name(): python_value(feature[f.name()]) for f in layer.fields()}
        image_field = detect_image_field(layer)
        path = absolute_image_path(values.get(image_field), image_base_dir(layer)) \
            if image_field else None
        pixmap = QPixmap(path) if isinstance(path, str) else QPixmap()
        if pixmap.isNull():
            self.image_label.setPixmap(QPixmap())
            self.image_label.setText(f"(no image: {html.escape(str(path))})")
        else:
            self.image_label.setPixmap(pixmap.scaledToWidth(IMAGE_WIDTH, Qt.SmoothTransformation))
        self.details_label.setText(details_html(values))
        self.show()
        self.raise_()


def details_html(values: dict) -> str:
    """The result fields of one photo as short HTML."""
    def fmt(value, pattern="{}"):
        return "–" if value is None or value == "" else html.escape(pattern.format(value))

    status = values.get("gr_status")
    place = ", ".join(str(v) for v in (values.get("gr_city"), values.get("gr_country")) if v)
    if values.get("gr_cc"):
        place += f" ({values['gr_cc']})"
    place = html.escape(place)
    rows = [
        ("Status", fmt(status)),
        ("Prediction", place or "–"),
        ("Coordinates", "–" if values.get("gr_lat") is None else
         f"{values['gr_lat']:.4f}, {values['gr_lon']:.4f}"),
        ("Confidence", fmt(values.get("gr_conf"), "{:.1%}")),
        ("Country confidence", fmt(values.get("gr_cc_conf"), "{:.1%}")),
        ("Locatability", fmt(values.get("gr_loc"), "{:.2f}")),
        ("Distance from claimed", fmt(values.get("gr_err_km"), "{:.1f} km")),
        ("Audit", "<b style='color:#e31a1c'>flagged</b>" if values.get("gr_flag") == 1 else "–"),
        ("Model", fmt(values.get("gr_model"))),
    ]
    if status == "error":
        rows.insert(1, ("Error", fmt(values.get("gr_error"))))
    table = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
    reasons = html.escape(str(values.get("gr_reason") or "–"))
    return f"<table cellspacing='4'>{table}</table><p><b>Reasons</b><br>{reasons}</p>"


class InspectPhotoTool(QgsMapToolIdentify):
    """Click a photo (any layer with GeoReasoner results) to show it in the panel."""

    feature_picked = pyqtSignal(QgsVectorLayer, QgsFeature)

    def __init__(self, canvas, panel: PhotoInspectorPanel) -> None:
        super().__init__(canvas)
        self.panel = panel
        self.feature_picked.connect(panel.show_feature)

    def canvasReleaseEvent(self, event) -> None:
        layers = [layer for layer in self.canvas().layers() if is_result_layer(layer)]
        if not layers:
            layers = [layer for layer in QgsProject.instance().mapLayers().values()
                      if is_result_layer(layer)]
        hits = self.identify(event.x(), event.y(), layers, QgsMapToolIdentify.TopDownStopAtFirst)
        if hits:
            self.feature_picked.emit(hits[0].mLayer, hits[0].mFeature)
