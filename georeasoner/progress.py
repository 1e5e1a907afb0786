"""Job progress: a bar on a terminal, or one JSON event per line on stdout (``--json``).

The JSON-lines protocol is what the QGIS plugin reads: ``start``, ``progress``, ``done`` and
``error`` events. Logs never go to stdout.
"""

from __future__ import annotations

import json
import sys
from typing import Any


class Reporter:
    """Reports one job's progress to a person (tqdm on stderr) or to a program (JSON on stdout)."""

    def __init__(self, json_events: bool, description: str = "photos") -> None:
        self.json_events = json_events
        self.description = description
        self.total = 0
        self.done = 0
        self._bar = None

    def emit(self, event: str, **fields: Any) -> None:
        if self.json_events:
            sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
            sys.stdout.flush()

    def start(self, total: int, **fields: Any) -> None:
        self.total = total
        self.emit("start", total=total, **fields)
        if not self.json_events:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="photo", desc=self.description, file=sys.stderr)

    def advance(self, n: int) -> None:
        self.done += n
        self.emit("progress", done=self.done, total=self.total)
        if self._bar is not None:
            self._bar.update(n)

    def finish(self, output: str, summary: dict, **fields: Any) -> None:
        self._close()
        self.emit("done", output=output, summary=summary, **fields)
        if not self.json_events:
            counts = ", ".join(f"{k} {v}" for k, v in summary.items())
            print(f"wrote {output} ({counts})", file=sys.stderr)

    def fail(self, message: str) -> None:
        self._close()
        self.emit("error", message=message)

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
