"""Jobs through Redis and real ``georeasoner worker`` processes, with the tiny models."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
import redis

from tests.worker.conftest import (
    FAST_REDELIVERY,
    events,
    geolocate_cmd,
    read_records,
    run_cli,
    wait_for,
    write_layer,
)

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def layer(tmp_path_factory):
    """Six photos and one row whose photo is missing."""
    return write_layer(tmp_path_factory.mktemp("layer"), 6, missing=1)


@pytest.fixture(scope="module")
def local_records(layer, tiny_profile, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "local.gpkg"
    done = run_cli(geolocate_cmd(layer, out, tiny_profile, "--batch-size", "2"))
    assert done.returncode == 0, done.stderr
    return read_records(out)


def test_redis_backend_writes_the_same_records_as_the_local_backend(
    redis_server, start_worker, layer, tiny_profile, local_records, tmp_path
):
    broker = redis_server.fresh_url()
    start_worker(broker, "--allowed-root", str(layer.parent))
    out = tmp_path / "redis.gpkg"
    done = run_cli(geolocate_cmd(layer, out, tiny_profile, "--batch-size", "2", "--backend", broker))
    assert done.returncode == 0, done.stderr
    assert read_records(out) == local_records
    assert [r["gr_status"] for r in local_records].count("error") == 1


def test_progress_events_arrive_as_batches_finish(redis_server, start_worker, layer, tiny_profile, tmp_path):
    broker = redis_server.fresh_url()
    start_worker(broker, "--allowed-root", str(layer.parent))
    done = run_cli(geolocate_cmd(layer, tmp_path / "out.gpkg", tiny_profile, "--batch-size", "3", "--backend", broker))
    progress = [e["done"] for e in events(done.stdout) if e["event"] == "progress"]
    assert progress == [3, 6, 7]
    assert events(done.stdout)[0] == {"event": "start", "total": 7, "backend": "redis"}


def test_two_workers_share_one_job(redis_server, start_worker, tiny_profile, tmp_path):
    layer = write_layer(tmp_path / "in", 8)
    broker = redis_server.fresh_url()
    workers = [start_worker(broker, "--allowed-root", str(layer.parent)) for _ in range(2)]
    out = tmp_path / "out.gpkg"
    done = run_cli(geolocate_cmd(layer, out, tiny_profile, "--batch-size", "1", "--backend", broker))
    assert done.returncode == 0, done.stderr
    assert [r["gr_item"] for r in read_records(out)] == list(range(8))
    assert all(worker.deliveries() for worker in workers)
    assert sum(len(worker.deliveries()) for worker in workers) == 8


def test_killing_a_worker_mid_job_loses_no_photo(redis_server, start_worker, tiny_profile, tmp_path):
    layer = write_layer(tmp_path / "in", 8)
    broker = redis_server.fresh_url()
    victim, survivor = (start_worker(broker, "--allowed-root", str(layer.parent), *FAST_REDELIVERY) for _ in range(2))
    out = tmp_path / "out.gpkg"
    client = subprocess.Popen(geolocate_cmd(layer, out, tiny_profile, "--batch-size", "1", "--backend", broker),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Kill the victim while it holds a batch: it has started more batches than it finished.
    wait_for(lambda: len(victim.deliveries()) > victim.text().count("photos in"), 120, "a batch on the victim")
    victim.kill()
    lost_batch = victim.deliveries()[-1][0]
    stdout, stderr = client.communicate(timeout=240)
    assert client.returncode == 0, stderr
    records = read_records(out)
    assert [r["gr_item"] for r in records] == list(range(8))
    assert {r["gr_status"] for r in records} == {"ok"}
    assert (lost_batch, 2) in [(batch, delivery) for batch, delivery, _pid in survivor.deliveries()]


def test_inline_transport_works_without_shared_storage(
    redis_server, start_worker, layer, tiny_profile, local_records, tmp_path
):
    broker = redis_server.fresh_url()
    elsewhere = tmp_path / "worker-root"
    elsewhere.mkdir()
    start_worker(broker, "--allowed-root", str(elsewhere))
    out = tmp_path / "inline.gpkg"
    done = run_cli(geolocate_cmd(layer, out, tiny_profile, "--batch-size", "2", "--backend", broker,
                                 "--transport", "inline"))
    assert done.returncode == 0, done.stderr
    records = read_records(out)
    assert [r["gr_status"] for r in records] == [r["gr_status"] for r in local_records]
    assert [r["gr_loc"] for r in records] == [r["gr_loc"] for r in local_records]
    assert "cannot read image file" in records[-1]["gr_error"]


def test_paths_outside_the_allowed_roots_are_refused(redis_server, start_worker, layer, tiny_profile, tmp_path):
    broker = redis_server.fresh_url()
    elsewhere = tmp_path / "worker-root"
    elsewhere.mkdir()
    start_worker(broker, "--allowed-root", str(elsewhere))
    out = tmp_path / "paths.gpkg"
    done = run_cli(geolocate_cmd(layer, out, tiny_profile, "--batch-size", "4", "--backend", broker))
    assert done.returncode == 0, done.stderr
    records = read_records(out)
    assert {r["gr_status"] for r in records} == {"error"}
    assert all("outside the worker's allowed roots" in r["gr_error"] for r in records)


def test_cancel_revokes_queued_batches_stops_the_rest_and_resume_finishes(
    redis_server, start_worker, tiny_profile, tmp_path
):
    layer = write_layer(tmp_path / "in", 10)
    broker = redis_server.fresh_url()
    worker = start_worker(broker, "--allowed-root", str(layer.parent))
    out = tmp_path / "out.gpkg"
    client = subprocess.Popen(geolocate_cmd(layer, out, tiny_profile, "--batch-size", "1", "--backend", broker),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = json.loads(client.stdout.readline())
    assert first["event"] == "start"
    assert json.loads(client.stdout.readline())["event"] == "progress"
    client.send_signal(signal.SIGTERM)
    stdout, _stderr = client.communicate(timeout=60)
    assert client.returncode != 0
    assert events(stdout)[-1]["event"] == "error"
    assert not out.exists()
    db = redis.Redis.from_url(broker)
    wait_for(lambda: db.llen("georeasoner") == 0 and db.hlen("unacked") == 0, 60, "the queue to drain")
    time.sleep(1)
    started = len(worker.deliveries())
    assert started < 10
    assert "revoked" in worker.text().lower() or "cancelled" in worker.text()

    done = run_cli(geolocate_cmd(layer, out, tiny_profile, "--batch-size", "1", "--backend", broker, "--resume"))
    assert done.returncode == 0, done.stderr
    assert [r["gr_item"] for r in read_records(out)] == list(range(10))
    assert not os.path.exists(f"{out}.job")
