"""The plugin's settings (QgsSettings under ``georeasoner/``) and finding the CLI."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from qgis.core import QgsSettings

_PREFIX = "georeasoner/"
_EXE_NAMES = ("georeasoner", "georeasoner.exe")


@dataclass
class PluginSettings:
    """What Settings stores; an empty ``executable`` means auto-detect."""

    executable: str = ""
    backend: str = "local"
    profile: str = ""

    @classmethod
    def load(cls) -> "PluginSettings":
        s = QgsSettings()
        return cls(executable=str(s.value(_PREFIX + "executable", "") or ""),
                   backend=str(s.value(_PREFIX + "backend", "local") or "local"),
                   profile=str(s.value(_PREFIX + "profile", "") or ""))

    def save(self) -> None:
        s = QgsSettings()
        s.setValue(_PREFIX + "executable", self.executable)
        s.setValue(_PREFIX + "backend", self.backend or "local")
        s.setValue(_PREFIX + "profile", self.profile)

    def resolved_executable(self) -> str | None:
        """The configured executable, else auto-detected; None when there is none."""
        if self.executable:
            return self.executable
        return detect_executable()


def detect_executable() -> str | None:
    """The repository's ``.venv`` CLI when the plugin runs from a checkout, then PATH."""
    repo = Path(__file__).resolve().parent.parent
    for venv_bin in (repo / ".venv" / "bin", repo / ".venv" / "Scripts"):
        for name in _EXE_NAMES:
            candidate = venv_bin / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return shutil.which("georeasoner")
