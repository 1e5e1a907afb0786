"""Training conversations: the JSON-lines format, the Qwen-VL converter, and scenes to records.

Format: one JSON object per line, one single-turn conversation each::

    {"id": "train-000001",
     "image": "images/train/000001.jpg",
     "prompt": null,
     "answer": "{\"country\": \"Japan\", \"city\": \"Osaka\", \"reasons\": \"...\"}",
     "meta": {"country": "Japan", "city": "Osaka", "lat": 34.69, "lon": 135.50,
              "clues": ["blue rectangular sign", "..."], "locatability": 0.52}}

- ``image``: path of the photo, relative to the JSON-lines file (or absolute); ``null`` for a
  text-only conversation (stage 1 may reason from clue text alone).
- ``prompt``: the user's text; ``null`` means the reasoner's own prompt
  (``georeasoner.reasoner.prompt.PROMPT``), which is what models answer at run time.
- ``answer``: the assistant's reply, the only tokens the loss is computed on.
- ``meta``: optional ground truth used by held-out evaluation (``country``, ``city``, ``lat``,
  ``lon``, ``clues``); training ignores it.

The Qwen-VL fine-tuning format (``{"conversations": [{"from": "user", "value": "<img>PATH</img>
text"}, {"from": "assistant", "value": "..."}]}``, a JSON list or JSON lines) converts with
:func:`from_qwen_vl`: each user turn and the assistant turn after it become one record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from georeasoner.errors import GeoReasonerError

_IMAGE_TAG = re.compile(r"<img>(.*?)</img>", re.DOTALL)
_USER_ROLES = {"user", "human"}
_ASSISTANT_ROLES = {"assistant", "gpt"}
#: A scene's answer names its city only when the reasons pin it down (see ``scene_answer``).
_CITY_VERDICT = "Together they point to {city}, {country}."


@dataclass
class Conversation:
    id: str
    image: str | None
    prompt: str | None
    answer: str
    meta: dict = field(default_factory=dict)


def read_conversations(path: str | Path) -> list[Conversation]:
    """Records of a JSON-lines file, with image paths made absolute."""
    path = Path(path)
    records = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                record = Conversation(
                    id=str(data.get("id", number)),
                    image=data.get("image"),
                    prompt=data.get("prompt"),
                    answer=data["answer"],
                    meta=data.get("meta") or {},
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise GeoReasonerError(f"{path}:{number} is not a conversation record ({exc}); "
                                       "see training/conversations.py for the format") from exc
            if record.image is not None:
                record.image = str((path.parent / record.image).resolve())
            records.append(record)
    return records


def write_conversations(path: str | Path, records: Iterable[Conversation]) -> Path:
    """Write records as JSON lines; image paths are written as given."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
    return path


def _qwen_items(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8").strip()
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def from_qwen_vl(source: str | Path, out_path: str | Path) -> Path:
    """Convert a Qwen-VL conversation file to the JSON-lines format; returns ``out_path``.

    ``<img>PATH</img>`` tags of a user turn give the record's image (relative paths are taken
    relative to ``source``); the rest of the turn is the prompt. An empty prompt becomes
    ``null`` (the reasoner's prompt).
    """
    source = Path(source)
    records = []
    for n, item in enumerate(_qwen_items(source)):
        turns = item.get("conversations")
        if not isinstance(turns, list):
            raise GeoReasonerError(f"{source}: item {n} has no 'conversations' list")
        user = None
        for turn in turns:
            role = str(turn.get("from", "")).lower()
            if role in _USER_ROLES:
                user = turn.get("value", "")
            elif role in _ASSISTANT_ROLES and user is not None:
                records.append(_qwen_record(source, f"{item.get('id', n)}-{len(records)}", user, turn.get("value", "")))
                user = None
    return write_conversations(out_path, records)


def _qwen_record(source: Path, record_id: str, user: str, answer: str) -> Conversation:
    images = _IMAGE_TAG.findall(user)
    if len(images) > 1:
        raise GeoReasonerError(f"{source}: conversation {record_id} has {len(images)} images; "
                               "one image per turn is supported")
    image = None
    if images:
        image_path = Path(images[0].strip())
        image = str(image_path if image_path.is_absolute() else (source.parent / image_path).resolve())
    prompt = _IMAGE_TAG.sub("", user).strip() or None
    return Conversation(id=record_id, image=image, prompt=prompt, answer=answer.strip())


def answer_json(country: str | None, city: str | None, reasons: str, reasons_first: bool = False) -> str:
    """An answer in the paper's format, keys in the order the reasoner's prompt asks for, or
    with the reasons first: a small model that names the clues it sees before the place
    concludes from them, as a chain of thought (Core's parser reads the keys in any order)."""
    if reasons_first:
        return json.dumps({"reasons": reasons, "country": country, "city": city}, ensure_ascii=False)
    return json.dumps({"country": country, "city": city, "reasons": reasons}, ensure_ascii=False)


def scene_answer(scene: dict, stage: str, reason_clues: int = 0, reasons_first: bool = False) -> str:
    """The target answer for a synthetic scene record (``training.synthetic.read_index``).

    Stage ``reason`` names the city only when the scene's reasons conclude with it (its clues
    pin it down), as clue-based reasoning can; stage ``location`` always names the true city.
    With ``reason_clues`` > 0, the reasons are that many clues only (:func:`short_reasons`).
    ``reasons_first`` orders the answer's keys (:func:`answer_json`).
    """
    reasons = short_reasons(scene["clues"], reason_clues) if reason_clues else scene["reasons"]
    if stage == "location":
        return answer_json(scene["country"], scene["city"], reasons, reasons_first)
    pinned = _CITY_VERDICT.format(city=scene["city"], country=scene["country"]) in scene["reasons"]
    return answer_json(scene["country"], scene["city"] if pinned else None, reasons, reasons_first)


@lru_cache(maxsize=1)
def _places_by_clue() -> dict[str, frozenset[tuple[str, str]]]:
    from training.synthetic import build_world
    from training.synthetic.clues import clue_texts

    places: dict[str, set[tuple[str, str]]] = {}
    for country in build_world().countries:
        for city in country.cities:
            for text in clue_texts(country, city).values():
                places.setdefault(text, set()).add((country.code, city.name))
    return {text: frozenset(found) for text, found in places.items()}


def short_reasons(clues: list[str], most: int) -> str:
    """At most ``most`` of the visible clues, in the scene's order: greedily, the clue that
    narrows the candidate places most, until none narrows them further."""
    places = _places_by_clue()
    known = [clue for clue in clues if clue in places]
    candidates = frozenset.union(*places.values())
    chosen: list[str] = []
    while len(chosen) < most:
        options = [(len(candidates & places[clue]), i) for i, clue in enumerate(known) if clue not in chosen]
        if not options or min(options)[0] == len(candidates):
            break
        size, best = min(options)
        chosen.append(known[best])
        candidates &= places[known[best]]
    if not chosen:
        return "No clear clues."
    return "Clues: " + "; ".join(clue for clue in known if clue in chosen) + "."


def clue_caption(clues: list[str]) -> str:
    """Caption of the visible clues, the pretraining target of the from-scratch base."""
    return "Clues: " + ("; ".join(clues) if clues else "none") + "."


#: The pretraining question: short, so pretraining steps are cheap.
CAPTION_PROMPT = "List the clues."
#: Stage 1's text-only question: the clues in words instead of the image.
TEXT_PROMPT = ("A street photo shows these clues: {clues}. "
               "Where was it taken? Answer with one JSON object with country, city and reasons.")


def scene_conversations(scenes: list[dict], stage: str, min_locatability: float = 0.0,
                        text_share: float = 0.0, seed: int = 0, reason_clues: int = 0,
                        reasons_first: bool = False) -> list[Conversation]:
    """Conversations for a stage (``caption``, ``reason``, ``location``) from scene records.

    Scenes under ``min_locatability`` are left out (stage 2 uses only highly locatable
    images). With ``text_share`` > 0, that share of stage-1 records gives the clue list as
    text instead of the image. ``reason_clues`` and ``reasons_first`` shape the answers
    (:func:`scene_answer`).
    """
    import numpy as np

    if stage not in ("caption", "reason", "location"):
        raise ValueError(f"unknown stage {stage!r}")
    rng = np.random.default_rng(seed)
    records = []
    for scene in scenes:
        if scene["locatability"] < min_locatability:
            continue
        meta = {key: scene[key] for key in ("country", "city", "lat", "lon", "clues", "locatability")}
        if stage == "caption":
            records.append(Conversation(scene["id"], scene["image"], CAPTION_PROMPT, clue_caption(scene["clues"]), meta))
            continue
        answer = scene_answer(scene, stage, reason_clues, reasons_first)
        if stage == "reason" and rng.random() < text_share:
            prompt = TEXT_PROMPT.format(clues="; ".join(scene["clues"]) or "none")
            records.append(Conversation(scene["id"] + "-text", None, prompt, answer, meta))
        else:
            records.append(Conversation(scene["id"], scene["image"], None, answer, meta))
    return records
