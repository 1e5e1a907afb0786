"""GeoReasoner for QGIS: geolocate layers of street-level photos with reasons.

The plugin runs the ``georeasoner`` command-line tool as a subprocess; it never
imports ``georeasoner`` or torch into QGIS's Python.
"""


def classFactory(iface):  # noqa: N802 - the name QGIS looks for
    from .plugin import GeoReasonerPlugin

    return GeoReasonerPlugin(iface)
