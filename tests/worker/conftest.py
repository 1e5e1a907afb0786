"""A real ``redis-server`` on a free loopback port and real ``georeasoner worker`` processes."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.conftest import write_street_photo

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
GEOREASONER = [sys.executable, "-m", "georeasoner.cli"]
#: Short limits, so that Redis hands the batch of a killed worker to another within seconds.
FAST_REDELIVERY = ["--time-limit", "20", "--visibility-timeout", "24"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen
    password: str | None = None
    next_db: int = 0

    def url(self, db: int) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/{db}"

    def fresh_url(self) -> str:
        """The URL of a database no other test used."""
        self.next_db += 1
        return self.url(self.next_db)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def start_redis(tmp: Path, password: str | None = None) -> RedisServer:
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    cmd = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
           "--databases", "64", "--dir", str(tmp)]
    if password:
        cmd += ["--requirepass", password]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, password=password)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
    return RedisServer(port, process, password)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def own_redis(tmp_path) -> Iterator[Callable[..., RedisServer]]:
    """Starts a redis-server for one test (one the test may stop, or one with a password)."""
    servers: list[RedisServer] = []

    def start(password: str | None = None) -> RedisServer:
        servers.append(start_redis(tmp_path, password))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path
    queue: str = "georeasoner"

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def deliveries(self, job: str | None = None) -> list[tuple[int, int, int]]:
        """(batch, delivery, pid) of every batch this worker started."""
        found = re.findall(r"batch (\d+) of job (\w+): delivery (\d+) in process (\d+)", self.text())
        return [(int(b), int(d), int(p)) for b, j, d, p in found if job is None or j == job]

    def kill(self) -> None:
        """kill -9 of the whole worker, pool children included."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@pytest.fixture
def start_worker(tmp_path) -> Iterator[Callable[..., Worker]]:
    """Starts ``georeasoner worker`` subprocesses; waits until each one's heartbeat is in Redis."""
    workers: list[Worker] = []

    def start(broker: str, *args: str, queue: str = "georeasoner") -> Worker:
        name = f"w{len(workers)}-{os.getpid()}@test"
        log = tmp_path / f"worker{len(workers)}.log"
        cmd = [*GEOREASONER, "worker", "--broker", broker, "--name", name, "--queue", queue, *args]
        with log.open("wb") as out:
            process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        worker = Worker(name, process, log, queue)
        workers.append(worker)
        client = redis.Redis.from_url(broker)
        wait_for(lambda: client.exists(f"georeasoner:worker:{name}") or process.poll() is not None, 90,
                 f"worker {name} to start")
        assert process.poll() is None, worker.text()
        return worker

    yield start
    for worker in workers:
        worker.stop()


def write_layer(folder: Path, count: int, missing: int = 0) -> Path:
    """A CSV layer of ``count`` small photos with claimed locations, then ``missing`` rows
    whose photo does not exist."""
    photos = folder / "photos"
    photos.mkdir(parents=True)
    path = folder / "photos.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "image", "lat", "lon"])
        for i in range(count):
            write_street_photo(photos / f"p{i}.jpg", seed=100 + i)
            writer.writerow([f"photo {i}", f"photos/p{i}.jpg", 40.0 + i * 0.1, -3.0 + i * 0.1])
        for i in range(missing):
            writer.writerow([f"gone {i}", f"photos/gone{i}.jpg", 10.0, 10.0])
    return path


def geolocate_cmd(layer: Path, out: Path, profile: Path, *args: str) -> list[str]:
    return [*GEOREASONER, "geolocate", str(layer), "-o", str(out), "--profile", str(profile), "--json", *args]


def run_cli(cmd: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def read_records(gpkg: Path) -> list[dict]:
    import pyogrio

    frame = pyogrio.read_dataframe(gpkg, layer="photos", read_geometry=False)
    return frame.astype(object).where(frame.notna(), None).to_dict("records")
