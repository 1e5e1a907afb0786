"""The plugin loads through classFactory, adds its actions and provider, and unloads cleanly."""

from qgis.core import QgsApplication
from qgis_helpers import CLI

import qgis_plugin
from qgis_plugin.settings import PluginSettings, detect_executable

ACTION_TEXTS = {"Geolocate layer…", "Locatability map…", "Inspect photo", "Settings…"}


def _menu_texts(iface) -> set[str]:
    return {a.text() for menu in iface.menus.values() for a in menu.actions()}


def test_class_factory_adds_actions_to_menu_and_toolbar(iface):
    plugin = qgis_plugin.classFactory(iface)
    plugin.initGui()
    try:
        assert _menu_texts(iface) == ACTION_TEXTS
        toolbar = {a.text() for a in iface.toolbar.actions()}
        assert {"Geolocate layer…", "Locatability map…", "Inspect photo"} <= toolbar
    finally:
        plugin.unload()


def test_init_gui_registers_the_georeasoner_processing_provider(iface):
    plugin = qgis_plugin.classFactory(iface)
    plugin.initGui()
    try:
        provider = QgsApplication.processingRegistry().providerById("georeasoner")
        assert provider is not None and provider.name() == "GeoReasoner"
        assert {a.name() for a in provider.algorithms()} == {
            "geolocate", "score", "importphotos", "audit"}
    finally:
        plugin.unload()


def test_unload_removes_actions_provider_map_tool_and_panel(iface):
    plugin = qgis_plugin.classFactory(iface)
    plugin.initGui()
    plugin.inspect_action.trigger()
    assert iface.canvas.mapTool() is plugin.inspect_tool
    assert plugin.panel in iface.docks

    plugin.unload()

    assert iface.menus == {}
    assert not any(a.text() in ACTION_TEXTS for a in iface.toolbar.actions())
    assert QgsApplication.processingRegistry().providerById("georeasoner") is None
    assert iface.canvas.mapTool() is None
    assert iface.docks == []


def test_plugin_can_load_again_after_unload(iface):
    for _ in range(2):
        plugin = qgis_plugin.classFactory(iface)
        plugin.initGui()
        assert _menu_texts(iface) == ACTION_TEXTS
        plugin.unload()
    assert iface.menus == {}


def test_the_cli_is_found_in_the_repository_venv_when_the_plugin_runs_from_a_checkout(qgis_app):
    assert detect_executable() == str(CLI)
    assert PluginSettings().resolved_executable() == str(CLI)
    assert PluginSettings(executable="/opt/gr/georeasoner").resolved_executable() == \
        "/opt/gr/georeasoner"
