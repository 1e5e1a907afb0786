"""The "GeoReasoner" Processing provider (toolbox, model builder, qgis_process)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms import ALGORITHMS

ICON_PATH = str(Path(__file__).resolve().parent.parent / "icon.svg")


class GeoReasonerProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "georeasoner"

    def name(self) -> str:
        return "GeoReasoner"

    def icon(self) -> QIcon:
        return QIcon(ICON_PATH)

    def svgIconPath(self) -> str:
        return ICON_PATH

    def loadAlgorithms(self) -> None:
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
