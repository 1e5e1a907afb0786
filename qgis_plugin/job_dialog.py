"""The "Geolocate layer" and "Locatability map" dialog: what to run, on what, and where."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication, QgsFieldProxyModel, QgsMapLayerProxyModel, QgsVectorLayer
from qgis.gui import QgsFieldComboBox, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from .cli import JobOptions
from .controller import JobRequest
from .export import detect_image_field
from .results import can_add_fields
from .settings import PluginSettings

ENGINES = (("LVLM with reasons (GeoReasoner)", "lvlm"), ("CLIP zero-shot (fast)", "clip"))


def default_output_path(layer: QgsVectorLayer | None, suffix: str) -> str:
    """A new GeoPackage in the profile's ``georeasoner`` folder, never an existing file."""
    folder = Path(QgsApplication.qgisSettingsDirPath(), "georeasoner")
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in (layer.name() if layer else "photos"))
    path = folder / f"{stem}_{suffix}.gpkg"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{stem}_{suffix}_{n}.gpkg"
    return str(path)


class JobDialog(QDialog):
    """``command`` is ``geolocate`` (the full dialog) or ``score`` (locatability map)."""

    def __init__(self, command: str = "geolocate", settings: PluginSettings | None = None,
                 layer: QgsVectorLayer | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.command = command
        settings = settings or PluginSettings.load()
        self.setWindowTitle("GeoReasoner – Geolocate layer" if command == "geolocate"
                            else "GeoReasoner – Locatability map")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)

        inputs = QGroupBox("Photos")
        form = QFormLayout(inputs)
        self.layer_combo = QgsMapLayerComboBox()
        self.layer_combo.setFilters(QgsMapLayerProxyModel.PointLayer)
        self.image_field_combo = QgsFieldComboBox()
        self.image_field_combo.setFilters(QgsFieldProxyModel.String)
        self.selected_only = QCheckBox("Selected features only")
        form.addRow("Point layer", self.layer_combo)
        form.addRow("Image field", self.image_field_combo)
        form.addRow("", self.selected_only)
        layout.addWidget(inputs)

        run = QGroupBox("Model")
        form = QFormLayout(run)
        self.backend_edit = QLineEdit(settings.backend)
        self.backend_edit.setPlaceholderText("local, or redis://host:6379/0")
        self.profile_edit = QLineEdit(settings.profile)
        self.profile_edit.setPlaceholderText("profile name or folder (empty: default)")
        self.engine_combo = QComboBox()
        for label, value in ENGINES:
            self.engine_combo.addItem(label, value)
        self.min_loc_check = QCheckBox("Minimum locatability")
        self.min_loc_spin = QDoubleSpinBox()
        self.min_loc_spin.setRange(0.0, 1.0)
        self.min_loc_spin.setSingleStep(0.05)
        self.min_loc_spin.setValue(0.3)
        self.min_loc_spin.setEnabled(False)
        self.min_loc_check.toggled.connect(self.min_loc_spin.setEnabled)
        min_loc_row = QHBoxLayout()
        min_loc_row.addWidget(self.min_loc_check)
        min_loc_row.addWidget(self.min_loc_spin)
        form.addRow("Backend", self.backend_edit)
        form.addRow("Profile", self.profile_edit)
        if command == "geolocate":
            form.addRow("Engine", self.engine_combo)
            form.addRow("", _row_widget(min_loc_row))
        layout.addWidget(run)

        out = QGroupBox("Results")
        form = QFormLayout(out)
        self.to_layer_radio = QRadioButton("New fields on this layer")
        self.new_layer_radio = QRadioButton("A new GeoPackage layer")
        self.new_layer_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.to_layer_radio)
        group.addButton(self.new_layer_radio)
        self.output_widget = QgsFileWidget()
        self.output_widget.setStorageMode(QgsFileWidget.SaveFile)
        self.output_widget.setFilter("GeoPackage (*.gpkg)")
        self.cell_spin = QDoubleSpinBox()
        self.cell_spin.setRange(10.0, 100000.0)
        self.cell_spin.setValue(250.0)
        self.cell_spin.setDecimals(0)
        self.cell_spin.setSuffix(" m")
        if command == "geolocate":
            form.addRow(self.to_layer_radio)
            form.addRow(self.new_layer_radio)
        else:
            form.addRow("Raster cell size", self.cell_spin)
        self.output_widget.setToolTip("Predicted locations and audit lines are saved here too.")
        form.addRow("Result GeoPackage", self.output_widget)
        layout.addWidget(out)

        self.message_label = QLabel()
        self.message_label.setStyleSheet("color: #b00020")
        self.message_label.setWordWrap(True)
        layout.addWidget(self.message_label)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Run")
        buttons.accepted.connect(self._accept_if_valid)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.layer_combo.layerChanged.connect(self._layer_changed)
        if layer is not None:
            self.layer_combo.setLayer(layer)
        self._layer_changed(self.layer_combo.currentLayer())

    def _layer_changed(self, layer) -> None:
        layer = layer if isinstance(layer, QgsVectorLayer) else None
        self.image_field_combo.setLayer(layer)
        field = detect_image_field(layer)
        if field:
            self.image_field_combo.setField(field)
        has_selection = bool(layer and layer.selectedFeatureCount())
        self.selected_only.setEnabled(has_selection)
        self.selected_only.setChecked(has_selection)
        editable = bool(layer and can_add_fields(layer))
        self.to_layer_radio.setEnabled(editable)
        self.to_layer_radio.setChecked(editable)
        self.new_layer_radio.setChecked(not editable)
        suffix = "georeasoner" if self.command == "geolocate" else "locatability"
        self.output_widget.setFilePath(default_output_path(layer, suffix))

    def validation_error(self) -> str | None:
        layer = self.layer_combo.currentLayer()
        if not isinstance(layer, QgsVectorLayer):
            return "Choose a point layer of photos."
        if not self.image_field_combo.currentField():
            return "Choose the field that holds the image paths."
        if self.selected_only.isChecked() and not layer.selectedFeatureCount():
            return "The layer has no selected features."
        if not self.output_widget.filePath().strip():
            return "Choose where the result GeoPackage goes."
        return None

    def _accept_if_valid(self) -> None:
        error = self.validation_error()
        self.message_label.setText(error or "")
        if error is None:
            self.accept()

    def request(self) -> JobRequest:
        """The job the dialog describes (call after ``validation_error()`` is None)."""
        output = self.output_widget.filePath().strip()
        if not output.lower().endswith(".gpkg"):
            output += ".gpkg"
        options = JobOptions(
            backend=self.backend_edit.text().strip() or "local",
            profile=self.profile_edit.text().strip(),
            engine=self.engine_combo.currentData(),
            min_loc=self.min_loc_spin.value() if self.min_loc_check.isChecked() else None,
            image_field=self.image_field_combo.currentField(),
        )
        score = self.command == "score"
        return JobRequest(
            command=self.command, layer=self.layer_combo.currentLayer(),
            image_field=options.image_field, output_path=output, options=options,
            selected_only=self.selected_only.isChecked(),
            write_to_layer=not score and self.to_layer_radio.isChecked(),
            raster_path=str(Path(output).with_suffix(".tif")) if score else None,
            cell_m=self.cell_spin.value() if score else None,
        )


def _row_widget(row_layout) -> QWidget:
    widget = QWidget()
    row_layout.setContentsMargins(0, 0, 0, 0)
    widget.setLayout(row_layout)
    return widget
