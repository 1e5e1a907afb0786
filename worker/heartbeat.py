"""Which workers are alive, what they serve, and which models they hold, kept in Redis.

Each worker's main process refreshes a short-lived key (``georeasoner:worker:HOST``) from a
thread, so a worker busy on a long batch still counts as alive, and one killed outright
disappears when the key expires. The processes that run the models (pool children) record
what they loaded in a hash the heartbeat folds in. Clients use this to wait for a worker
(``--wait-for-workers``); ``georeasoner doctor --backend`` prints it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time

from worker.protocol import KEY_PREFIX, worker_key, worker_key_pattern

log = logging.getLogger(__name__)

INTERVAL_S = 2.0
TTL_S = 10


def models_key(hostname: str) -> str:
    return f"{KEY_PREFIX}:models:{hostname}"


def record_loaded_models(client, hostname: str, description: dict) -> None:
    """Called by the process that loaded models: ``description`` names the profile and device."""
    client.hset(models_key(hostname), str(os.getpid()), json.dumps(description))
    client.expire(models_key(hostname), TTL_S)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _loaded_models(client, hostname: str) -> list[dict]:
    """Models held by live processes of this worker; entries of dead processes are dropped."""
    models = []
    for pid, value in client.hgetall(models_key(hostname)).items():
        if _pid_alive(int(pid)):
            models.append(json.loads(value))
        else:
            client.hdel(models_key(hostname), pid)
    return models


class Heartbeat:
    """Refreshes this worker's key every ``INTERVAL_S`` seconds until stopped."""

    def __init__(self, client, hostname: str, info: dict) -> None:
        self.client = client
        self.hostname = hostname
        self.info = info
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="georeasoner-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def beat(self) -> None:
        record = dict(self.info, hostname=self.hostname, seen=time.time(),
                      models=_loaded_models(self.client, self.hostname))
        self.client.set(worker_key(self.hostname), json.dumps(record), ex=TTL_S)
        self.client.expire(models_key(self.hostname), TTL_S)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.beat()
            except Exception as exc:  # noqa: BLE001 - Redis may be away for a while; keep trying
                log.warning("heartbeat to Redis failed: %s", exc)
            self._stop.wait(INTERVAL_S)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=INTERVAL_S + 1)
        try:
            self.client.delete(worker_key(self.hostname))
        except Exception:  # noqa: BLE001 - shutting down; the key expires anyway
            pass


def live_workers(client, queue: str | None = None) -> list[dict]:
    """Workers whose heartbeat is fresh, optionally only those consuming ``queue``."""
    workers = []
    for key in client.scan_iter(match=worker_key_pattern(), count=100):
        value = client.get(key)
        if value is None:
            continue
        record = json.loads(value)
        if queue is None or queue in record.get("queues", []):
            workers.append(record)
    return sorted(workers, key=lambda r: r["hostname"])
