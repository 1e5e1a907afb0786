"""Map styles for the result layers."""

from __future__ import annotations

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsColorRampShader,
    QgsGradientColorRamp,
    QgsGradientStop,
    QgsGraduatedSymbolRenderer,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsRasterBandStats,
    QgsRasterLayer,
    QgsRasterShader,
    QgsRendererCategory,
    QgsRendererRange,
    QgsSingleBandPseudoColorRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor

#: Low -> high: red, yellow, green (few clues -> many; low -> high confidence).
_LOW, _MID, _HIGH = QColor("#d7191c"), QColor("#ffffbf"), QColor("#1a9641")
_FLAG_COLOUR = QColor("#e31a1c")
_UNFLAGGED_COLOUR = QColor("#3b6ea8")


def score_ramp() -> QgsGradientColorRamp:
    ramp = QgsGradientColorRamp(_LOW, _HIGH)
    ramp.setStops([QgsGradientStop(0.5, _MID)])
    return ramp


def graduated_score_renderer(field: str, shape: str = "circle",
                             classes: int = 5) -> QgsGraduatedSymbolRenderer:
    """Equal 0..1 classes of a score field coloured red -> green; NULL is not drawn."""
    ramp = score_ramp()
    ranges = []
    for i in range(classes):
        lower, upper = i / classes, (i + 1) / classes
        symbol = QgsMarkerSymbol.createSimple({
            "name": shape, "size": "3" if shape == "circle" else "4.5",
            "outline_color": "35,35,35", "outline_width": "0.2"})
        symbol.setColor(ramp.color((i + 0.5) / classes))
        ranges.append(QgsRendererRange(lower, upper, symbol, f"{lower:.1f} – {upper:.1f}"))
    renderer = QgsGraduatedSymbolRenderer(field, ranges)
    renderer.setSourceColorRamp(ramp)
    return renderer


def style_photo_layer(layer: QgsVectorLayer) -> None:
    """Graduated locatability (gr_loc) on the photo layer."""
    layer.setRenderer(graduated_score_renderer("gr_loc"))
    layer.triggerRepaint()


def style_predictions(layer: QgsVectorLayer) -> None:
    """Predicted points graduated by confidence (gr_conf), labelled with the city."""
    layer.setRenderer(graduated_score_renderer("gr_conf", shape="star"))
    settings = QgsPalLayerSettings()
    settings.fieldName = "coalesce(\"gr_city\", \"gr_country\")"
    settings.isExpression = True
    text = QgsTextFormat()
    text.setSize(9)
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor("white"))
    text.setBuffer(buffer)
    settings.setFormat(text)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)
    layer.triggerRepaint()


def style_audit(layer: QgsVectorLayer) -> None:
    """Claimed -> predicted lines: flagged (gr_flag = 1) thick red, the rest thin dashed blue."""
    flagged = QgsLineSymbol.createSimple({"width": "0.8"})
    flagged.setColor(_FLAG_COLOUR)
    plain = QgsLineSymbol.createSimple({"width": "0.3", "line_style": "dash"})
    plain.setColor(_UNFLAGGED_COLOUR)
    renderer = QgsCategorizedSymbolRenderer("gr_flag", [
        QgsRendererCategory(1, flagged, "flagged: claimed place implausible"),
        QgsRendererCategory(0, plain, "consistent"),
    ])
    layer.setRenderer(renderer)
    layer.triggerRepaint()


def style_locatability_raster(layer: QgsRasterLayer) -> None:
    """Pseudo-colour red -> green over the band's actual range (0..1 when it is empty)."""
    stats = layer.dataProvider().bandStatistics(1, QgsRasterBandStats.Min | QgsRasterBandStats.Max)
    lo, hi = (stats.minimumValue, stats.maximumValue) if stats.maximumValue > stats.minimumValue \
        else (0.0, 1.0)
    ramp_shader = QgsColorRampShader(lo, hi, score_ramp(), QgsColorRampShader.Interpolated)
    ramp_shader.classifyColorRamp(5, 1)
    shader = QgsRasterShader(lo, hi)
    shader.setRasterShaderFunction(ramp_shader)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(lo)
    renderer.setClassificationMax(hi)
    layer.setRenderer(renderer)
    layer.setOpacity(0.8)
    layer.triggerRepaint()
