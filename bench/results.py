"""Record benchmark figures in bench/results.json, one row per (name, machine).

Each row: ``name``, ``value``, ``unit``, ``baseline`` (a reference figure, or null), ``ratio``
(value against target, oriented so that >= 1 means the target is met), ``target``,
``machine`` and ``command``. Re-running a benchmark on the same machine replaces its row.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
import tempfile
from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"


def machine_description() -> str:
    """CPU model, logical CPU count and Python version, e.g. for comparing runs."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def ratio_to_target(value: float, target: float, higher_is_better: bool = True) -> float:
    """>= 1 when the target is met, whichever way the figure improves."""
    return value / target if higher_is_better else target / value


def record_result(name: str, value: float, unit: str, target: float, *, higher_is_better: bool = True,
                  baseline: float | None = None, command: str | None = None,
                  path: Path = RESULTS_PATH) -> dict:
    """Add or replace the row for ``name`` on this machine, and return it."""
    row = {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "ratio": round(ratio_to_target(value, target, higher_is_better), 3),
        "target": target,
        "machine": machine_description(),
        "command": command or shlex.join(["python", *sys.argv]),
    }
    rows = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    rows = [r for r in rows if (r["name"], r["machine"]) != (name, row["machine"])] + [row]
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)
    return row
