"""One photo to process: what the pipeline, the backends and the worker pass around."""

from __future__ import annotations

import base64
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """A photo of the input layer.

    ``id`` is the photo's 0-based row in the input layer. ``path`` is an absolute path
    (shared storage); ``data`` holds the image bytes instead when they travel inline.
    ``claimed_lat``/``claimed_lon`` are the feature's own location in EPSG:4326, if any.
    """

    id: int
    path: str | None = None
    data: bytes | None = None
    claimed_lat: float | None = None
    claimed_lon: float | None = None

    @property
    def has_claim(self) -> bool:
        return self.claimed_lat is not None and self.claimed_lon is not None

    def to_json(self) -> dict:
        """A JSON-safe dict (bytes as base64), for Celery's JSON serializer."""
        out = {"id": self.id, "path": self.path, "claimed_lat": self.claimed_lat, "claimed_lon": self.claimed_lon}
        if self.data is not None:
            out["data_b64"] = base64.b64encode(self.data).decode("ascii")
        return out

    @classmethod
    def from_json(cls, obj: dict) -> "Item":
        data = obj.get("data_b64")
        return cls(
            id=int(obj["id"]),
            path=obj.get("path"),
            data=base64.b64decode(data) if data is not None else None,
            claimed_lat=obj.get("claimed_lat"),
            claimed_lon=obj.get("claimed_lon"),
        )
