"""Geolocation metrics on coordinate arrays.

A prediction whose latitude or longitude is missing (NaN) is an *abstention*: the model
declined to answer. The metrics treat abstentions as follows:

- ``acc_1km`` ... ``acc_2500km``: share of ALL truth rows whose prediction lies within the
  threshold (``d <= threshold``); abstentions count as wrong.
- ``median_km``, ``mean_km``, ``geoscore``: over answered rows only. GeoScore is the
  GeoGuessr-style ``5000 * exp(-d / 1492.7)``.
- ``country_acc``, ``city_acc``: share of ALL truth rows whose prediction reverse-geocodes to
  the same country (same country, region and city) as the truth point.
- GeoReasoner-style (Li et al., ICML 2024): ``precision`` = country accuracy over the
  answered rows, ``recall`` = share of rows answered, ``f1`` = their harmonic mean.

A metric that is undefined (no answered rows, no rows at all) is ``None``.
"""

from __future__ import annotations

import numpy as np

from georeasoner.errors import GeoReasonerError

THRESHOLDS_KM: tuple[int, ...] = (1, 25, 200, 750, 2500)
GEOSCORE_MAX = 5000.0
GEOSCORE_SCALE_KM = 1492.7

#: Keys of the dict returned by :func:`evaluate`, in display order.
METRIC_KEYS: tuple[str, ...] = (
    "total",
    "answered",
    *(f"acc_{t}km" for t in THRESHOLDS_KM),
    "median_km",
    "mean_km",
    "geoscore",
    "country_acc",
    "city_acc",
    "precision",
    "recall",
    "f1",
)


def error_km(pred_lat, pred_lon, true_lat, true_lon) -> np.ndarray:
    """Great-circle error per row in km; NaN where the prediction is an abstention."""
    from georeasoner.geo.distance import haversine_km

    pred_lat, pred_lon, true_lat, true_lon = _as_float_arrays(pred_lat, pred_lon, true_lat, true_lon)
    answered = _answered(pred_lat, pred_lon)
    errors = np.full(pred_lat.shape, np.nan)
    errors[answered] = haversine_km(pred_lat[answered], pred_lon[answered], true_lat[answered], true_lon[answered])
    return errors


def accuracy_within(errors_km: np.ndarray, threshold_km: float) -> float | None:
    """Share of all rows with ``error <= threshold``; NaN (abstention) counts as wrong."""
    errors_km = np.asarray(errors_km, dtype=float)
    if errors_km.size == 0:
        return None
    return float(np.count_nonzero(errors_km <= threshold_km) / errors_km.size)


def geoscore(errors_km) -> np.ndarray:
    """GeoGuessr-style score per row: 5000 at 0 km, decaying with a 1492.7 km scale."""
    return GEOSCORE_MAX * np.exp(-np.asarray(errors_km, dtype=float) / GEOSCORE_SCALE_KM)


def evaluate(pred_lat, pred_lon, true_lat, true_lon) -> dict:
    """All metrics (see the module docstring) as a flat dict keyed by :data:`METRIC_KEYS`."""
    pred_lat, pred_lon, true_lat, true_lon = _as_float_arrays(pred_lat, pred_lon, true_lat, true_lon)
    _check_truth(true_lat, true_lon)
    _check_range("predicted", pred_lat, pred_lon)

    errors = error_km(pred_lat, pred_lon, true_lat, true_lon)
    answered = np.isfinite(errors)
    total, n_answered = int(errors.size), int(answered.sum())
    answered_errors = errors[answered]
    same_country, same_city = _same_places(pred_lat, pred_lon, true_lat, true_lon, answered)

    metrics: dict = {"total": total, "answered": n_answered}
    for threshold in THRESHOLDS_KM:
        metrics[f"acc_{threshold}km"] = accuracy_within(errors, threshold)
    metrics["median_km"] = _reduce_or_none(answered_errors, np.median)
    metrics["mean_km"] = _reduce_or_none(answered_errors, np.mean)
    metrics["geoscore"] = _reduce_or_none(geoscore(answered_errors), np.mean)
    metrics["country_acc"] = _share(same_country.sum(), total)
    metrics["city_acc"] = _share(same_city.sum(), total)
    precision = _share(same_country.sum(), n_answered)
    recall = _share(n_answered, total)
    metrics["precision"] = precision
    metrics["recall"] = recall
    metrics["f1"] = _harmonic_mean(precision, recall)
    return metrics


def _same_places(pred_lat, pred_lon, true_lat, true_lon, answered) -> tuple[np.ndarray, np.ndarray]:
    """Per row: does the prediction fall in the truth's country, and in its city?

    Only answered rows are reverse-geocoded; a place the gazetteer cannot name (empty
    country code) never matches.
    """
    from georeasoner.geo.reverse import reverse

    same_country = np.zeros(true_lat.shape, dtype=bool)
    same_city = np.zeros(true_lat.shape, dtype=bool)
    if not answered.any():
        return same_country, same_city
    truth = reverse(true_lat[answered], true_lon[answered])
    pred = reverse(pred_lat[answered], pred_lon[answered])
    true_cc, pred_cc = _codes(truth["country_code"]), _codes(pred["country_code"])
    country = (true_cc == pred_cc) & (true_cc != "")
    city = (
        country
        & (_codes(truth["region"]) == _codes(pred["region"]))
        & (_codes(truth["city"]) == _codes(pred["city"]))
        & (_codes(truth["city"]) != "")
    )
    same_country[answered] = country
    same_city[answered] = city
    return same_country, same_city


def _codes(values) -> np.ndarray:
    """Names as comparable strings; None/NaN become ''."""
    return np.array(["" if v is None or v != v else str(v) for v in np.asarray(values, dtype=object)], dtype=object)


def _as_float_arrays(*columns) -> list[np.ndarray]:
    arrays = [np.atleast_1d(np.asarray(c, dtype=float)) for c in columns]
    if len({a.shape for a in arrays}) != 1:
        raise GeoReasonerError(
            f"predicted and true coordinates have different lengths {[a.size for a in arrays]}; "
            "pass one prediction per truth row"
        )
    return arrays


def _answered(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return np.isfinite(lat) & np.isfinite(lon)


def _check_truth(lat: np.ndarray, lon: np.ndarray) -> None:
    missing = np.flatnonzero(~_answered(lat, lon))
    if missing.size:
        raise GeoReasonerError(
            f"{missing.size} truth rows have no coordinates (first at row {missing[0]}); "
            "fix or remove them from the truth file"
        )
    _check_range("truth", lat, lon)


def _check_range(which: str, lat: np.ndarray, lon: np.ndarray) -> None:
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero((np.abs(lat) > 90) | (np.abs(lon) > 180))
    if bad.size:
        raise GeoReasonerError(
            f"{bad.size} {which} rows have coordinates outside -90..90 / -180..180 "
            f"(first at row {bad[0]}: {lat[bad[0]]}, {lon[bad[0]]}); "
            "check that the latitude and longitude columns are in degrees and not swapped"
        )


def _share(count, total: int) -> float | None:
    return float(count) / total if total else None


def _reduce_or_none(values: np.ndarray, reduce) -> float | None:
    return float(reduce(values)) if values.size else None


def _harmonic_mean(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)
