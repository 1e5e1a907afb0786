"""A job = a photo layer + options, run by a backend, written as one GeoPackage.

``run_job`` owns everything that does not depend on where the models run: streaming the
layer in chunks, skipping photos already done (``--resume``), keeping records in the job
store, progress, and writing the output atomically. A backend only turns batches of items
into records: ``LocalBackend`` in this process, ``CeleryBackend`` on workers behind Redis.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from georeasoner.errors import GeoReasonerError
from georeasoner.items import Item
from georeasoner.jobstore import JobStore, store_path
from georeasoner.pipeline import PipelineOptions, decode_batch, process_decoded
from georeasoner.progress import Reporter

log = logging.getLogger(__name__)

Sink = Callable[[list[dict]], None]

CANCEL_MESSAGE = "cancelled; finished photos are kept, rerun with --resume to continue"


class JobCancelled(KeyboardInterrupt):
    """The user stopped the job (SIGTERM); finished photos stay in the job store for ``--resume``.

    A KeyboardInterrupt, like Ctrl-C, so that no ``except Exception`` (for example the
    pipeline's per-photo isolation of model failures) can swallow a cancel.
    """


@dataclass
class JobSpec:
    """Everything that defines a job's results (and so its resume fingerprint)."""

    input: str
    output: str
    profile: object
    engine: str = "lvlm"
    device: str | None = None
    options: PipelineOptions = field(default_factory=PipelineOptions)
    image_field: str | None = None
    lat: str | None = None
    lon: str | None = None
    layer: str | None = None
    batch_size: int = 8
    chunk_size: int = 2000
    resume: bool = False
    cache: bool = True
    raster: str | None = None
    cell_m: float = 100.0

    def fingerprint(self) -> dict:
        stat = os.stat(self.input)
        return {
            "input": os.path.abspath(self.input),
            "input_size": stat.st_size,
            "input_mtime": stat.st_mtime_ns,
            "image_field": self.image_field,
            "layer": self.layer,
            "profile": self.profile.to_json(),
            "engine": self.engine,
            "options": self.options.to_json(),
        }


class LocalBackend:
    """Runs the pipeline in this process. A decode thread looks the next batch up in the
    result cache and decodes and preprocesses its other photos while the model runs; the
    models load only when a photo needs them (not for a re-run served by the cache)."""

    name = "local"

    def run(self, batches: Iterable[list[Item]], spec: JobSpec, sink: Sink) -> None:
        from georeasoner.engines import load_engines
        from georeasoner.result_cache import open_result_cache

        def engines():  # loaded once per process (engines.load_engines caches them)
            return load_engines(spec.profile, spec.engine, spec.device, spec.options.reason)

        def prepare(items: list[Item]):
            batch = cache.lookup(items)
            return batch, (decode_batch(batch.misses, spec.options, engines()) if batch.misses else [])

        batches = iter(batches)
        with open_result_cache(spec.profile, spec.engine, spec.options, spec.cache) as cache, \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode") as pool:
            items = next(batches, None)
            pending = pool.submit(prepare, items) if items is not None else None
            while pending is not None:
                batch, decoded = pending.result()
                items = next(batches, None)
                pending = pool.submit(prepare, items) if items is not None else None
                fresh = process_decoded(batch.misses, decoded, engines(), spec.options) if batch.misses else []
                cache.store(batch, fresh)
                sink(batch.merge(fresh))


def make_backend(url: str | None, **options):
    """``local`` (or None) runs in-process; ``redis://`` / ``rediss://`` sends batches to workers."""
    if url in (None, "", "local"):
        return LocalBackend()
    if url.startswith(("redis://", "rediss://")):
        from georeasoner.celery_backend import CeleryBackend

        return CeleryBackend(url, **options)
    raise GeoReasonerError(f"unknown backend {url!r}: use 'local' or a redis:// URL")


@contextlib.contextmanager
def _sigterm_cancels() -> Iterator[None]:
    """Turn SIGTERM (a cancel from QGIS or a service manager) into a clean JobCancelled."""

    def handler(signum, frame):
        raise JobCancelled(CANCEL_MESSAGE)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _batches(layer, spec: JobSpec, done: set[int], reporter: Reporter) -> Iterator[list[Item]]:
    for _frame, items in layer.iter_chunks(spec.chunk_size):
        todo = [item for item in items if item.id not in done]
        if len(todo) < len(items):
            reporter.advance(len(items) - len(todo))
        for start in range(0, len(todo), spec.batch_size):
            yield todo[start : start + spec.batch_size]


def _import_finished_output(store: JobStore, output: str) -> None:
    from georeasoner.layers import read_result_records

    for records in read_result_records(output):
        store.put(records)


def _write_raster(layer, store: JobStore, spec: JobSpec) -> None:
    from georeasoner.locmap import write_locatability_raster

    lats, lons, scores = [], [], []
    for _frame, items in layer.iter_chunks(spec.chunk_size):
        claimed = [item for item in items if item.has_claim]
        for item, record in zip(claimed, store.get([item.id for item in claimed])):
            if record.get("gr_loc") is not None:
                lats.append(item.claimed_lat)
                lons.append(item.claimed_lon)
                scores.append(record["gr_loc"])
    write_locatability_raster(lats, lons, scores, spec.raster, spec.cell_m)


def run_job(spec: JobSpec, backend, reporter: Reporter) -> dict:
    """Run ``spec`` on ``backend``; returns the summary counts. Raises GeoReasonerError."""
    from georeasoner.layers import open_photo_layer, write_results

    if not os.path.exists(spec.input):
        raise GeoReasonerError(f"input layer not found: {spec.input}")
    if os.path.abspath(spec.input) == os.path.abspath(spec.output):
        raise GeoReasonerError("the output must be a new file: choose another -o path than the input")
    layer = open_photo_layer(spec.input, image_field=spec.image_field, lat=spec.lat, lon=spec.lon, layer=spec.layer)
    store = JobStore(store_path(spec.output), spec.fingerprint(), resume=spec.resume)
    finished = False
    try:
        if spec.resume and os.path.exists(spec.output):
            _import_finished_output(store, spec.output)
        done = store.done_items()
        reporter.start(layer.count, backend=backend.name)

        def sink(records: list[dict]) -> None:
            new = store.put(records)
            reporter.advance(new)

        with _sigterm_cancels():
            backend.run(_batches(layer, spec, done, reporter), spec, sink)
            write_results(layer, store.get, spec.output)
            if spec.raster:
                _write_raster(layer, store, spec)
        summary = store.summary()
        finished = True
    finally:
        store.close(remove=finished)
    log.info("job finished: %s", summary)
    return summary
