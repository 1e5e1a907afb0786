"""Run the ``georeasoner`` CLI as a subprocess and read its JSON-lines events.

Pure Python, no QGIS objects: this runs inside ``QgsTask.run`` and Processing
algorithms, off the main thread.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

#: A cancelled CLI gets SIGTERM, then SIGINT, then SIGKILL; seconds to wait after each signal.
#: SIGINT is the second try because a SIGTERM that lands inside a model call can be swallowed.
STOP_SIGNALS = ((signal.SIGTERM, 5.0), (getattr(signal, "SIGINT", signal.SIGTERM), 25.0))
_POLL_S = 0.2


class CliError(Exception):
    """A job-level failure, worded for the analyst: what happened; what to do."""


@dataclass
class JobOptions:
    """What the analyst chose for one geolocate or score job."""

    backend: str = "local"
    profile: str = ""
    engine: str = "lvlm"
    min_loc: float | None = None
    batch_size: int | None = None
    image_field: str | None = None


@dataclass
class CliOutcome:
    """How a CLI run ended. ``done`` is the ``done`` event, when there was one."""

    returncode: int
    canceled: bool = False
    done: dict | None = None
    error: str | None = None
    stdout_text: list[str] = field(default_factory=list)
    stderr_text: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.canceled and self.error is None

    def failure_message(self) -> str:
        """The most useful one-line reason the run failed."""
        if self.error:
            return self.error
        for line in reversed(self.stderr_text.strip().splitlines()):
            if line.strip():
                return line.strip().removeprefix("georeasoner: error: ")
        return f"georeasoner exited with status {self.returncode}"


def job_arguments(command: str, input_path: str, output_path: str, options: JobOptions,
                  layer_name: str | None = None, raster: str | None = None,
                  cell_m: float | None = None) -> list[str]:
    """Arguments (after the executable) of ``georeasoner geolocate|score ... --json``."""
    args = [command, input_path, "-o", output_path, "--json"]
    if layer_name:
        args += ["--layer", layer_name]
    if options.image_field:
        args += ["--image-field", options.image_field]
    if options.backend and options.backend != "local":
        args += ["--backend", options.backend]
    if options.profile:
        args += ["--profile", options.profile]
    if command == "geolocate" and options.engine:
        args += ["--engine", options.engine]
    if options.min_loc is not None:
        args += ["--min-loc", f"{options.min_loc:g}"]
    if options.batch_size:
        args += ["--batch-size", str(options.batch_size)]
    if raster:
        args += ["--raster", raster]
        if cell_m:
            args += ["--cell", f"{cell_m:g}"]
    return args


def check_executable(executable: str | None) -> str:
    """The executable's path, or a CliError that says how to set it."""
    if not executable:
        raise CliError("The georeasoner executable was not found: install georeasoner "
                       "(pip install georeasoner) or set its path in GeoReasoner Settings.")
    path = Path(executable)
    if not path.is_file() or not os.access(path, os.X_OK):
        raise CliError(f"The georeasoner executable {executable} does not exist or cannot run: "
                       "set its path in GeoReasoner Settings.")
    return str(path)


def check_backend_reachable(backend: str, timeout_s: float = 3.0) -> None:
    """Raise CliError when a ``redis://`` backend does not accept connections.

    The CLI reports this too; checking here gives the same clear message before any
    photo is exported, and without waiting for the CLI to import its libraries.
    """
    if not backend or backend == "local":
        return
    url = urlparse(backend)
    if url.scheme not in ("redis", "rediss"):
        raise CliError(f"Unknown backend {backend!r}: use 'local' or a redis://host:port URL.")
    host, port = url.hostname or "localhost", url.port or 6379
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise CliError(f"Cannot reach the Redis backend at {host}:{port} ({exc.strerror or exc}): "
                       "start Redis and a georeasoner worker, or choose the local backend "
                       "in GeoReasoner Settings.") from exc


def clean_environment() -> dict[str, str]:
    """QGIS's environment minus the variables that would point the CLI's Python at QGIS's."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"):
        env.pop(name, None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_cli(executable: str, args: list[str], on_event: Callable[[dict], None] | None = None,
            is_canceled: Callable[[], bool] = lambda: False,
            stderr_path: str | None = None) -> CliOutcome:
    """Run the CLI to its end or until ``is_canceled()``; stderr goes to ``stderr_path``.

    A reader thread feeds stdout lines through a queue so that cancellation is noticed
    within a fraction of a second even while the CLI prints nothing.
    """
    executable = check_executable(executable)
    stderr_file = (open(stderr_path, "w+", encoding="utf-8") if stderr_path
                   else tempfile.TemporaryFile("w+", encoding="utf-8"))
    try:
        proc = subprocess.Popen([executable, *args], stdout=subprocess.PIPE, stderr=stderr_file,
                                stdin=subprocess.DEVNULL, env=clean_environment(), text=True,
                                encoding="utf-8", errors="replace", bufsize=1)
    except OSError as exc:
        stderr_file.close()
        raise CliError(f"Could not start {executable} ({exc.strerror or exc}): "
                       "check its path in GeoReasoner Settings.") from exc

    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
    reader.start()
    outcome = CliOutcome(returncode=0)
    finished = False
    while not finished:
        if is_canceled() and proc.poll() is None:
            outcome.canceled = True
            _stop(proc)
            break
        try:
            line = lines.get(timeout=_POLL_S)
        except queue.Empty:
            continue
        if line is None:
            finished = True
        else:
            _handle_line(line, outcome, on_event)
    outcome.returncode = proc.wait()
    reader.join(timeout=5)
    while not lines.empty():
        line = lines.get_nowait()
        if line is not None and not outcome.canceled:
            _handle_line(line, outcome, on_event)
    stderr_file.seek(0)
    outcome.stderr_text = stderr_file.read()
    stderr_file.close()
    return outcome


def _handle_line(line: str, outcome: CliOutcome, on_event: Callable[[dict], None] | None) -> None:
    event = _parse_event(line)
    if event is None:
        outcome.stdout_text.append(line.rstrip("\n"))
        return
    if event["event"] == "done":
        outcome.done = event
    elif event["event"] == "error":
        outcome.error = str(event.get("message") or "georeasoner failed")
    if on_event is not None:
        on_event(event)


def _parse_event(line: str) -> dict | None:
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        event = json.loads(text)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


def _pump(stream, lines: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        lines.put(line)
    stream.close()
    lines.put(None)


def _stop(proc: subprocess.Popen) -> None:
    """Ask the CLI to stop cleanly (it removes partial output), killing it as a last resort."""
    for signum, wait_s in STOP_SIGNALS:
        if proc.poll() is not None:
            return
        try:
            proc.send_signal(signum)
        except ValueError:  # a signal this platform cannot send to a process
            continue
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue
    proc.kill()
