"""The result schema written for every photo (DESIGN.md). Names fit in 10 characters."""

from __future__ import annotations

STATUS_OK = "ok"
STATUS_LOW_LOC = "low_loc"
STATUS_ERROR = "error"

#: Field name -> Python type of its values. ``gr_item`` is the 0-based row of the
#: photo in the input layer; it keys results for resume and de-duplication.
RESULT_FIELDS: dict[str, type] = {
    "gr_item": int,
    "gr_status": str,
    "gr_error": str,
    "gr_loc": float,
    "gr_country": str,
    "gr_cc": str,
    "gr_city": str,
    "gr_lat": float,
    "gr_lon": float,
    "gr_conf": float,
    "gr_cc_conf": float,
    "gr_reason": str,
    "gr_err_km": float,
    "gr_flag": int,
    "gr_model": str,
}


def empty_record(item_id: int) -> dict:
    """A record with every field present and unknown values as None."""
    record = dict.fromkeys(RESULT_FIELDS)
    record["gr_item"] = item_id
    return record


def error_record(item_id: int, reason: str, model: str | None = None) -> dict:
    """The record of a photo that could not be processed; ``reason`` is one line."""
    record = empty_record(item_id)
    record["gr_status"] = STATUS_ERROR
    record["gr_error"] = " ".join(str(reason).split())[:250]
    record["gr_model"] = model
    return record
