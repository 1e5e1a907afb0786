"""The Redis backend against the local one, with the tiny models and a real redis-server.

Three figures, each printed and recorded in bench/results.json:
- throughput through 1 worker over Redis, against the local backend (target >= 0.8x);
- throughput with 2 workers, against 1 worker (target >= 1.6x on a 2-core machine);
- the client's peak memory for a 100,000-item job, against a 1,000-item job (target <= 1.5x).

Throughput is photos per second between the first and the last progress event, so model
loading (in the client for local, in the worker on its first batch) is left out. Every
process runs torch on one thread (OMP_NUM_THREADS=1), as one worker per core or GPU would.
The memory jobs use photos outside the worker's allowed roots: the workers answer at once,
so the figure is the client's own cost of streaming, sending and gathering.

    .venv/bin/python bench/bench_celery.py                  # 2,000 photos
    .venv/bin/python bench/bench_celery.py --images 400 --command score
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record_result  # noqa: E402

CLI = [sys.executable, "-m", "georeasoner.cli"]
ENV = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
PEAK_RSS = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
            "stderr=subprocess.DEVNULL, check=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_layer(folder: Path, count: int, photos: int) -> Path:
    """A CSV of ``count`` rows cycling over ``photos`` distinct JPEG files."""
    import numpy as np
    from PIL import Image

    (folder / "photos").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(min(count, photos)):
        Image.fromarray(rng.integers(0, 255, (64, 96, 3), dtype=np.uint8)).save(folder / "photos" / f"p{i}.jpg")
    path = folder / f"layer{count}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image", "lat", "lon"])
        for i in range(count):
            writer.writerow([f"photos/p{i % photos}.jpg", 40 + (i % 100) * 0.01, -3 + (i % 70) * 0.01])
    return path


def throughput(cmd: list[str]) -> float:
    """Photos per second between the first and the last progress event of a job."""
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV)
    marks = []
    for line in process.stdout:
        event = json.loads(line)
        if event["event"] == "progress":
            marks.append((time.monotonic(), event["done"]))
        elif event["event"] == "error":
            raise RuntimeError(event["message"])
    process.wait()
    (t0, d0), (t1, d1) = marks[0], marks[-1]
    return (d1 - d0) / (t1 - t0)


def peak_rss_mib(cmd: list[str]) -> float:
    out = subprocess.run([sys.executable, "-c", PEAK_RSS, *cmd], capture_output=True, text=True, env=ENV, check=True)
    return int(out.stdout.strip()) / 1024


class Cluster:
    """A redis-server and ``georeasoner worker`` processes, stopped on exit."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.root = root
        self.processes = [subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                            "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)]
        time.sleep(0.5)

    def worker(self, *args: str) -> None:
        cmd = [*CLI, "worker", "--broker", self.url, "--name", f"bench{len(self.processes)}@local", *args]
        self.processes.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                               env=ENV, start_new_session=True))

    def stop_workers(self) -> None:
        for process in self.processes[1:]:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
        del self.processes[1:]

    def close(self) -> None:
        self.stop_workers()
        self.processes[0].terminate()
        self.processes[0].wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--command", choices=("geolocate", "score"), default="geolocate")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--profile", help="tiny model profile directory (built when not given)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-celery-") as tmp:
        tmp = Path(tmp)
        profile = args.profile or str(tmp / "tiny")
        if not args.profile:
            subprocess.run([*CLI, "models", "make-tiny", profile], check=True, capture_output=True)
        layer = write_layer(tmp / "data", args.images, photos=200)
        warm_up = write_layer(tmp / "data", 8, photos=200)
        cluster = Cluster(tmp)
        try:
            def job(out: str, *extra: str, source: Path = layer) -> list[str]:
                return [*CLI, args.command, str(source), "-o", str(tmp / out), "--profile", profile, "--json",
                        "--no-cache", "--batch-size", str(args.batch_size), *extra]

            local = throughput(job("local.gpkg"))
            cluster.worker("--allowed-root", str(tmp / "data"))
            # Warm-up jobs load the models of each new worker.
            throughput(job("warm.gpkg", "--backend", cluster.url, "--batch-size", "1", source=warm_up))
            one = throughput(job("one.gpkg", "--backend", cluster.url))
            cluster.worker("--allowed-root", str(tmp / "data"))
            throughput(job("warm2.gpkg", "--backend", cluster.url, "--batch-size", "1", source=warm_up))
            two = throughput(job("two.gpkg", "--backend", cluster.url))

            cluster.stop_workers()
            elsewhere = tmp / "elsewhere"
            elsewhere.mkdir()
            cluster.worker("--allowed-root", str(elsewhere))
            memory = {}
            for count in (1_000, 100_000):
                big = write_layer(tmp / f"mem{count}", count, photos=1)
                memory[count] = peak_rss_mib([*CLI, "score", str(big), "-o", str(tmp / f"mem{count}.gpkg"),
                                              "--profile", profile, "--batch-size", "64", "--backend", cluster.url])
        finally:
            cluster.close()

    print(f"{args.command}, {args.images} photos, batch size {args.batch_size}, tiny models, "
          "1 torch thread per process")
    print(f"local backend:          {local:8.2f} photos/s")
    print(f"redis, 1 worker:        {one:8.2f} photos/s   {one / local:5.2f}x local   (target >= 0.8x)")
    print(f"redis, 2 workers:       {two:8.2f} photos/s   {two / one:5.2f}x 1 worker (target >= 1.6x)")
    print(f"client peak RSS, 1,000 items:   {memory[1_000]:7.1f} MiB")
    print(f"client peak RSS, 100,000 items: {memory[100_000]:7.1f} MiB   "
          f"{memory[100_000] / memory[1_000]:5.2f}x (target <= 1.5x)")
    record_result("celery: 1 worker over Redis vs local (photos/s)", one, "photos/s", 0.8 * local, baseline=local)
    record_result("celery: 2 workers vs 1 worker (photos/s)", two, "photos/s", 1.6 * one, baseline=one)
    record_result("celery: client peak RSS 100k vs 1k items (MiB)", memory[100_000], "MiB", 1.5 * memory[1_000],
                  higher_is_better=False, baseline=memory[1_000])
    return 0


if __name__ == "__main__":
    if not shutil.which("redis-server"):
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    sys.exit(main())
