"""Run every benchmark, then print one table of bench/results.json: figures, ratios, targets.

Each benchmark records its rows itself (see bench/results.py); a benchmark that fails is
reported and the others still run. The table shows, for every row, the measured figure,
its baseline, the ratio of the two where the row has a baseline, the target on that same
footing, whether the target is met, and the machine and command that gave it.

    .venv/bin/python bench/run_all.py                 # all, then the table (what `make bench` runs)
    .venv/bin/python bench/run_all.py --table         # only print the table of recorded rows
    .venv/bin/python bench/run_all.py --only reasoning memory
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from results import RESULTS_PATH, machine_description, target_met

#: Name -> script and arguments, in the order they run (cheapest first).
BENCHMARKS = {
    "gazetteer": ["bench_gazetteer.py"],
    "reasoning": ["bench_reasoning.py"],
    "memory": ["bench_memory.py"],
    "score-command": ["bench_score_command.py"],
    "celery": ["bench_celery.py", "--images", "2000"],
}


def run(names: list[str]) -> list[str]:
    """Run the named benchmarks; returns the names of those that failed."""
    failed = []
    for name in names:
        script = BENCH / BENCHMARKS[name][0]
        if not script.is_file():
            print(f"== {name}: {script.name} is missing, skipped", flush=True)
            continue
        print(f"== {name}: python bench/{' '.join(BENCHMARKS[name])}", flush=True)
        if subprocess.run([sys.executable, str(script.relative_to(BENCH.parent)), *BENCHMARKS[name][1:]],
                          check=False, cwd=BENCH.parent).returncode:
            failed.append(name)
    return failed


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def table(rows: list[dict]) -> str:
    """The rows as one Markdown table."""
    lines = ["| benchmark | figure | baseline | ratio | target | met | machine | command |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        unit = row["unit"]
        baseline = "" if row.get("baseline") is None else f"{_number(row['baseline'])} {unit}"
        ratio = "" if row.get("ratio") is None else _number(row["ratio"])
        lines.append(f"| {row['name']} | {_number(row['value'])} {unit} | {baseline} | {ratio} | {row['target']} | "
                     f"{'yes' if target_met(row) else '**no**'} | {row['machine']} | `{row['command']}` |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these benchmarks")
    parser.add_argument("--table", action="store_true", help="run nothing; print the table of recorded rows")
    parser.add_argument("--all-machines", action="store_true", help="show rows of every machine, not only this one")
    args = parser.parse_args(argv)

    failed = [] if args.table else run(args.only or list(BENCHMARKS))
    rows = json.loads(RESULTS_PATH.read_text(encoding="utf-8")) if RESULTS_PATH.exists() else []
    if not args.all_machines:
        rows = [row for row in rows if row["machine"] == machine_description()]
    print(table(rows))
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
