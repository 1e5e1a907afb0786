"""The audit rule: is a photo's claimed location plausible given what the photo shows?

A photo is flagged (``gr_flag = 1``) when either

- the model is confident of its country (its probability of the country tokens is at least
  ``MIN_CONFIDENCE``) and the claimed point lies in another country, more than ``MIN_KM`` from
  the prediction; or
- the model is confident of its whole answer (``gr_conf``, country and city, at least
  ``MIN_CONFIDENCE``) and the claimed point is more than ``FAR_KM`` from the prediction.

The country of the claim comes from the offline reverse geocoder, so near-border claims within
``MIN_KM`` are never flagged, and a hesitant model never accuses a photo. The country test uses
the country's own probability because a claim in the wrong country is implausible whatever the
city: a model sure of Japan but torn between Osaka and Kyoto still refutes a point in Brazil.
"""

from __future__ import annotations

import numpy as np

MIN_CONFIDENCE = 0.6
MIN_KM = 100.0
FAR_KM = 2500.0


def audit_claims(
    claimed_lat: np.ndarray,
    claimed_lon: np.ndarray,
    pred_lat: np.ndarray,
    pred_lon: np.ndarray,
    pred_cc: np.ndarray,
    confidence: np.ndarray,
    country_confidence: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Error in km and the 0/1 flag for each photo; NaN inputs give NaN error and flag 0."""
    from georeasoner.geo.distance import haversine_km
    from georeasoner.geo.reverse import reverse

    claimed_lat, claimed_lon, pred_lat, pred_lon, confidence, country_confidence = (
        np.asarray(a, dtype=float)
        for a in (claimed_lat, claimed_lon, pred_lat, pred_lon, confidence, country_confidence)
    )
    err_km = haversine_km(claimed_lat, claimed_lon, pred_lat, pred_lon)
    known = ~np.isnan(err_km)
    claimed_cc = np.full(len(err_km), "", dtype=object)
    if known.any():
        claimed_cc[known] = reverse(claimed_lat[known], claimed_lon[known])["country_code"]
    other_country = claimed_cc != np.asarray(pred_cc, dtype=object)
    sure_of_country = np.nan_to_num(country_confidence) >= MIN_CONFIDENCE
    sure_of_answer = np.nan_to_num(confidence) >= MIN_CONFIDENCE
    flag = known & ((sure_of_country & other_country & (err_km > MIN_KM)) | (sure_of_answer & (err_km > FAR_KM)))
    return err_km, flag.astype(int)
