"""CLIP zero-shot geolocation in the manner of StreetCLIP (Haas et al., 2023).

Two steps per photo: rank "A street view photo in {country}." over every gazetteer country,
then rank "A street view photo in {city}, {country}." over the chosen country's largest
cities. The answer is that city, at the gazetteer's coordinates.

``confidence = P(country) * P(city | country)``, each a softmax over CLIP's scaled
image-text similarities: the probability of the whole (country, city) answer under the
model, not of the country alone.
"""

from __future__ import annotations

import json
import threading

import numpy as np
import torch
from PIL import Image

from georeasoner.clip import load_clip
from georeasoner.geo import geocode
from georeasoner.reasoner.answer import Answer

COUNTRY_TEMPLATE = "A street view photo in {country}."
CITY_TEMPLATE = "A street view photo in {city}, {country}."
DEFAULT_NUM_CITIES = 30
NUM_ALTERNATIVES = 3

_text_cache: dict[tuple[str, str, str], torch.Tensor] = {}
_text_lock = threading.Lock()


class ClipZeroShotReasoner:
    """Country, then city, by zero-shot CLIP ranking of gazetteer place prompts."""

    def __init__(self, clip_spec: str, device: str = "cpu", num_cities: int = DEFAULT_NUM_CITIES,
                 batch_size: int = 32):
        self.clip_spec = clip_spec
        self.device = device
        self.num_cities = num_cities
        self.batch_size = batch_size
        self.model_id = f"clip-zeroshot:{clip_spec}"
        self.model, self.preprocess, self.tokenizer = load_clip(clip_spec, device)
        self.country_codes = geocode.all_country_codes()
        self._logit_scale = float(self.model.logit_scale.detach().exp())
        self._country_embeddings = self._text_embeddings(
            "countries",
            [COUNTRY_TEMPLATE.format(country=geocode.country_name(cc)) for cc in self.country_codes],
        )

    def locate(self, images: list[Image.Image]) -> list[Answer]:
        """One answer per photo, computed in batches of ``batch_size``."""
        answers: list[Answer] = []
        for start in range(0, len(images), self.batch_size):
            embeddings = self._image_embeddings(images[start:start + self.batch_size])
            answers.extend(self._answer(embedding) for embedding in embeddings)
        return answers

    def _answer(self, image_embedding: torch.Tensor) -> Answer:
        country_probs = self._probabilities(image_embedding, self._country_embeddings)
        country_order = np.argsort(-country_probs)
        cc = self.country_codes[country_order[0]]
        country = geocode.country_name(cc)
        cities = geocode.largest_cities(cc, self.num_cities)
        city_embeddings = self._text_embeddings(
            f"cities:{cc}:{self.num_cities}",
            [CITY_TEMPLATE.format(city=name, country=country) for name, _, _, _ in cities],
        )
        city_probs = self._probabilities(image_embedding, city_embeddings)
        city_order = np.argsort(-city_probs)
        city, lat, lon, _ = cities[city_order[0]]
        top_countries = [
            (geocode.country_name(self.country_codes[i]), float(country_probs[i]))
            for i in country_order[:NUM_ALTERNATIVES + 1]
        ]
        top_cities = [(cities[i][0], float(city_probs[i])) for i in city_order[:NUM_ALTERNATIVES + 1]]
        return Answer(
            country=country,
            city=city,
            reasons=_reasons(top_countries, top_cities),
            confidence=float(country_probs[country_order[0]] * city_probs[city_order[0]]),
            country_confidence=float(country_probs[country_order[0]]),
            abstained=False,
            raw=json.dumps({"countries": top_countries, "cities": top_cities}),
            model=self.model_id,
            lat=float(lat),
            lon=float(lon),
        )

    def _probabilities(self, image_embedding: torch.Tensor, text_embeddings: torch.Tensor) -> np.ndarray:
        logits = self._logit_scale * (text_embeddings @ image_embedding)
        return torch.softmax(logits.double(), dim=0).cpu().numpy()

    def _image_embeddings(self, images: list[Image.Image]) -> torch.Tensor:
        batch = torch.stack([self.preprocess(image) for image in images]).to(self.device)
        with torch.inference_mode():
            return torch.nn.functional.normalize(self.model.encode_image(batch).float(), dim=-1)

    def _text_embeddings(self, name: str, prompts: list[str]) -> torch.Tensor:
        """Normalised prompt embeddings, cached per CLIP model, device and prompt set."""
        key = (self.clip_spec, str(self.device), name)
        with _text_lock:
            if key not in _text_cache:
                parts = []
                with torch.inference_mode():
                    for start in range(0, len(prompts), 256):
                        tokens = self.tokenizer(prompts[start:start + 256]).to(self.device)
                        parts.append(self.model.encode_text(tokens).float())
                _text_cache[key] = torch.nn.functional.normalize(torch.cat(parts), dim=-1)
            return _text_cache[key]


def _reasons(top_countries: list[tuple[str, float]], top_cities: list[tuple[str, float]]) -> str:
    def ranked(pairs: list[tuple[str, float]]) -> str:
        (best, p), rest = pairs[0], pairs[1:]
        text = f"{best} ({p:.0%})"
        return text + (", ahead of " + ", ".join(f"{n} ({q:.0%})" for n, q in rest) if rest else "")

    return f"CLIP zero-shot: country {ranked(top_countries)}; city {ranked(top_cities)}."
