"""Held-out metrics of trained models beyond distances: place accuracy, calibration, clues.

Distance and reverse-geocoded metrics come from ``georeasoner.evaluation.evaluate``; this
module adds what training needs to judge a reasoner: name accuracy of country and city, the
expected calibration error of its confidence, and whether its reasons name clues that the
scene really shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _norm(name: str | None) -> str:
    return " ".join((name or "").lower().split())


def same_place(predicted: str | None, truth: str | None) -> bool:
    return bool(predicted) and _norm(predicted) == _norm(truth)


def answer_correct(country: str | None, city: str | None, true_country: str, true_city: str) -> bool:
    """Whether an answer is right in all it claims: the country, and the city when named.

    This is the event the reasoner's confidence (product of the country and city token
    probabilities) is the probability of.
    """
    return same_place(country, true_country) and (not city or same_place(city, true_city))


def ece(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """Expected calibration error: the bin-weighted gap between mean confidence and accuracy,
    over ``bins`` equal-width confidence bins."""
    confidence = np.clip(np.asarray(confidence, dtype=float), 0.0, 1.0)
    correct = np.asarray(correct, dtype=float)
    if confidence.size == 0:
        raise ValueError("ece needs at least one prediction")
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    gap = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            gap += members.mean() * abs(confidence[members].mean() - correct[members].mean())
    return float(gap)


def mentioned_clues(reasons: str | None, vocabulary: Sequence[str]) -> set[str]:
    """Clue phrases of ``vocabulary`` that the reasons name, longest first, without overlap."""
    text = (reasons or "").lower()
    found = set()
    for phrase in sorted(vocabulary, key=len, reverse=True):
        needle = phrase.lower()
        if needle in text:
            found.add(phrase)
            text = text.replace(needle, " | ")
    return found


def clue_scores(reasons: Sequence[str | None], clues: Sequence[Sequence[str]],
                vocabulary: Sequence[str] | None = None) -> dict:
    """Micro-averaged clue precision (share of named clues the scene shows) and recall
    (share of shown clues that are named), with the number of clues named."""
    vocabulary = list(vocabulary) if vocabulary is not None else world_clue_vocabulary()
    named = hits = shown = 0
    for text, truth in zip(reasons, clues):
        found = mentioned_clues(text, vocabulary)
        named += len(found)
        hits += len(found & set(truth))
        shown += len(truth)
    return {
        "clue_precision": hits / named if named else None,
        "clue_recall": hits / shown if shown else None,
        "clues_named": named,
    }


def clue_precision(reasons: Sequence[str | None], clues: Sequence[Sequence[str]],
                   vocabulary: Sequence[str] | None = None) -> float | None:
    """Share of the clues named in the reasons that the scenes really show (None: none named)."""
    return clue_scores(reasons, clues, vocabulary)["clue_precision"]


def world_clue_vocabulary(countries: Sequence[str] | None = None) -> list[str]:
    """Every clue text the synthetic world can show."""
    from training.synthetic import build_world
    from training.synthetic.clues import clue_texts

    world = build_world(countries)
    return sorted({text for country in world.countries for city in country.cities
                   for text in clue_texts(country, city).values()})


def answer_point(country: str | None, city: str | None) -> tuple[float, float]:
    """Coordinates of a named place through the project's geocoder; NaN when none."""
    from georeasoner.geo.geocode import geocode

    text = ", ".join(part for part in (city, country) if part)
    place = geocode(text) if text else None
    if place is None and country:
        place = geocode(country)
    return (place.lat, place.lon) if place else (float("nan"), float("nan"))


def reasoner_metrics(answers: Sequence, metas: Sequence[dict], vocabulary: Sequence[str] | None = None) -> dict:
    """All held-out metrics of reasoner answers (``georeasoner.reasoner.answer.Answer``)
    against scene truth (``meta`` of conversation records: country, city, lat, lon, clues)."""
    from georeasoner.evaluation import evaluate

    countries = [same_place(a.country, m["country"]) for a, m in zip(answers, metas)]
    cities = [same_place(a.city, m["city"]) for a, m in zip(answers, metas)]
    correct = [answer_correct(a.country, a.city, m["country"], m["city"]) for a, m in zip(answers, metas)]
    points = np.array([answer_point(a.country, a.city) for a in answers], dtype=float).reshape(-1, 2)
    truth = np.array([(m["lat"], m["lon"]) for m in metas], dtype=float).reshape(-1, 2)
    geo = evaluate(points[:, 0], points[:, 1], truth[:, 0], truth[:, 1])
    metrics = {
        "n": len(answers),
        "country_acc": float(np.mean(countries)),
        "city_acc": float(np.mean(cities)),
        "abstained": float(np.mean([a.abstained for a in answers])),
        "ece": ece([a.confidence for a in answers], correct),
        "mean_confidence": float(np.mean([a.confidence for a in answers])),
        "answer_acc": float(np.mean(correct)),
        **clue_scores([a.reasons for a in answers], [m.get("clues", []) for m in metas], vocabulary),
        "geo": geo,
    }
    return metrics


def spearman(predicted: Sequence[float], truth: Sequence[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(predicted, truth).statistic)
