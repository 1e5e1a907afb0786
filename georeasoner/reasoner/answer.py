"""What a reasoning engine says about one photo."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    """A reasoner's answer. ``abstained`` answers carry no place; ``reasons`` says why.

    ``confidence`` is in 0..1 and comes from the model's own probabilities of its country and
    city; ``country_confidence`` is the probability of the country alone, which the audit
    uses to judge a claim in another country.
    ``lat``/``lon`` are set only by engines that already know the point (CLIP zero-shot);
    otherwise the pipeline geocodes ``city, country``.
    """

    country: str | None
    city: str | None
    reasons: str | None
    confidence: float
    abstained: bool
    raw: str
    model: str
    country_confidence: float = 0.0
    lat: float | None = None
    lon: float | None = None
