"""CLIP zero-shot geolocation: a gazetteer country, then one of its largest cities."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from georeasoner.geo import geocode
from georeasoner.reasoner.clip_zeroshot import ClipZeroShotReasoner
from georeasoner.tiny.open_clip import build_tiny_clip

NUM_CITIES = 5


def _photos(count: int) -> list[Image.Image]:
    rng = np.random.default_rng(7)
    return [Image.fromarray(rng.integers(0, 255, size=(60 + 10 * i, 90, 3), dtype=np.uint8)) for i in range(count)]


@pytest.fixture(scope="module")
def reasoner(tmp_path_factory):
    clip_dir = build_tiny_clip(tmp_path_factory.mktemp("tiny_clip"))
    return ClipZeroShotReasoner(str(clip_dir), "cpu", num_cities=NUM_CITIES, batch_size=2)


@pytest.fixture(scope="module")
def answers(reasoner):
    return reasoner.locate(_photos(3))


def _code_of(country: str) -> str:
    return next(cc for cc in geocode.all_country_codes() if geocode.country_name(cc) == country)


def test_answers_name_a_gazetteer_country_and_one_of_its_largest_cities(answers):
    assert len(answers) == 3
    for answer in answers:
        cities = geocode.largest_cities(_code_of(answer.country), NUM_CITIES)
        assert answer.city in [name for name, _, _, _ in cities]
        assert not answer.abstained


def test_answer_coordinates_are_those_of_the_chosen_city(answers):
    for answer in answers:
        cities = {name: (lat, lon) for name, lat, lon, _ in geocode.largest_cities(_code_of(answer.country), NUM_CITIES)}
        assert (answer.lat, answer.lon) == cities[answer.city]


def test_confidence_is_country_probability_times_city_probability(answers):
    for answer in answers:
        ranked = json.loads(answer.raw)
        assert 0 < answer.confidence <= 1
        assert answer.confidence == pytest.approx(ranked["countries"][0][1] * ranked["cities"][0][1])


def test_reasons_name_the_top_alternatives(answers):
    for answer in answers:
        ranked = json.loads(answer.raw)
        runner_up_country, runner_up_city = ranked["countries"][1][0], ranked["cities"][1][0]
        assert runner_up_country in answer.reasons
        assert runner_up_city in answer.reasons


def test_batched_answers_equal_one_by_one(reasoner, answers):
    photos = _photos(3)
    single = [reasoner.locate([photo])[0] for photo in photos]
    assert [(a.country, a.city) for a in single] == [(a.country, a.city) for a in answers]
    np.testing.assert_allclose([a.confidence for a in single], [a.confidence for a in answers], rtol=1e-5)


def test_answers_carry_the_engine_model_id(reasoner, answers):
    assert reasoner.model_id.startswith("clip-zeroshot:")
    assert all(answer.model == reasoner.model_id for answer in answers)
