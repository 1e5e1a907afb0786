"""What the Redis backend does when things fail: no Redis, lost Redis, no worker, bad batches."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess

import pytest
import redis

from tests.worker.conftest import (
    GEOREASONER,
    events,
    free_port,
    geolocate_cmd,
    read_records,
    run_cli,
    wait_for,
    write_layer,
)
from worker.app import make_app
from worker.protocol import TASK_NAME

pytestmark = pytest.mark.timeout(300)


def _sha(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _error_line(stderr: str) -> str:
    return [line for line in stderr.splitlines() if line.startswith("georeasoner: error:")][-1]


def test_unreachable_redis_fails_at_start_with_one_line_and_writes_nothing(tiny_profile, tmp_path):
    layer = write_layer(tmp_path / "in", 2)
    out = tmp_path / "out.gpkg"
    done = run_cli(geolocate_cmd(layer, out, tiny_profile, "--backend", f"redis://127.0.0.1:{free_port()}/0"))
    assert done.returncode == 2
    assert "cannot start the job: Redis at redis://127.0.0.1" in _error_line(done.stderr)
    assert "Traceback" not in done.stderr
    assert events(done.stdout)[-1]["event"] == "error"
    assert not out.exists()


def test_wrong_redis_password_is_reported_without_echoing_it(own_redis, tiny_profile, tmp_path):
    server = own_redis(password="right-secret")
    layer = write_layer(tmp_path / "in", 1)
    done = run_cli(geolocate_cmd(layer, tmp_path / "o.gpkg", tiny_profile, "--backend",
                                 f"redis://:wrong-secret@127.0.0.1:{server.port}/0"))
    assert done.returncode == 2
    line = _error_line(done.stderr)
    assert "refused the password" in line
    assert "wrong-secret" not in done.stderr


def test_no_worker_consuming_is_reported_after_the_wait(redis_server, tiny_profile, tmp_path):
    layer = write_layer(tmp_path / "in", 1)
    done = run_cli(geolocate_cmd(layer, tmp_path / "o.gpkg", tiny_profile, "--backend", redis_server.fresh_url(),
                                 "--queue", "nobody-here", "--wait-for-workers", "1"))
    assert done.returncode == 2
    assert "no worker consumes queue 'nobody-here'" in _error_line(done.stderr)


def test_redis_stopped_mid_job_fails_cleanly_and_leaves_input_and_earlier_output_untouched(
    own_redis, start_worker, tiny_profile, tmp_path
):
    server = own_redis()
    broker = server.url(0)
    layer = write_layer(tmp_path / "in", 12)
    start_worker(broker, "--allowed-root", str(layer.parent))
    out = tmp_path / "out.gpkg"
    out.write_bytes(b"an earlier result the user keeps")
    before = {path: _sha(path) for path in (layer, out)}
    client = subprocess.Popen(geolocate_cmd(layer, out, tiny_profile, "--batch-size", "1", "--backend", broker),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert json.loads(client.stdout.readline())["event"] == "start"
    assert json.loads(client.stdout.readline())["event"] == "progress"
    server.stop()
    stdout, stderr = client.communicate(timeout=120)
    assert client.returncode == 2
    assert "Redis at redis://127.0.0.1" in _error_line(stderr)
    assert "rerun with --resume" in _error_line(stderr)
    assert events(stdout)[-1]["event"] == "error"
    assert {path: _sha(path) for path in (layer, out)} == before


def test_a_poison_batch_ends_as_error_rows_after_the_cap(redis_server, start_worker, tiny_profile, tmp_path):
    layer = write_layer(tmp_path / "in", 2)
    broker = redis_server.fresh_url()
    worker = start_worker(broker, "--allowed-root", str(layer.parent), "--max-deliveries", "2")
    out = tmp_path / "out.gpkg"
    client = subprocess.Popen(geolocate_cmd(layer, out, tiny_profile, "--batch-size", "2", "--backend", broker),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The batch kills the process running it twice: each delivery's pool process dies at once.
    for delivery in (1, 2):
        _batch, _delivery, pid = wait_for(lambda: [d for d in worker.deliveries() if d[1] == delivery], 120,
                                          f"delivery {delivery}")[0]
        os.kill(pid, signal.SIGKILL)
    _stdout, stderr = client.communicate(timeout=180)
    assert client.returncode == 0, stderr
    records = read_records(out)
    assert [r["gr_status"] for r in records] == ["error", "error"]
    assert all("stopped its worker 2 times" in r["gr_error"] for r in records)
    assert [d[1] for d in worker.deliveries()] == [1, 2, 3]
    assert worker.process.poll() is None


def test_malformed_task_payloads_get_an_error_result_and_the_worker_goes_on(redis_server, start_worker):
    broker = redis_server.fresh_url()
    worker = start_worker(broker)
    app = make_app(broker)
    rejected = app.send_task(TASK_NAME, args=[{"v": 1, "job": "j", "items": "not a list"}], queue=worker.queue)
    assert rejected.get(timeout=60)["status"] == "rejected"
    assert "malformed task payload" in rejected.get(timeout=5)["reason"]
    extra_args = app.send_task(TASK_NAME, args=[1, 2, 3], queue=worker.queue)
    assert extra_args.get(timeout=60)["status"] == "rejected"
    assert worker.process.poll() is None


def test_a_pickled_message_is_refused_and_the_worker_goes_on(redis_server, start_worker):
    broker = redis_server.fresh_url()
    worker = start_worker(broker)
    pickled = make_app(broker)
    pickled.conf.update(task_serializer="pickle", accept_content=["pickle", "json"])
    pickled.send_task(TASK_NAME, args=[{"v": 1}], queue=worker.queue)
    wait_for(lambda: "untrusted content" in worker.text().lower() or "refusing" in worker.text().lower(), 60,
             "the worker to refuse the pickled message")
    after = make_app(broker).send_task(TASK_NAME, args=["still alive?"], queue=worker.queue)
    assert after.get(timeout=60)["status"] == "rejected"
    assert redis.Redis.from_url(broker).llen(worker.queue) == 0


def test_doctor_shows_the_broker_workers_their_models_and_queue_depth(redis_server, start_worker, tiny_profile):
    broker = redis_server.fresh_url()
    worker = start_worker(broker, queue="gpu")
    make_app(broker).send_task(TASK_NAME, args=[{}], queue="georeasoner")  # a queue nobody consumes
    done = run_cli([*GEOREASONER, "doctor", "--profile", str(tiny_profile), "--backend", broker, "--json"])
    backend = json.loads(done.stdout)["backend"]
    assert backend["ok"] is True, backend
    assert backend["broker"]["answers"] is True
    assert backend["queues"] == {"georeasoner": 1, "gpu": 0}
    assert [w["hostname"] for w in backend["worker_details"]] == [worker.name]
    assert worker.name in backend["workers"][0]


def test_doctor_reports_an_unreachable_broker(tiny_profile):
    done = run_cli([*GEOREASONER, "doctor", "--profile", str(tiny_profile), "--backend",
                    f"redis://:pw@127.0.0.1:{free_port()}/0", "--json"])
    backend = json.loads(done.stdout)["backend"]
    assert done.returncode == 1
    assert backend["ok"] is False
    assert "does not answer" in backend["detail"]
    assert ":pw@" not in backend["detail"]
