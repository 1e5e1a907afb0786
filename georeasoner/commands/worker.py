"""``georeasoner worker``: a Celery worker that runs batches of photos sent through Redis.

The default pool is prefork with one child (``--concurrency 1``): the main process only
talks to Redis and never imports torch, the child loads the models on its first batch and
is the only process that initialises CUDA. When a batch kills the child (out of memory, a
crashing driver), the main process survives and Redis gets the batch back at once for a
retry, up to ``--max-deliveries``. Run one worker per GPU (``--device cuda:N`` or
``CUDA_VISIBLE_DEVICES``) with ``--concurrency 1``; ``--pool solo`` runs batches in the main
process itself (least memory, but a crash loses the whole worker until it is restarted).
"""

from __future__ import annotations

import argparse
import logging
import os
import socket

log = logging.getLogger(__name__)


def add_parser(subparsers, name: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help="run a GPU worker that takes batches from Redis",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--broker", default=os.environ.get("GEOREASONER_BROKER"),
                        help="redis://[:PASSWORD@]HOST:PORT/DB or rediss:// (default: $GEOREASONER_BROKER)")
    parser.add_argument("--queue", default=None, help="queue to consume (default georeasoner)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="batches run at once, each in its own process with its own models (default 1)")
    parser.add_argument("--pool", choices=("prefork", "solo"), default="prefork", help="see above (default prefork)")
    parser.add_argument("--profile", default=None,
                        help="pin the worker to this model profile (name, directory or JSON file); "
                             "jobs naming another profile get error rows")
    parser.add_argument("--device", default=None, help="torch device for the models (default: cuda when available)")
    parser.add_argument("--allowed-root", action="append", default=[], metavar="DIR",
                        help="directory the worker may read photos from (--transport paths); repeat for several")
    parser.add_argument("--name", default=None, help="worker name (default georeasoner-PID@HOST)")
    parser.add_argument("--time-limit", type=float, default=3600.0, metavar="SECONDS",
                        help="hard time limit of one batch; the soft limit is a little less (default 3600)")
    parser.add_argument("--visibility-timeout", type=float, default=None, metavar="SECONDS",
                        help="when Redis hands the batch of a vanished worker to another; "
                             "must exceed --time-limit (default: time limit + 300)")
    parser.add_argument("--max-deliveries", type=int, default=3,
                        help="a batch that stopped its worker this many times ends as error rows (default 3)")
    return parser


def _worker_config(args: argparse.Namespace):
    from georeasoner.errors import GeoReasonerError
    from georeasoner.models import load_profile
    from worker.tasks import WorkerConfig

    if args.concurrency < 1:
        raise GeoReasonerError("--concurrency must be at least 1")
    if args.max_deliveries < 1:
        raise GeoReasonerError("--max-deliveries must be at least 1")
    roots = []
    for root in args.allowed_root:
        if not os.path.isdir(root):
            raise GeoReasonerError(f"--allowed-root {root} is not a directory")
        roots.append(os.path.realpath(root))
    return WorkerConfig(
        hostname=args.name or f"georeasoner-{os.getpid()}@{socket.gethostname()}",
        allowed_roots=tuple(roots),
        profile=load_profile(args.profile, {}) if args.profile else None,
        device=args.device,
        max_deliveries=args.max_deliveries,
    )


def run(args: argparse.Namespace) -> int:
    from celery import signals

    from georeasoner.celery_backend import redis_errors, safe_url
    from georeasoner.errors import GeoReasonerError
    from worker.app import Limits, make_app, redis_client
    from worker.heartbeat import Heartbeat
    from worker.protocol import DEFAULT_QUEUE
    from worker.tasks import register_tasks

    if not args.broker or not args.broker.startswith(("redis://", "rediss://")):
        raise GeoReasonerError("give --broker redis://[:PASSWORD@]HOST:PORT/DB (or set GEOREASONER_BROKER)")
    limits = Limits(time_limit=args.time_limit, visibility_timeout=args.visibility_timeout)
    limits.check()
    config = _worker_config(args)
    queue = args.queue or DEFAULT_QUEUE
    client = redis_client(args.broker)
    with redis_errors(args.broker, "cannot start the worker"):
        client.ping()

    app = make_app(args.broker, limits)
    register_tasks(app, config)
    heartbeat = Heartbeat(client, config.hostname, {
        "queues": [queue], "pool": args.pool, "concurrency": args.concurrency, "pid": os.getpid(),
        "profile": config.profile.name if config.profile else None, "device": args.device or "auto",
        "allowed_roots": list(config.allowed_roots),
    })
    signals.worker_ready.connect(lambda **_: heartbeat.start(), weak=False)
    signals.worker_shutdown.connect(lambda **_: heartbeat.stop(), weak=False)
    log.info("worker %s: queue %s on %s, pool %s x%d, profile %s, device %s, allowed roots %s",
             config.hostname, queue, safe_url(args.broker), args.pool, args.concurrency,
             config.profile.name if config.profile else "any (as each job names)",
             args.device or "auto (chosen by the process that runs the models)",
             ", ".join(config.allowed_roots) or "none (inline transport only)")
    if not args.verbose:  # each batch logs one line of its own; Celery's would print every record
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
    worker = app.Worker(
        hostname=config.hostname,
        queues=[queue],
        pool_cls=args.pool,
        concurrency=args.concurrency,
        loglevel="DEBUG" if args.verbose else "INFO",
        without_gossip=True,
        without_mingle=True,
        task_events=True,
    )
    worker.start()
    return worker.exitcode or 0
