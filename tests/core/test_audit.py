"""The audit rule flags confident predictions far from the claimed place (georeasoner.audit)."""

import numpy as np

from georeasoner.audit import audit_claims

PARIS = (48.8566, 2.3522)
BERLIN = (52.52, 13.405)
STRASBOURG = (48.5734, 7.7521)
KEHL = (48.5728, 7.8158)  # across the Rhine from Strasbourg, in Germany
NEW_YORK = (40.7128, -74.0060)
LOS_ANGELES = (34.0522, -118.2437)


def _audit(claim, pred, cc, conf, country_conf=None):
    err, flag = audit_claims(
        np.array([claim[0]]), np.array([claim[1]]), np.array([pred[0]]), np.array([pred[1]]),
        np.array([cc], dtype=object), np.array([conf]), np.array([conf if country_conf is None else country_conf]),
    )
    return float(err[0]), int(flag[0])


def test_confident_prediction_in_another_country_flags_the_claim():
    err, flag = _audit(BERLIN, PARIS, "FR", 0.9)
    assert 870 < err < 890
    assert flag == 1


def test_unconfident_prediction_never_flags():
    assert _audit(BERLIN, PARIS, "FR", 0.2)[1] == 0


def test_a_model_sure_of_the_country_but_not_the_city_flags_a_claim_abroad():
    assert _audit(BERLIN, PARIS, "FR", conf=0.3, country_conf=0.9)[1] == 1


def test_a_model_unsure_of_the_country_does_not_flag_a_claim_abroad():
    assert _audit(BERLIN, PARIS, "FR", conf=0.3, country_conf=0.4)[1] == 0


def test_far_claims_in_the_same_country_need_confidence_in_the_whole_answer():
    assert _audit(LOS_ANGELES, NEW_YORK, "US", conf=0.3, country_conf=0.99)[1] == 0


def test_claim_just_across_a_border_is_not_flagged():
    err, flag = _audit(KEHL, STRASBOURG, "FR", 0.99)
    assert err < 10
    assert flag == 0


def test_claim_in_the_same_country_is_not_flagged_when_within_the_far_limit():
    assert _audit(STRASBOURG, PARIS, "FR", 0.99)[1] == 0


def test_claim_very_far_away_in_the_same_country_is_flagged():
    err, flag = _audit(LOS_ANGELES, NEW_YORK, "US", 0.9)
    assert err > 2500
    assert flag == 1


def test_swapped_latitude_and_longitude_is_flagged():
    assert _audit((PARIS[1], PARIS[0]), PARIS, "FR", 0.8)[1] == 1
