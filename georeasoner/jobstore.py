"""Records of a running job, kept on disk beside the output until the GeoPackage is written.

The store is what makes jobs resumable and de-duplicated: records are keyed by the photo's
row (``gr_item``), so a batch that runs twice (a redelivered Celery task) is harmless, and an
interrupted job leaves the store, never a half-written GeoPackage. It is a SQLite file named
``OUT.gpkg.job``, removed once the output is in place.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Sequence

from georeasoner.errors import GeoReasonerError
from georeasoner.schema import STATUS_ERROR, STATUS_LOW_LOC, STATUS_OK


def store_path(out_path: str) -> str:
    return f"{out_path}.job"


class JobStore:
    """A SQLite table of records keyed by item, plus the job's fingerprint."""

    def __init__(self, path: str, fingerprint: dict, resume: bool) -> None:
        self.path = path
        if os.path.exists(path) and not resume:
            os.remove(path)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS records (item INTEGER PRIMARY KEY, status TEXT, flag INTEGER, record TEXT)"
        )
        self._check_fingerprint(fingerprint)
        self._db.commit()

    def _check_fingerprint(self, fingerprint: dict) -> None:
        wanted = json.dumps(fingerprint, sort_keys=True)
        row = self._db.execute("SELECT value FROM meta WHERE key='job'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('job', ?)", (wanted,))
        elif row[0] != wanted:
            raise GeoReasonerError(
                f"{self.path} belongs to a job with other inputs or options; "
                "rerun without --resume to start afresh"
            )

    def put(self, records: Iterable[dict]) -> int:
        """Store records; ones already stored are ignored. Returns how many were new."""
        rows = [(r["gr_item"], r["gr_status"], r.get("gr_flag") or 0, json.dumps(r)) for r in records]
        before = self._db.total_changes
        self._db.executemany("INSERT OR IGNORE INTO records VALUES (?,?,?,?)", rows)
        self._db.commit()
        return self._db.total_changes - before

    def done_items(self) -> set[int]:
        return {row[0] for row in self._db.execute("SELECT item FROM records")}

    def get(self, items: Sequence[int]) -> list[dict]:
        """Records of ``items`` in that order; every item must have been stored."""
        found: dict[int, dict] = {}
        for start in range(0, len(items), 900):
            chunk = list(items[start : start + 900])
            marks = ",".join("?" * len(chunk))
            for item, record in self._db.execute(f"SELECT item, record FROM records WHERE item IN ({marks})", chunk):
                found[item] = json.loads(record)
        missing = [i for i in items if i not in found]
        if missing:
            raise GeoReasonerError(f"no result for {len(missing)} photos (first: row {missing[0]}); rerun with --resume")
        return [found[i] for i in items]

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys((STATUS_OK, STATUS_LOW_LOC, STATUS_ERROR), 0)
        for status, n in self._db.execute("SELECT status, COUNT(*) FROM records GROUP BY status"):
            counts[status] = n
        counts["flagged"] = self._db.execute("SELECT COUNT(*) FROM records WHERE flag = 1").fetchone()[0]
        return counts

    def close(self, remove: bool = False) -> None:
        self._db.close()
        if remove:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(self.path + suffix):
                    os.remove(self.path + suffix)
