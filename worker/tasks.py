"""The batch task: one batch of a job through ``georeasoner.pipeline`` on this worker.

A task never raises for a bad batch: a malformed payload, a cancelled job, a batch that
already stopped its worker too often (a poison batch) and a batch over its time limit all
end as a result the client understands. Models are loaded in the process that runs the
task, on its first batch, and kept for the next ones (``georeasoner.engines`` caches them by
profile), so CUDA is only ever initialised there.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass, field, replace

from celery.exceptions import SoftTimeLimitExceeded

from georeasoner.errors import GeoReasonerError
from georeasoner.schema import error_record
from worker.protocol import (
    CANCELLED,
    DONE,
    REJECTED,
    TASK_NAME,
    BatchRequest,
    PayloadError,
    batch_items,
    cancel_key,
    deliveries_key,
    parse_payload,
)

log = logging.getLogger(__name__)

NO_ROOTS = ("this worker reads no shared paths: start it with --allowed-root DIR, "
            "or send the photos with --transport inline")


@dataclass(frozen=True)
class WorkerConfig:
    """What an operator sets on a worker, whatever the jobs ask."""

    hostname: str = field(default_factory=lambda: f"georeasoner-{os.getpid()}@{socket.gethostname()}")
    allowed_roots: tuple[str, ...] = ()
    #: A ``models.ModelProfile`` this worker is pinned to: it runs its own copy of the
    #: profile (its model paths) for jobs of that name and refuses other profiles.
    profile: object | None = None
    device: str | None = None
    max_deliveries: int = 3
    counters_expire_s: int = 24 * 3600


def _profile_for(request: BatchRequest, config: WorkerConfig):
    from georeasoner.models import ModelProfile

    try:
        wanted = ModelProfile(**dict(request.profile, adapters=tuple(request.profile.get("adapters") or ())))
    except TypeError as exc:
        raise GeoReasonerError(f"the job's model profile is not one this worker understands: {exc}") from exc
    if config.profile is None:
        return wanted
    if wanted.name != config.profile.name:
        raise GeoReasonerError(f"this worker serves only profile {config.profile.name!r}, not {wanted.name!r}; "
                           "send the job to a queue whose workers serve it (--queue)")
    return config.profile


_recorded: set[tuple[int, str]] = set()


def _loaded(profile, request: BatchRequest, config: WorkerConfig, client):
    """The engines of the batch's profile, loaded on first use; recorded once for the heartbeat."""
    from georeasoner.engines import load_engines
    from worker.heartbeat import record_loaded_models

    engines = load_engines(profile, request.engine, config.device, request.options.reason)
    if (os.getpid(), engines.model_id) not in _recorded:
        record_loaded_models(client, config.hostname, {"profile": profile.name, "model": engines.model_id,
                                                       "device": engines.device, "pid": os.getpid()})
        _recorded.add((os.getpid(), engines.model_id))
    return engines


def _records(request: BatchRequest, engines, config: WorkerConfig, cancelled) -> list[dict]:
    """One record per item in order; items the worker must refuse become ``error`` records."""
    from georeasoner.pipeline import process_batch

    model = engines.model_id
    refused: dict[int, str] = dict(request.item_errors)
    if not config.allowed_roots:
        refused.update({i.id: NO_ROOTS for i in request.items if i.data is None and i.path and i.id not in refused})
    todo = [item for item in request.items if item.id not in refused]
    options = replace(request.options, allowed_roots=config.allowed_roots)
    done = {r["gr_item"]: r for r in process_batch(todo, engines, options, cancelled)} if todo else {}
    return [done[i.id] if i.id in done else error_record(i.id, refused[i.id], model) for i in request.items]


def run_batch(payload, config: WorkerConfig, client) -> dict:
    """The result of one batch task (see the module docstring); never raises for a bad batch."""
    from georeasoner.pipeline import BatchCancelled

    try:
        request = parse_payload(payload)
    except PayloadError as exc:
        log.warning("rejected a batch: %s", exc)
        return {"status": REJECTED, "reason": f"malformed task payload: {exc}", "items": batch_items(payload)}
    head = {"job": request.job, "batch": request.batch}
    if client.exists(cancel_key(request.job)):
        return dict(head, status=CANCELLED)
    counter = deliveries_key(request.job, request.batch)
    deliveries = client.incr(counter)
    client.expire(counter, config.counters_expire_s)
    log.info("batch %s of job %s: delivery %d in process %d", request.batch, request.job, deliveries, os.getpid())
    started = time.monotonic()
    try:
        engines = _loaded(_profile_for(request, config), request, config, client)
        if deliveries > config.max_deliveries:
            log.error("batch %s of job %s stopped its worker %d times; answering error rows",
                      request.batch, request.job, deliveries - 1)
            reason = (f"this batch stopped its worker {deliveries - 1} times (a poison batch); "
                      "it was not tried again")
            records = [error_record(i.id, reason, engines.model_id) for i in request.items]
            return dict(head, status=DONE, records=records)
        records = _records(request, engines, config, lambda: bool(client.exists(cancel_key(request.job))))
    except BatchCancelled:
        log.info("batch %s of job %s stopped: job cancelled", request.batch, request.job)
        return dict(head, status=CANCELLED)
    except SoftTimeLimitExceeded:
        reason = "the batch ran over the worker's time limit; use a smaller --batch-size or raise --time-limit"
        return dict(head, status=DONE, records=[error_record(i.id, reason) for i in request.items])
    except GeoReasonerError as exc:
        return dict(head, status=DONE, records=[error_record(i.id, f"worker: {exc}") for i in request.items])
    log.info("batch %s of job %s: %d photos in %.2fs", request.batch, request.job, len(records),
             time.monotonic() - started)
    return dict(head, status=DONE, records=records)


def register_tasks(app, config: WorkerConfig | None = None) -> None:
    """Define the batch task on ``app``; ``config`` applies to every batch this worker runs."""
    config = config or WorkerConfig()

    @app.task(name=TASK_NAME, shared=False)
    def process_batch(*args, **kwargs) -> dict:
        from worker.app import redis_client

        payload = args[0] if len(args) == 1 and not kwargs else {"args": list(args), "kwargs": kwargs}
        return run_batch(payload, config, redis_client(app.conf.broker_url))
