"""Training reports: a JSON file of settings, losses and metrics, and a loss-curve PNG."""

from __future__ import annotations

import json
from pathlib import Path

REPORT_FILE = "train_report.json"
LOSS_PLOT_FILE = "loss.png"


def _smoothed(values: list[float], window: int) -> list[float]:
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def plot_losses(losses: list[float], path: str | Path, title: str, eval_losses: dict | None = None) -> Path:
    """Training loss per step (raw and smoothed), held-out losses as points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.5), dpi=100)
    steps = list(range(1, len(losses) + 1))
    axes.plot(steps, losses, color="#bbbbbb", linewidth=0.8, label="train loss")
    axes.plot(steps, _smoothed(losses, max(1, len(losses) // 20)), color="#1f77b4", label="smoothed")
    if eval_losses:
        axes.plot([int(s) for s in eval_losses], list(eval_losses.values()), "o", color="#d62728", label="held-out loss")
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return Path(path)


def write_report(out_dir: str | Path, report: dict, losses: list[float], title: str,
                 eval_losses: dict | None = None) -> Path:
    """Write ``train_report.json`` and ``loss.png`` into ``out_dir``; returns the JSON path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plot_losses(losses, out / LOSS_PLOT_FILE, title, eval_losses)
    full = {**report, "losses": [round(loss, 5) for loss in losses], "loss_plot": LOSS_PLOT_FILE}
    path = out / REPORT_FILE
    path.write_text(json.dumps(full, indent=2, default=str), encoding="utf-8")
    return path
