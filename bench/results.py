"""Record benchmark figures in bench/results.json, one row per (name, machine).

Each row: ``name``, ``value``, ``unit``, ``baseline`` (the figure measured beside it in the same
run, or null), ``ratio`` (value / baseline, or null), ``target`` (a string such as ``">=0.85"``
or ``"<=1.5"`` that ``ratio`` must meet, or ``value`` where the row has no baseline),
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


def target_text(target: float, baseline: float | None, higher_is_better: bool) -> str:
    """The target as the issue writes it, on the ratio's footing when there is a baseline."""
    bound = target / baseline if baseline else target
    text = f"{bound:.0f}" if bound >= 1000 else f"{bound:.3g}"
    return f"{'>=' if higher_is_better else '<='}{text}"


def target_met(row: dict) -> bool:
    """Whether a row's ``ratio`` (or ``value`` without a baseline) meets its ``target``."""
    measured = row["ratio"] if row.get("baseline") is not None else row["value"]
    op, bound = row["target"][:2], float(row["target"][2:])
    return measured >= bound if op == ">=" else measured <= bound


def record_result(name: str, value: float, unit: str, target: float, *, higher_is_better: bool = True,
                  baseline: float | None = None, command: str | None = None,
                  path: Path = RESULTS_PATH) -> dict:
    """Add or replace the row for ``name`` on this machine, and return it.

    ``target`` is in the value's unit (e.g. 0.85 x the baseline); it is stored as a ratio target.
    """
    row = {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "ratio": round(value / baseline, 3) if baseline else None,
        "target": target_text(target, baseline, higher_is_better),
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
