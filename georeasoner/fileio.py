"""Writing files so that a reader never sees a half-written one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from georeasoner.errors import GeoReasonerError

def user_cache_dir() -> Path:
    """Where GeoReasoner keeps caches: ``$GEOREASONER_CACHE_DIR``, else the XDG cache folder."""
    base = os.environ.get("GEOREASONER_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "georeasoner"
    )
    return Path(base)


#: Files SQLite (GeoPackage) may leave beside a database.
_SIDECARS = ("-wal", "-shm", "-journal")


@contextmanager
def atomic_output(out_path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``out_path``; rename it onto ``out_path`` on success.

    On any exception (Ctrl-C included) the temporary file and its SQLite side files are
    removed and ``out_path`` is left as it was. ``suffix`` keeps an extension that a
    writer needs to pick its format (``.gpkg``).
    """
    out = Path(out_path).expanduser().resolve()
    if not out.parent.is_dir():
        raise GeoReasonerError(f"folder {out.parent} does not exist; create it or write elsewhere")
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}{suffix}")
    try:
        yield tmp
        os.replace(tmp, out)
    finally:
        for leftover in (tmp, *(Path(f"{tmp}{side}") for side in _SIDECARS)):
            leftover.unlink(missing_ok=True)
