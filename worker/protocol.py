"""What the client and the worker exchange through Redis: the batch payload and the key names.

A batch task carries one JSON object (version, job, batch number, model profile, engine,
pipeline options, items). The worker validates it before doing anything, so a malformed
message ends as a ``rejected`` result instead of an exception that would be retried.
"""

from __future__ import annotations

from dataclasses import dataclass

from georeasoner.items import Item
from georeasoner.pipeline import PipelineOptions

TASK_NAME = "georeasoner.process_batch"
DEFAULT_QUEUE = "georeasoner"
PAYLOAD_VERSION = 1
KEY_PREFIX = "georeasoner"

#: Worker results: ``status`` is one of these.
DONE, CANCELLED, REJECTED = "done", "cancelled", "rejected"


class PayloadError(ValueError):
    """The task message is not a batch this worker can run; the message says why."""


@dataclass(frozen=True)
class BatchRequest:
    """One batch of a job, as the worker receives it."""

    job: str
    batch: int
    profile: dict
    engine: str
    options: PipelineOptions
    items: list[Item]
    #: item id -> reason, for photos the client could not send (inline transport).
    item_errors: dict[int, str]

    def to_json(self) -> dict:
        items = []
        for item in self.items:
            obj = item.to_json()
            if item.id in self.item_errors:
                obj["error"] = self.item_errors[item.id]
            items.append(obj)
        return {
            "v": PAYLOAD_VERSION,
            "job": self.job,
            "batch": self.batch,
            "profile": self.profile,
            "engine": self.engine,
            "options": self.options.to_json(),
            "items": items,
        }


def _field(obj: dict, name: str, kind: type | tuple[type, ...]):
    if name not in obj:
        raise PayloadError(f"missing field {name!r}")
    value = obj[name]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise PayloadError(f"field {name!r} has the wrong type ({type(value).__name__})")
    return value


def parse_payload(obj) -> BatchRequest:
    """The batch that ``obj`` describes; raises ``PayloadError`` when it is not one."""
    if not isinstance(obj, dict):
        raise PayloadError(f"a batch is a JSON object, not {type(obj).__name__}")
    if obj.get("v") != PAYLOAD_VERSION:
        raise PayloadError(f"payload version {obj.get('v')!r} is not {PAYLOAD_VERSION}; "
                           "update the client or the worker")
    job = _field(obj, "job", str)
    batch = _field(obj, "batch", int)
    profile = _field(obj, "profile", dict)
    engine = _field(obj, "engine", str)
    try:
        options = PipelineOptions.from_json(_field(obj, "options", dict))
    except TypeError as exc:
        raise PayloadError(f"bad pipeline options: {exc}") from exc
    items, errors = [], {}
    for raw in _field(obj, "items", list):
        try:
            item = Item.from_json(raw)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise PayloadError(f"bad item {str(raw)[:80]}: {type(exc).__name__}: {exc}") from exc
        if isinstance(raw.get("error"), str):
            errors[item.id] = raw["error"]
        items.append(item)
    if not items:
        raise PayloadError("the batch holds no items")
    return BatchRequest(job, batch, profile, engine, options, items, errors)


def batch_items(obj) -> list[int]:
    """Item ids of a payload, as far as they can be read (to answer a rejected batch)."""
    try:
        return [int(raw["id"]) for raw in obj["items"]]
    except (KeyError, TypeError, ValueError):
        return []


def cancel_key(job: str) -> str:
    return f"{KEY_PREFIX}:cancel:{job}"


def deliveries_key(job: str, batch: int) -> str:
    return f"{KEY_PREFIX}:deliveries:{job}:{batch}"


def worker_key(hostname: str) -> str:
    return f"{KEY_PREFIX}:worker:{hostname}"


def worker_key_pattern() -> str:
    return f"{KEY_PREFIX}:worker:*"


def task_id(job: str, batch: int) -> str:
    return f"{job}-{batch}"
