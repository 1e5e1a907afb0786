"""The result schema (DESIGN.md) as the plugin sees it, and image-field detection.

The plugin never imports ``georeasoner``, so the field list is repeated here; the
end-to-end tests check it against the GeoPackage the CLI writes.
"""

from __future__ import annotations

from typing import Iterable

#: Result field name -> Python type, in the order of georeasoner.schema.RESULT_FIELDS.
RESULT_FIELDS: dict[str, type] = {
    "gr_item": int,
    "gr_status": str,
    "gr_error": str,
    "gr_loc": float,
    "gr_country": str,
    "gr_cc": str,
    "gr_city": str,
    "gr_lat": float,
    "gr_lon": float,
    "gr_conf": float,
    "gr_cc_conf": float,
    "gr_reason": str,
    "gr_err_km": float,
    "gr_flag": int,
    "gr_model": str,
}

STATUSES = ("ok", "low_loc", "error")

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif", ".heic")
_NAME_HINTS = ("image", "photo", "img", "picture", "path", "file", "url", "jpg")


def looks_like_image_reference(value: object) -> bool:
    """A string that ends like an image file name (path or URL, query string ignored)."""
    if not isinstance(value, str):
        return False
    text = value.strip().split("?", 1)[0].lower()
    return text.endswith(IMAGE_EXTENSIONS)


def pick_image_field(field_names: list[str], samples: Iterable[dict]) -> str | None:
    """The field whose sample values look most like image references.

    Values decide first (most image-like values wins); a name hint breaks ties and is the
    fallback when no value looks like an image.
    """
    counts = dict.fromkeys(field_names, 0)
    for row in samples:
        for name in field_names:
            if looks_like_image_reference(row.get(name)):
                counts[name] += 1

    def hint_rank(name: str) -> int:
        lower = name.lower()
        return next((i for i, hint in enumerate(_NAME_HINTS) if hint in lower), len(_NAME_HINTS))

    best = sorted(field_names, key=lambda n: (-counts[n], hint_rank(n)))
    if best and counts[best[0]] > 0:
        return best[0]
    hinted = [n for n in best if hint_rank(n) < len(_NAME_HINTS)]
    return min(hinted, key=hint_rank) if hinted else None
