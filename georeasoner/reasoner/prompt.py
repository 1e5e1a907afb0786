"""The question put to the vision-language model, in the paper's answer format."""

from __future__ import annotations

#: Asks for one JSON object with country, city and reasons (GeoReasoner's answer format),
#: and for an explicit "unknown" rather than a guess when the photo holds no clue.
PROMPT = (
    "Where was this street-level photo taken? Look for clues: the language and script of "
    "signs, the side of the road traffic drives on, road markings, licence plates, "
    "architecture, vegetation, climate and terrain. "
    'Answer with one JSON object and nothing else: {"country": "<country name>", '
    '"city": "<city name>", "reasons": "<the clues you used, in one or two sentences>"}. '
    'If the photo holds no clue to where it was taken, answer {"country": null, '
    '"city": null, "reasons": "unknown: <why>"}.'
)


def build_messages(prompt: str = PROMPT) -> list[dict]:
    """One user turn holding the image and the question, for ``apply_chat_template``."""
    return [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
