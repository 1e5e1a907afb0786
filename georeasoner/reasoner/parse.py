"""Tolerant parsing of a model's answer into country, city and reasons.

Models wrap the JSON in code fences or prose, use single quotes, leave trailing commas or
drop fields, and sometimes answer in plain text ("Lyon, France"). Values are read
straight from the text with a key-value pattern rather than a strict JSON parser, so
that the character span of each value in the generated text is known: the confidence
of an answer is computed from the tokens inside those spans.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

Span = tuple[int, int]

#: Values meaning "no answer" (compared lower-cased, without trailing punctuation).
UNKNOWN_VALUES = {"", "unknown", "none", "null", "n/a", "na", "nil", "?", "not sure", "unclear", "unsure"}

_KEYS = {"country": "country", "city": "city", "reasons": "reasons?"}
_KEY = r"""["']?\b{key}\b["']?\s*[:=]\s*"""
_VALUE = r"""(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)'|(?P<bare>[^,}\n]*))"""

_REFUSAL = re.compile(
    r"\b(?:I\s*(?:can\s*not|can't|cannot|am unable|'m unable|am not able|'m not able|'m sorry|am sorry)"
    r"|unable to (?:determine|identify|tell)|(?:not|impossible to) (?:possible to )?(?:determine|tell|identify))\b",
    re.IGNORECASE,
)
_PLAIN_PLACE = re.compile(r"^\s*(?:[\w ]*\b(?:in|at)\s+)?(?P<parts>[^\n{}:]+?)\s*\.?\s*$", re.IGNORECASE)
#: A place name in a plain answer: capitalised words, no digits.
_PLACE_NAME = re.compile(r"^[^\W\d_a-z][^\W\d_]*(?:[ .'’-]+[^\W\d_]+)*\.?$")
_MAX_PLAIN_LENGTH = 80


@dataclass(frozen=True)
class ParsedAnswer:
    """What the text says. Spans are ``[start, end)`` character offsets into the text."""

    country: str | None
    city: str | None
    reasons: str | None
    abstained: bool
    country_span: Span | None = None
    city_span: Span | None = None


def _field(text: str, key: str) -> tuple[str, Span] | None:
    """The first value of ``key`` in the text, stripped, with its span."""
    match = re.search(_KEY.format(key=key) + _VALUE, text, re.IGNORECASE)
    if not match:
        return None
    for group in ("dq", "sq", "bare"):
        if match.group(group) is not None:
            start, end = match.span(group)
            break
    raw = text[start:end]
    padding = " \t\"'" if group == "bare" else None
    stripped = raw.strip(padding)
    start += len(raw) - len(raw.lstrip(padding))
    end = start + len(stripped)
    if group == "dq":
        try:
            stripped = json.loads(f'"{stripped}"')
        except ValueError:
            pass
    elif group == "sq":
        stripped = stripped.replace("\\'", "'")
    return stripped, (start, end)


def _is_unknown(value: str | None) -> bool:
    if value is None:
        return True
    lowered = value.strip().strip(".!").lower()
    return lowered in UNKNOWN_VALUES or lowered.startswith("unknown")


def _plain_place(text: str) -> tuple[tuple[str, Span] | None, tuple[str, Span] | None]:
    """(city, country) of a short plain answer such as ``Lyon, France`` or ``in Japan.``"""
    stripped = text.strip()
    if len(stripped) > _MAX_PLAIN_LENGTH or "\n" in stripped or _REFUSAL.search(stripped):
        return None, None
    match = _PLAIN_PLACE.match(text)
    if not match:
        return None, None
    offset = match.start("parts")
    parts = []
    for piece in re.finditer(r"[^,]+", match.group("parts")):
        value = piece.group().strip()
        if value:
            start = offset + piece.start() + piece.group().index(value)
            parts.append((value, (start, start + len(value))))
    if not 0 < len(parts) <= 3 or not all(_PLACE_NAME.match(value) for value, _ in parts):
        return None, None
    country = parts[-1]
    city = parts[0] if len(parts) > 1 else None
    return city, country


def _refusal_reason(text: str) -> str:
    return " ".join(text.split())[:200] or "empty answer"


def parse_answer(text: str) -> ParsedAnswer:
    """Parse generated text. An answer naming neither country nor city is an abstention,
    and its ``reasons`` says why (the model's reasons, or its refusal)."""
    fields = {key: _field(text, pattern) for key, pattern in _KEYS.items()}
    if fields["country"] is None and fields["city"] is None:
        fields["city"], fields["country"] = _plain_place(text)
    country, city, reasons = (fields[key] for key in ("country", "city", "reasons"))
    if country is not None and _is_unknown(country[0]):
        country = None
    if city is not None and _is_unknown(city[0]):
        city = None
    reason_text = reasons[0] if reasons is not None and reasons[0] else None
    if country is None and city is None:
        return ParsedAnswer(None, None, reason_text or _refusal_reason(text), abstained=True)
    return ParsedAnswer(
        country=country[0] if country else None,
        city=city[0] if city else None,
        reasons=reason_text,
        abstained=False,
        country_span=country[1] if country else None,
        city_span=city[1] if city else None,
    )
