"""Memory of a job as it grows: peak RSS of a 100,000-photo `georeasoner score` against 1,000.

Both jobs run the whole command with the tiny profile and ``--no-cache`` (so every row is
decoded and scored), on CSV layers whose rows all name one small JPEG at spread claimed
locations. The peak resident set size of each command comes from the kernel
(``wait4`` rusage). Target: the big job at most 1.5x the small one; records stream through
the job store and into the GeoPackage in chunks, so memory does not grow with the layer.

    .venv/bin/python bench/bench_memory.py
    .venv/bin/python bench/bench_memory.py --small 1000 --large 100000
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import assets
from results import record_result

TARGET = 1.5


def peak_rss_mib(args: list[str]) -> tuple[float, float]:
    """(peak RSS in MiB, wall seconds) of ``georeasoner ARGS`` run as a child process."""
    start = time.perf_counter()
    child = subprocess.Popen([*assets.GEOREASONER, *args], cwd=assets.REPO,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"georeasoner {' '.join(args)} failed with exit code {child.returncode}")
    return usage.ru_maxrss / 1024, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--no-record", action="store_true", help="print only; leave bench/results.json alone")
    args = parser.parse_args(argv)

    out = assets.OUT / "memory"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    profile = str(assets.tiny_profile())
    figures = {}
    for count in (args.small, args.large):
        job = ["score", str(assets.synthetic_layer(count)), "-o", str(out / f"scores_{count}.gpkg"),
               "--profile", profile, "--device", "cpu", "--batch-size", str(args.batch_size), "--no-cache"]
        figures[count] = (*peak_rss_mib(job), job)
        print(f"{count:>7,} photos: peak RSS {figures[count][0]:7.1f} MiB in {figures[count][1]:6.1f} s")
    small, large = figures[args.small][0], figures[args.large][0]
    print(f"ratio {large / small:.3f} (target <= {TARGET})")
    if not args.no_record:
        record_result(f"peak RSS of a score job, {args.large:,} vs {args.small:,} photos (tiny profile)",
                      round(large, 1), "MiB", round(TARGET * small, 1), higher_is_better=False,
                      baseline=round(small, 1), command=f"python bench/bench_memory.py  # runs: "
                      f"{assets.shown(figures[args.large][2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
