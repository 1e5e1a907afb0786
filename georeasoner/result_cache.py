"""Results already computed, keyed by the photo's content, the models and the options.

A re-run of a job, another layer that holds the same photos, or one photo listed twice costs
a hash instead of a model pass. The key of a result is the hash of the image bytes plus a
*scope*: the model profile (with the size and modification time of every local model file,
so a retrained model never serves old results), the engine and the options that change
results. Only what the models said is kept; the row number and the audit of the claimed
location are filled in again for each job. Error records are never cached.

The cache is one SQLite file, ``results.sqlite`` under the user cache directory
(``$GEOREASONER_CACHE_DIR``, else ``$XDG_CACHE_HOME/georeasoner``, else
``~/.cache/georeasoner``); ``--no-cache`` turns it off. A cache that cannot be opened
only costs speed: the job runs without it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from georeasoner import __version__
from georeasoner.fileio import user_cache_dir
from georeasoner.items import Item
from georeasoner.schema import RESULT_FIELDS, STATUS_ERROR, empty_record

log = logging.getLogger(__name__)

CACHE_FILE = "results.sqlite"
#: Record fields that depend on the photo's row or claimed place, not on the photo.
PER_ITEM_FIELDS = ("gr_item", "gr_err_km", "gr_flag")
#: PipelineOptions fields that change no result.
NEUTRAL_OPTIONS = ("decode_workers", "allowed_roots")
_CHUNK = 500
_READ_BLOCK = 1 << 20


def default_cache_path() -> Path:
    return user_cache_dir() / CACHE_FILE


def content_key(item: Item) -> str | None:
    """Hash of the photo's bytes; None when they cannot be read (decoding will say why)."""
    digest = hashlib.blake2b(digest_size=20)
    if item.data is not None:
        digest.update(item.data)
        return digest.hexdigest()
    if not item.path:
        return None
    try:
        with open(item.path, "rb") as f:
            while block := f.read(_READ_BLOCK):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _model_stamps(profile) -> list:
    """(ref, [(file, size, mtime_ns), ...]) of every model reference that is a local path."""
    refs = [profile.lvlm, *profile.adapters, profile.clip, profile.locatability_head]
    stamps = []
    for ref in refs:
        if not ref or not os.path.exists(ref):
            continue
        files = [ref] if os.path.isfile(ref) else sorted(
            os.path.join(root, name) for root, _, names in os.walk(ref) for name in names
        )
        stamps.append((ref, [(f, os.stat(f).st_size, os.stat(f).st_mtime_ns) for f in files]))
    return stamps


def job_scope(profile, engine: str, options) -> str:
    """What, besides the photo, decides a result: the code's version and record fields,
    models, engine and options (a hash)."""
    relevant = {k: v for k, v in options.to_json().items() if k not in NEUTRAL_OPTIONS}
    code = [__version__, list(RESULT_FIELDS)]
    text = json.dumps([code, profile.to_json(), _model_stamps(profile), engine, relevant], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class CachedBatch:
    """A batch split into the results found in the cache and the photos still to process.

    ``misses`` holds each photo still to process once, even when the batch lists it twice.
    """

    items: Sequence[Item]
    keys: list[str | None]
    found: dict[str, dict] = field(default_factory=dict)
    misses: list[Item] = field(default_factory=list)

    def merge(self, fresh: Sequence[dict]) -> list[dict]:
        """One record per item, in order: ``fresh`` (the records of ``misses``) and cached ones."""
        from georeasoner.pipeline import audit_records

        by_item = {record["gr_item"]: record for record in fresh}
        by_key = {key: by_item[item.id] for item, key in zip(self.misses, self._miss_keys()) if key}
        records, reused = [], []
        for pos, (item, key) in enumerate(zip(self.items, self.keys)):
            if item.id in by_item:
                records.append(by_item[item.id])
                continue
            known = self.found.get(key) or by_key[key]
            records.append({**empty_record(item.id), **_shared_fields(known)})
            reused.append(pos)
        audit_records([self.items[p] for p in reused], [records[p] for p in reused])
        return records

    def _miss_keys(self) -> list[str | None]:
        key_of = {item.id: key for item, key in zip(self.items, self.keys)}
        return [key_of[item.id] for item in self.misses]

    def storable(self, fresh: Sequence[dict]) -> list[tuple[str, dict]]:
        """(key, fields) of the fresh records worth keeping: not errors, photo readable."""
        return [
            (key, _shared_fields(record))
            for key, record in zip(self._miss_keys(), fresh)
            if key is not None and record["gr_status"] != STATUS_ERROR
        ]


def _shared_fields(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in PER_ITEM_FIELDS}


class ResultCache:
    """The SQLite cache for one scope; ``lookup`` may run in a decode thread."""

    def __init__(self, path: str | Path, scope: str):
        self.path = Path(path)
        self.scope = scope
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS results (scope TEXT, content TEXT, record TEXT,"
            " PRIMARY KEY (scope, content)) WITHOUT ROWID"
        )
        self._db.commit()

    def lookup(self, items: Sequence[Item]) -> CachedBatch:
        """Hash the photos and fetch what the cache already holds for them."""
        keys = [content_key(item) for item in items]
        wanted = sorted({key for key in keys if key is not None})
        found: dict[str, dict] = {}
        with self._lock:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT content, record FROM results WHERE scope = ? AND content IN ({marks})", [self.scope, *chunk]
                )
                found.update((content, json.loads(record)) for content, record in rows)
        misses, queued = [], set()
        for item, key in zip(items, keys):
            if key is None or (key not in found and key not in queued):
                misses.append(item)
                if key is not None:
                    queued.add(key)
        return CachedBatch(items, keys, found, misses)

    def store(self, batch: CachedBatch, fresh: Sequence[dict]) -> None:
        """Keep the fresh records of ``batch.misses`` for later runs."""
        rows = [(self.scope, key, json.dumps(fields)) for key, fields in batch.storable(fresh)]
        if not rows:
            return
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO results VALUES (?,?,?)", rows)
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class NoCache:
    """What ``--no-cache`` uses: every photo is processed, nothing is kept."""

    def lookup(self, items: Sequence[Item]) -> CachedBatch:
        return CachedBatch(items, [None] * len(items), misses=list(items))

    def store(self, batch: CachedBatch, fresh: Sequence[dict]) -> None:
        return None

    def close(self) -> None:
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        return None


def open_result_cache(profile, engine: str, options, enabled: bool = True,
                      path: str | Path | None = None) -> ResultCache | NoCache:
    """The cache for a job's models and options, or ``NoCache`` when disabled or unusable."""
    if not enabled:
        return NoCache()
    path = Path(path) if path is not None else default_cache_path()
    try:
        return ResultCache(path, job_scope(profile, engine, options))
    except (OSError, sqlite3.Error) as exc:
        log.warning("result cache %s unusable (%s); running without it", path, exc)
        return NoCache()
