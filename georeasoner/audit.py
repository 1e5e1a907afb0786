"""The audit rule: is a photo's claimed location plausible given what the photo shows?

A photo is flagged (``gr_flag = 1``) when the model is confident, ``gr_conf >= MIN_CONFIDENCE``,
and the claimed point is either more than ``MIN_KM`` from the prediction *and* in another country
than the predicted one, or more than ``FAR_KM`` from the prediction whatever the countries. The
country test uses the offline reverse geocoder, so near-border claims within ``MIN_KM`` are never
flagged, and a low-confidence prediction never accuses a photo.
"""

from __future__ import annotations

import numpy as np

MIN_CONFIDENCE = 0.5
MIN_KM = 100.0
FAR_KM = 2500.0


def audit_claims(
    claimed_lat: np.ndarray,
    claimed_lon: np.ndarray,
    pred_lat: np.ndarray,
    pred_lon: np.ndarray,
    pred_cc: np.ndarray,
    confidence: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Error in km and the 0/1 flag for each photo; NaN inputs give NaN error and flag 0."""
    from georeasoner.geo.distance import haversine_km
    from georeasoner.geo.reverse import reverse

    claimed_lat, claimed_lon, pred_lat, pred_lon, confidence = (
        np.asarray(a, dtype=float) for a in (claimed_lat, claimed_lon, pred_lat, pred_lon, confidence)
    )
    err_km = haversine_km(claimed_lat, claimed_lon, pred_lat, pred_lon)
    known = ~np.isnan(err_km)
    claimed_cc = np.full(len(err_km), "", dtype=object)
    if known.any():
        claimed_cc[known] = reverse(claimed_lat[known], claimed_lon[known])["country_code"]
    other_country = claimed_cc != np.asarray(pred_cc, dtype=object)
    implausible = ((err_km > MIN_KM) & other_country) | (err_km > FAR_KM)
    flag = known & (np.nan_to_num(confidence) >= MIN_CONFIDENCE) & implausible
    return err_km, flag.astype(int)
