"""A QgsTask that owns one run of the georeasoner CLI.

``run`` happens on a worker thread and touches no QGIS object except the task's own
progress; ``finished`` happens on the main thread and hands the outcome to a callback.
"""

from __future__ import annotations

import logging
from typing import Callable

from qgis.core import QgsTask

from .cli import CliError, CliOutcome, check_backend_reachable, run_cli

log = logging.getLogger(__name__)


class CliTask(QgsTask):
    """Runs ``executable args``; JSON-lines progress events drive the task's progress."""

    def __init__(self, description: str, executable: str | None, args: list[str],
                 on_finished: Callable[["CliTask"], None], backend: str = "local",
                 stderr_path: str | None = None) -> None:
        super().__init__(description, QgsTask.CanCancel)
        self.executable = executable
        self.args = args
        self.backend = backend
        self.stderr_path = stderr_path
        self.on_finished = on_finished
        self.outcome: CliOutcome | None = None
        self.failure: str | None = None
        self.total: int | None = None

    def run(self) -> bool:
        try:
            check_backend_reachable(self.backend)
            self.outcome = run_cli(self.executable, self.args, on_event=self._on_event,
                                   is_canceled=self.isCanceled, stderr_path=self.stderr_path)
        except CliError as exc:
            self.failure = str(exc)
            return False
        except Exception as exc:  # noqa: BLE001 - a task must never raise into QGIS
            log.exception("georeasoner task failed")
            self.failure = f"Unexpected error while running georeasoner: {exc}"
            return False
        if self.outcome.canceled:
            return False
        if not self.outcome.ok:
            self.failure = self.outcome.failure_message()
            return False
        return True

    def _on_event(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "start":
            self.total = event.get("total")
        elif kind == "progress" and event.get("total"):
            self.setProgress(100.0 * float(event.get("done", 0)) / float(event["total"]))
        elif kind == "done":
            self.setProgress(100.0)

    def was_canceled(self) -> bool:
        """Cancel was pressed (before or during the run): its results must not be applied."""
        return self.isCanceled()

    def finished(self, result: bool) -> None:
        self.on_finished(self)
