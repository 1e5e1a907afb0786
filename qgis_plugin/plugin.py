"""The plugin object QGIS loads: actions, the map tool, the panel and the provider."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from qgis.core import QgsApplication, QgsVectorLayer, QgsWkbTypes
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from .controller import TITLE, JobController
from .inspector import InspectPhotoTool, PhotoInspectorPanel
from .job_dialog import JobDialog
from .provider.provider import GeoReasonerProvider
from .settings import PluginSettings
from .settings_dialog import SettingsDialog

log = logging.getLogger(__name__)
MENU = "&GeoReasoner"
ICON = str(Path(__file__).resolve().parent / "icon.svg")


def reports_errors(method):
    """Turn any exception in a slot into a message-bar error instead of a traceback dialog."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the analyst gets a message, not a traceback
            log.exception("GeoReasoner action failed")
            self.controller.report_error(f"{exc}")
            return None
    return wrapper


class GeoReasonerPlugin:
    def __init__(self, iface) -> None:
        self.iface = iface
        self.controller = JobController(iface)
        self.provider: GeoReasonerProvider | None = None
        self.actions: list[QAction] = []
        self.dialog: JobDialog | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.panel: PhotoInspectorPanel | None = None
        self.inspect_tool: InspectPhotoTool | None = None

    def initProcessing(self) -> None:
        if self.provider is None:
            self.provider = GeoReasonerProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:
        self.initProcessing()
        window = self.iface.mainWindow()
        self.geolocate_action = self._add_action("Geolocate layer…", self.show_geolocate_dialog,
                                                 window, toolbar=True)
        self.score_action = self._add_action("Locatability map…", self.show_score_dialog, window,
                                             toolbar=True)
        self.inspect_action = self._add_action("Inspect photo", self.toggle_inspect_tool, window,
                                               toolbar=True, checkable=True)
        self.settings_action = self._add_action("Settings…", self.show_settings, window)

    def _add_action(self, text: str, slot, parent, toolbar: bool = False,
                    checkable: bool = False) -> QAction:
        action = QAction(QIcon(ICON), text, parent)
        action.setObjectName("georeasoner_" + text.split("…")[0].lower().replace(" ", "_"))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.iface.addPluginToMenu(MENU, action)
        if toolbar:
            self.iface.addToolBarIcon(action)
        self.actions.append(action)
        return action

    def unload(self) -> None:
        for action in self.actions:
            self.iface.removePluginMenu(MENU, action)
            self.iface.removeToolBarIcon(action)
            action.deleteLater()
        self.actions = []
        if self.inspect_tool is not None:
            if self.iface.mapCanvas().mapTool() is self.inspect_tool:
                self.iface.mapCanvas().unsetMapTool(self.inspect_tool)
            self.inspect_tool = None
        if self.panel is not None:
            self.iface.removeDockWidget(self.panel)
            self.panel.deleteLater()
            self.panel = None
        for dialog in (self.dialog, self.settings_dialog):
            if dialog is not None:
                dialog.close()
                dialog.deleteLater()
        self.dialog = self.settings_dialog = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None

    @reports_errors
    def show_geolocate_dialog(self, _checked: bool = False) -> JobDialog:
        return self._show_job_dialog("geolocate")

    @reports_errors
    def show_score_dialog(self, _checked: bool = False) -> JobDialog:
        return self._show_job_dialog("score")

    def _show_job_dialog(self, command: str) -> JobDialog:
        layer = self.iface.activeLayer()
        is_points = isinstance(layer, QgsVectorLayer) and \
            layer.geometryType() == QgsWkbTypes.PointGeometry
        self.dialog = JobDialog(command, PluginSettings.load(), layer if is_points else None,
                                self.iface.mainWindow())
        self.dialog.accepted.connect(self._start_dialog_job)
        self.dialog.show()
        return self.dialog

    @reports_errors
    def _start_dialog_job(self) -> None:
        self.controller.start(self.dialog.request())

    @reports_errors
    def show_settings(self, _checked: bool = False) -> SettingsDialog:
        self.settings_dialog = SettingsDialog(PluginSettings.load(), self.iface.mainWindow())
        self.settings_dialog.show()
        return self.settings_dialog

    @reports_errors
    def toggle_inspect_tool(self, checked: bool) -> None:
        canvas = self.iface.mapCanvas()
        if not checked:
            if canvas.mapTool() is self.inspect_tool:
                canvas.unsetMapTool(self.inspect_tool)
            return
        if self.panel is None:
            self.panel = PhotoInspectorPanel(self.iface.mainWindow())
            self.iface.addDockWidget(Qt.RightDockWidgetArea, self.panel)
        if self.inspect_tool is None:
            self.inspect_tool = InspectPhotoTool(canvas, self.panel)
            self.inspect_tool.setAction(self.inspect_action)
        canvas.setMapTool(self.inspect_tool)
        self.iface.messageBar().pushInfo(TITLE, "Click a photo to see its prediction and reasons.")
