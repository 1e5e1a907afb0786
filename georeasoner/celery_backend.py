"""The Redis backend: batches go to Celery workers, their records come back through the sink.

The client keeps a bounded number of batches in flight (so a job of any size uses flat
memory), reads finished batches from Celery's Redis result backend, and hands their records
to ``run_job``, whose job store orders and de-duplicates them. Any way out other than
success (Ctrl-C, SIGTERM, Redis lost, no workers) sets the job's cancel flag, which running
batches check between stages, and revokes the batches still queued.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from georeasoner.errors import GeoReasonerError
from georeasoner.items import Item
from georeasoner.schema import error_record

log = logging.getLogger(__name__)

TRANSPORTS = ("paths", "inline")
DEFAULT_INLINE_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_WAIT_FOR_WORKERS_S = 30.0
_READY = ("SUCCESS", "FAILURE", "REVOKED")


def safe_url(url: str) -> str:
    """``url`` with its password masked, for messages and logs."""
    from kombu.utils.url import maybe_sanitize_url

    return maybe_sanitize_url(url)


@contextlib.contextmanager
def redis_errors(url: str, doing: str) -> Iterator[None]:
    """Turn a lost or refused Redis connection into one clear GeoReasonerError."""
    import redis
    from kombu.exceptions import OperationalError

    try:
        yield
    except redis.exceptions.AuthenticationError as exc:
        raise GeoReasonerError(f"{doing}: Redis at {safe_url(url)} refused the password ({exc}); "
                               "fix it in the URL: redis://:PASSWORD@HOST:PORT/DB") from exc
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OperationalError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise GeoReasonerError(f"{doing}: Redis at {safe_url(url)} does not answer ({detail}); "
                               "finished photos are kept: rerun with --resume once Redis is back") from exc


@dataclass
class _Batch:
    item_ids: list[int]
    size: int


class CeleryBackend:
    """Sends a job's batches to the workers consuming ``queue`` on the Redis at ``url``."""

    name = "redis"

    def __init__(
        self,
        url: str,
        transport: str = "paths",
        queue: str | None = None,
        wait_for_workers: float = DEFAULT_WAIT_FOR_WORKERS_S,
        inline_max_bytes: int = DEFAULT_INLINE_MAX_BYTES,
        max_in_flight: int = 32,
        poll_s: float = 0.05,
    ) -> None:
        from worker.protocol import DEFAULT_QUEUE

        if transport not in TRANSPORTS:
            raise GeoReasonerError(f"unknown transport {transport!r}; use one of {', '.join(TRANSPORTS)}")
        if wait_for_workers < 0:
            raise GeoReasonerError("--wait-for-workers must be 0 or more seconds")
        self.url = url
        self.transport = transport
        self.queue = queue or DEFAULT_QUEUE
        self.wait_for_workers = wait_for_workers
        self.inline_max_bytes = inline_max_bytes
        self.max_in_flight = max_in_flight
        self.poll_s = poll_s

    # -- connection -------------------------------------------------------------------------

    def _connect(self):
        from worker.app import make_app, redis_client

        client = redis_client(self.url)
        with redis_errors(self.url, "cannot start the job"):
            client.ping()
        return make_app(self.url), client

    def _workers(self, client) -> list[dict]:
        from worker.heartbeat import live_workers

        return live_workers(client, self.queue)

    def _await_workers(self, client) -> list[dict]:
        deadline = time.monotonic() + self.wait_for_workers
        while True:
            with redis_errors(self.url, "cannot look for workers"):
                workers = self._workers(client)
            if workers or time.monotonic() >= deadline:
                return workers
            time.sleep(0.5)

    def _no_workers(self, waited: float) -> GeoReasonerError:
        return GeoReasonerError(
            f"no worker consumes queue {self.queue!r} on {safe_url(self.url)} (waited {waited:g}s); "
            f"start one with: georeasoner worker --broker {safe_url(self.url)} --queue {self.queue}"
        )

    # -- payloads ---------------------------------------------------------------------------

    def _inline(self, item: Item) -> tuple[Item, str | None, int]:
        """The item with its image bytes, or the reason it cannot travel; and the bytes' size."""
        try:
            size = os.path.getsize(item.path)
            if size > self.inline_max_bytes:
                return Item(item.id, None, None, item.claimed_lat, item.claimed_lon), (
                    f"image file is {size / 2**20:.1f} MiB, over the inline transport cap of "
                    f"{self.inline_max_bytes / 2**20:.1f} MiB; use --transport paths"), 0
            with open(item.path, "rb") as handle:
                data = handle.read()
        except (OSError, TypeError) as exc:
            reason = "no image path in this feature" if not item.path else f"cannot read image file: {exc}"
            return Item(item.id, None, None, item.claimed_lat, item.claimed_lon), reason, 0
        return Item(item.id, None, data, item.claimed_lat, item.claimed_lon), None, len(data)

    def _payload(self, job: str, number: int, items: list[Item], spec) -> tuple[dict, int]:
        from worker.protocol import BatchRequest

        errors: dict[int, str] = {}
        size = 0
        if self.transport == "inline":
            sent = []
            for item in items:
                inline, reason, nbytes = self._inline(item)
                sent.append(inline)
                size += nbytes
                if reason:
                    errors[item.id] = reason
            items = sent
        request = BatchRequest(job, number, spec.profile.to_json(), spec.engine, spec.options, items, errors)
        return request.to_json(), size

    # -- results ----------------------------------------------------------------------------

    @staticmethod
    def _records_of(meta: dict, batch: _Batch) -> list[dict]:
        """The records a finished task stands for; failures become ``error`` rows."""
        from worker.protocol import DONE, REJECTED

        if meta["status"] == "SUCCESS":
            result = meta["result"]
            if result.get("status") == DONE:
                return result["records"]
            if result.get("status") == REJECTED:
                return [error_record(i, result.get("reason", "rejected by the worker")) for i in batch.item_ids]
            return []  # cancelled: only this job's own cancel sets the flag
        detail = meta.get("result")
        if isinstance(detail, dict):
            detail = f"{detail.get('exc_type', 'error')}: {detail.get('exc_message', '')}"
        reason = f"the worker failed on this batch ({meta['status']}: {detail})"
        return [error_record(i, reason) for i in batch.item_ids]

    def _collect(self, app, client, job: str, pending: dict[str, _Batch], sink) -> int:
        """Hand finished batches to ``sink``; returns how many finished."""
        from worker.protocol import deliveries_key

        ids = list(pending)
        keys = [app.backend.get_key_for_task(tid) for tid in ids]
        finished = []
        for tid, key, raw in zip(ids, keys, client.mget(keys)):
            if raw is None:
                continue
            meta = app.backend.decode_result(raw)
            if meta["status"] not in _READY:
                continue
            sink(self._records_of(meta, pending.pop(tid)))
            finished += [key, deliveries_key(job, int(tid.rsplit("-", 1)[1]))]
        if finished:
            client.delete(*finished)
        return len(finished) // 2

    # -- the job ----------------------------------------------------------------------------

    def run(self, batches: Iterable[list[Item]], spec, sink: Callable[[list[dict]], None]) -> None:
        from worker.protocol import TASK_NAME, task_id

        app, client = self._connect()
        started = time.monotonic()
        workers = self._await_workers(client)
        if not workers:
            raise self._no_workers(time.monotonic() - started)
        log.info("sending batches to %d worker(s) on queue %s at %s: %s", len(workers), self.queue,
                 safe_url(self.url), ", ".join(w["hostname"] for w in workers))
        job = uuid.uuid4().hex
        pending: dict[str, _Batch] = {}
        batches = iter(batches)
        exhausted = False
        number = 0
        last_progress = time.monotonic()
        try:
            while not exhausted or pending:
                while not exhausted and len(pending) < self.max_in_flight:
                    items = next(batches, None)
                    if items is None:
                        exhausted = True
                        break
                    payload, size = self._payload(job, number, items, spec)
                    tid = task_id(job, number)
                    with redis_errors(self.url, "lost Redis while sending photos"):
                        app.send_task(TASK_NAME, args=[payload], queue=self.queue, task_id=tid)
                    pending[tid] = _Batch([item.id for item in items], size)
                    number += 1
                with redis_errors(self.url, "lost Redis while waiting for results"):
                    if self._collect(app, client, job, pending, sink):
                        last_progress = time.monotonic()
                        continue
                    if time.monotonic() - last_progress > max(self.wait_for_workers, 1.0):
                        if not self._workers(client):
                            raise self._no_workers(time.monotonic() - last_progress)
                        last_progress = time.monotonic()
                time.sleep(self.poll_s)
        except BaseException:
            self._cancel(app, client, job, pending)
            raise

    def _cancel(self, app, client, job: str, pending: dict[str, _Batch]) -> None:
        """Stop this job on the workers: flag it for running batches, revoke the queued ones."""
        from worker.protocol import cancel_key

        try:
            client.set(cancel_key(job), "1", ex=int(app.conf.result_expires))
            if pending:
                app.control.revoke(list(pending))
            log.info("cancelled job %s on the workers: %d batches revoked", job, len(pending))
        except Exception as exc:  # noqa: BLE001 - Redis may be the reason we are stopping
            log.warning("could not cancel job %s on the workers: %s", job, exc)


def describe_backend(url: str) -> dict:
    """For ``georeasoner doctor --backend``: broker answer, live workers and queue depths."""
    from worker.app import redis_client
    from worker.heartbeat import live_workers
    from worker.protocol import DEFAULT_QUEUE

    report: dict = {"ok": False, "kind": "redis", "url": safe_url(url)}
    if not url.startswith(("redis://", "rediss://")):
        report["detail"] = "not a Redis URL: use redis://[:PASSWORD@]HOST:PORT/DB or rediss:// for TLS"
        return report
    client = redis_client(url)
    try:
        with redis_errors(url, "cannot check the backend"):
            info = client.info("server")
            workers = live_workers(client)
            queues = sorted({DEFAULT_QUEUE} | {q for w in workers for q in w.get("queues", [])})
            depths = {q: client.llen(q) for q in queues}
            unacked = client.hlen("unacked")
    except GeoReasonerError as exc:
        report["detail"] = str(exc)
        return report
    queue_text = ", ".join(f"{q} {n} queued" for q, n in depths.items())
    report.update(
        ok=bool(workers),
        detail=(f"Redis {info.get('redis_version')} answers; {len(workers)} worker(s) alive; {queue_text}; "
                f"{unacked} running or awaiting redelivery"
                + ("" if workers else f"; start one with: georeasoner worker --broker {safe_url(url)}")),
        broker={"answers": True, "redis_version": info.get("redis_version")},
        queues=depths,
        unacked=unacked,
        worker_details=workers,
        workers=[_worker_line(w) for w in workers],
    )
    return report


def _worker_line(worker: dict) -> str:
    models = "; ".join(f"{m['model']} on {m['device']}" for m in worker.get("models", [])) or "no model loaded yet"
    pinned = f", pinned to {worker['profile']}" if worker.get("profile") else ""
    return (f"{worker['hostname']}: queues {', '.join(worker.get('queues', []))}, "
            f"pool {worker.get('pool')} x{worker.get('concurrency')}{pinned}; {models}")
