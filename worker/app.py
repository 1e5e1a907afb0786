"""The Celery application shared by the GeoReasoner worker and its client.

Both sides build the app with :func:`make_app`, so they agree on the settings that matter
for safety: JSON only (never pickle), late acknowledgement with one task prefetched at a
time, redelivery of the batch of a worker that died, and a Redis visibility timeout longer
than the hard time limit of a batch (otherwise a batch still running would be handed to a
second worker).

``celery -A worker.app inspect ...`` and Flower use the module-level ``app``, configured from
``GEOREASONER_BROKER``.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from celery import Celery

from worker.protocol import DEFAULT_QUEUE

BROKER_ENV = "GEOREASONER_BROKER"
DEFAULT_BROKER = "redis://localhost:6379/0"

_SSL_PARAMS = {"ssl_cert_reqs", "ssl_ca_certs", "ssl_certfile", "ssl_keyfile"}
_CERT_REQS = {"required": ssl.CERT_REQUIRED, "optional": ssl.CERT_OPTIONAL, "none": ssl.CERT_NONE}


@dataclass(frozen=True)
class Limits:
    """How long a batch may run, and how long Redis keeps what a job leaves behind.

    The soft limit raises inside the task (its photos become ``error`` rows); the hard
    limit kills the process running it. ``visibility_timeout`` must exceed the hard limit.
    """

    time_limit: float = 3600.0
    visibility_timeout: float | None = None
    result_expires: int = 24 * 3600

    @property
    def soft_time_limit(self) -> float:
        return max(1.0, self.time_limit - min(60.0, self.time_limit * 0.1))

    @property
    def visibility(self) -> float:
        return self.visibility_timeout or self.time_limit + 300.0

    def check(self) -> None:
        from georeasoner.errors import GeoReasonerError

        if self.time_limit <= 0:
            raise GeoReasonerError("--time-limit must be positive")
        if self.visibility <= self.time_limit:
            raise GeoReasonerError(
                f"--visibility-timeout ({self.visibility:g}s) must exceed --time-limit ({self.time_limit:g}s), "
                "or a batch still running would be given to a second worker"
            )


def ssl_options(url: str) -> dict | None:
    """TLS settings of a ``rediss://`` URL (certificates verified unless the URL says otherwise)."""
    parts = urlsplit(url)
    if parts.scheme != "rediss":
        return None
    query = {k: v for k, v in parse_qsl(parts.query) if k in _SSL_PARAMS}
    options: dict = {"ssl_cert_reqs": _CERT_REQS.get(query.pop("ssl_cert_reqs", "required").lower(), ssl.CERT_REQUIRED)}
    options.update(query)
    return options


def celery_config(broker_url: str, limits: Limits) -> dict:
    """The Celery settings of the worker and its client (see the module docstring)."""
    restore_every = max(1, min(10, int(limits.visibility / 5)))
    transport = {
        "visibility_timeout": limits.visibility,
        "unacked_restore_interval": restore_every,
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
    }
    config = {
        "broker_url": broker_url,
        "result_backend": broker_url,
        "task_serializer": "json",
        "result_serializer": "json",
        "event_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": limits.soft_time_limit,
        "task_time_limit": limits.time_limit,
        "result_expires": limits.result_expires,
        "task_default_queue": DEFAULT_QUEUE,
        "task_track_started": True,
        "broker_transport_options": transport,
        "result_backend_transport_options": {"socket_connect_timeout": 5, "socket_timeout": 30},
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 5,
        "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
        "worker_hijack_root_logger": False,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
    }
    tls = ssl_options(broker_url)
    if tls:
        config["broker_use_ssl"] = tls
        config["redis_backend_use_ssl"] = tls
    return config


def make_app(broker_url: str, limits: Limits | None = None) -> Celery:
    """A Celery app talking to ``broker_url`` (``redis://`` or ``rediss://``)."""
    app = Celery("georeasoner")
    app.conf.update(celery_config(broker_url, limits or Limits()))
    return app


_clients: dict[tuple[int, str], object] = {}


def redis_client(url: str):
    """A plain Redis client for ``url``, one per process (pool children must not share sockets)."""
    import redis

    key = (os.getpid(), url)
    if key not in _clients:
        tls = ssl_options(url) or {}
        _clients[key] = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30, **tls)
    return _clients[key]


def _app_from_environment() -> Celery:
    from worker.tasks import register_tasks

    app = make_app(os.environ.get(BROKER_ENV, DEFAULT_BROKER))
    register_tasks(app)
    return app


app = _app_from_environment()
