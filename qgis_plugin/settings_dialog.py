"""Settings: the CLI's path, the default backend and profile, and a Test button (doctor)."""

from __future__ import annotations

from qgis.core import QgsApplication
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtGui import QFont
from qgis.PyQt.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .cli import CliError, check_executable
from .settings import PluginSettings, detect_executable
from .task import CliTask


class SettingsDialog(QDialog):
    def __init__(self, settings: PluginSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("GeoReasoner – Settings")
        self.setMinimumWidth(560)
        settings = settings or PluginSettings.load()
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.executable_widget = QgsFileWidget()
        self.executable_widget.setStorageMode(QgsFileWidget.GetFile)
        self.executable_widget.setFilePath(settings.executable)
        self.executable_widget.lineEdit().setPlaceholderText(
            f"auto: {detect_executable() or 'not found on PATH'}")
        self.backend_edit = QLineEdit(settings.backend)
        self.backend_edit.setPlaceholderText("local, or redis://host:6379/0")
        self.profile_edit = QLineEdit(settings.profile)
        self.profile_edit.setPlaceholderText("profile name or folder (empty: default)")
        form.addRow("georeasoner executable", self.executable_widget)
        form.addRow("Default backend", self.backend_edit)
        form.addRow("Default model profile", self.profile_edit)
        layout.addLayout(form)

        self.test_button = QPushButton("Test (georeasoner doctor)")
        self.test_button.clicked.connect(self.run_doctor)
        layout.addWidget(self.test_button)
        self.answer = QPlainTextEdit()
        self.answer.setReadOnly(True)
        self.answer.setFont(QFont("monospace"))
        self.answer.setPlaceholderText("Press Test to check the executable, models and backend.")
        layout.addWidget(self.answer)

        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.doctor_task: CliTask | None = None

    def settings(self) -> PluginSettings:
        return PluginSettings(executable=self.executable_widget.filePath().strip(),
                              backend=self.backend_edit.text().strip() or "local",
                              profile=self.profile_edit.text().strip())

    def _save(self) -> None:
        self.settings().save()
        self.accept()

    def run_doctor(self) -> CliTask | None:
        """Run ``georeasoner doctor`` in a task; its answer lands in the text box."""
        settings = self.settings()
        try:
            executable = check_executable(settings.resolved_executable())
        except CliError as exc:
            self.answer.setPlainText(f"✘ {exc}")
            return None
        args = ["doctor"]
        if settings.backend != "local":
            args += ["--backend", settings.backend]
        if settings.profile:
            args += ["--profile", settings.profile]
        self.answer.setPlainText(f"Running {executable} {' '.join(args)} …")
        self.test_button.setEnabled(False)
        # backend="local": doctor itself checks the backend and says what is wrong.
        self.doctor_task = CliTask("GeoReasoner doctor", executable, args, self._doctor_finished)
        QgsApplication.taskManager().addTask(self.doctor_task)
        return self.doctor_task

    def _doctor_finished(self, task: CliTask) -> None:
        self.test_button.setEnabled(True)
        outcome = task.outcome
        if outcome is None:
            self.answer.setPlainText(f"✘ {task.failure}")
            return
        text = "\n".join(outcome.stdout_text + [outcome.stderr_text.strip()]).strip()
        verdict = "✔ georeasoner is ready." if outcome.returncode == 0 else \
            f"✘ georeasoner doctor found a problem (exit {outcome.returncode})."
        self.answer.setPlainText(f"{verdict}\n\n{text}")
