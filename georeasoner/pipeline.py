"""One batch of photos: decode -> locatability -> reasoner -> geocode -> audit -> records.

``process_batch`` never raises because one photo is bad: each photo that cannot be decoded,
or that makes a model fail on its own, becomes an ``error`` record with a one-line reason.
Decoding is split from model work so that a backend can decode the next batch in threads
while the model runs on this one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from georeasoner.errors import ItemError
from georeasoner.items import Item
from georeasoner.schema import STATUS_LOW_LOC, STATUS_OK, empty_record, error_record


@dataclass(frozen=True)
class Photo:
    """A decoded photo, with the scorer's input when a decode thread already made it."""

    image: Any
    scorer_input: Any = None


#: Decoded photo (a ``Photo`` or a bare image), or the ItemError saying why it could not be.
Decoded = Any

#: Asked between stages; True stops the batch (a worker's view of a cancelled job).
CancelCheck = Callable[[], bool]


class BatchCancelled(Exception):
    """The job was cancelled while this batch ran; its records are dropped."""


def _stop_if(cancelled: CancelCheck | None) -> None:
    if cancelled is not None and cancelled():
        raise BatchCancelled("job cancelled")


@dataclass(frozen=True)
class PipelineOptions:
    """How each batch is processed. JSON-safe, so a Celery task can carry it."""

    reason: bool = True
    min_loc: float = 0.0
    max_pixels: int = 89_478_485
    max_side: int | None = 1024
    decode_workers: int = 4
    allowed_roots: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict) -> "PipelineOptions":
        obj = dict(obj)
        obj["allowed_roots"] = tuple(obj.get("allowed_roots") or ())
        return cls(**obj)


def _check_allowed(path: str, roots: Sequence[str]) -> None:
    real = os.path.realpath(path)
    for root in roots:
        root = os.path.realpath(root)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return
    raise ItemError(f"path outside the worker's allowed roots: {path}")


def decode_batch(items: Sequence[Item], options: PipelineOptions, engines=None) -> list[Decoded]:
    """Decoded photos, or ``ItemError`` for the photos that cannot be used.

    With ``engines``, the decode threads also preprocess each photo for the scorer, so that
    the model's thread only computes; a job that only scores decodes JPEGs at the smallest
    scale that keeps the scorer's input size.
    """
    from georeasoner.images import decode_many

    decoded: list[Decoded] = [None] * len(items)
    sources, positions = [], []
    for pos, item in enumerate(items):
        try:
            if item.data is not None:
                sources.append(item.data)
            elif item.path:
                if options.allowed_roots:
                    _check_allowed(item.path, options.allowed_roots)
                sources.append(item.path)
            else:
                raise ItemError("no image path in this feature")
            positions.append(pos)
        except ItemError as exc:
            decoded[pos] = exc
    min_side, prepare = None, None
    if engines is not None:
        scorer = engines.scorer
        if not options.reason:
            min_side = min(scorer.model.visual.image_size)

        def prepare(image) -> Photo:
            try:
                return Photo(image, scorer.preprocess(image))
            except Exception:  # noqa: BLE001 - left to the model thread, which isolates the photo
                return Photo(image)

    results = decode_many(
        sources, max_workers=options.decode_workers, max_pixels=options.max_pixels, max_side=options.max_side,
        prepare=prepare, min_side=min_side,
    )
    for pos, result in zip(positions, results):
        decoded[pos] = result
    return decoded


def _isolating(run: Callable[[list], Sequence], inputs: list, what: str) -> list:
    """Run a model on a batch; if the batch fails, run photo by photo to isolate the bad ones."""
    if not inputs:
        return []
    try:
        return list(run(inputs))
    except Exception:  # noqa: BLE001 - any model failure must stay with the photo that caused it
        out: list = []
        for one in inputs:
            try:
                out.extend(run([one]))
            except Exception as exc:  # noqa: BLE001
                out.append(ItemError(f"{what} failed on this photo: {type(exc).__name__}: {exc}"))
        return out


def _place_of(answer) -> tuple[float | None, float | None, str | None, str | None, str | None]:
    """(lat, lon, country code, country, city) of an answer, geocoding its text when needed."""
    from georeasoner.geo.geocode import geocode

    if answer.abstained:
        return None, None, None, answer.country, answer.city
    text = ", ".join(p for p in (answer.city, answer.country) if p)
    place = geocode(text) if text else None
    if place is None and answer.country:
        place = geocode(answer.country)
    if answer.lat is not None and answer.lon is not None:
        cc = place.country_code if place else None
        return answer.lat, answer.lon, cc, (place.country if place else answer.country), answer.city
    if place is None:
        return None, None, None, answer.country, answer.city
    return place.lat, place.lon, place.country_code, place.country, answer.city or place.city


def process_decoded(
    items: Sequence[Item],
    decoded: Sequence[Decoded],
    engines,
    options: PipelineOptions,
    cancelled: CancelCheck | None = None,
) -> list[dict]:
    """Records for ``items`` whose images are already decoded (see ``decode_batch``).

    ``cancelled`` is checked before each model stage; raises ``BatchCancelled`` when it says so.
    """
    model = engines.model_id
    records = [empty_record(item.id) for item in items]
    usable, photos = [], {}
    for pos, image in enumerate(decoded):
        if isinstance(image, ItemError):
            records[pos] = error_record(items[pos].id, str(image), model)
        else:
            usable.append(pos)
            photos[pos] = image if isinstance(image, Photo) else Photo(image)

    _stop_if(cancelled)
    scorer_inputs = [photos[p].image if photos[p].scorer_input is None else photos[p].scorer_input for p in usable]
    scores = _isolating(lambda imgs: engines.scorer.score(imgs), scorer_inputs, "locatability model")
    to_reason = []
    for pos, score in zip(usable, scores):
        if isinstance(score, ItemError):
            records[pos] = error_record(items[pos].id, str(score), model)
            continue
        records[pos].update(gr_status=STATUS_OK, gr_loc=float(score), gr_model=model)
        if options.reason:
            if score < options.min_loc:
                records[pos]["gr_status"] = STATUS_LOW_LOC
            else:
                to_reason.append(pos)

    _stop_if(cancelled)
    answers = _isolating(lambda imgs: engines.reasoner.locate(imgs), [photos[p].image for p in to_reason], "reasoner")
    for pos, answer in zip(to_reason, answers):
        if isinstance(answer, ItemError):
            records[pos] = error_record(items[pos].id, str(answer), model)
            continue
        lat, lon, cc, country, city = _place_of(answer)
        records[pos].update(
            gr_country=country, gr_cc=cc, gr_city=city, gr_lat=lat, gr_lon=lon,
            gr_conf=float(answer.confidence), gr_cc_conf=float(answer.country_confidence), gr_reason=answer.reasons,
        )
    audit_records(items, records)
    return records


def audit_records(items: Sequence[Item], records: list[dict]) -> None:
    """Fill ``gr_err_km`` and ``gr_flag`` of the records that have a prediction and a claim."""
    from georeasoner.audit import audit_claims

    rows = [i for i, (item, r) in enumerate(zip(items, records)) if item.has_claim and r.get("gr_lat") is not None]
    if not rows:
        return
    err_km, flags = audit_claims(
        np.array([items[i].claimed_lat for i in rows]),
        np.array([items[i].claimed_lon for i in rows]),
        np.array([records[i]["gr_lat"] for i in rows]),
        np.array([records[i]["gr_lon"] for i in rows]),
        np.array([records[i]["gr_cc"] or "" for i in rows], dtype=object),
        np.array([records[i]["gr_conf"] for i in rows]),
        np.array([records[i]["gr_cc_conf"] for i in rows]),
    )
    for i, km, flag in zip(rows, err_km, flags):
        records[i]["gr_err_km"] = round(float(km), 3)
        records[i]["gr_flag"] = int(flag)


def process_batch(
    items: Sequence[Item], engines, options: PipelineOptions, cancelled: CancelCheck | None = None
) -> list[dict]:
    """One record per item, in order; bad photos become ``error`` records."""
    decoded = decode_batch(items, options, engines)
    return process_decoded(items, decoded, engines, options, cancelled)
