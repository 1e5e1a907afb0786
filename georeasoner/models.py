"""Model profiles: which models a run uses, and where to find them.

A profile names the vision-language model, its LoRA adapters (stacked in order: stage 1
reasoning, stage 2 location), the CLIP backbone and head of the locatability scorer and
the segmenter of the paper's metric. Any Hugging Face id or local directory can stand in
for any model.

Profiles come from, in this order: a path (a directory holding ``profile.json``, or a JSON
file; relative paths inside are relative to it), the user's
``~/.config/georeasoner/profiles/NAME.json``, the profiles shipped in
``georeasoner/data/profiles.json``, and the shipped profile directories with their models
(``georeasoner/data/demo``).
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict, dataclass, replace
from importlib import resources
from pathlib import Path

from georeasoner.errors import GeoReasonerError, ModelNotFoundError

DEFAULT_PROFILE = "small"

#: CLI flag destinations -> profile fields they override.
OVERRIDE_FLAGS = {"lvlm": "lvlm", "adapter": "adapters", "clip": "clip", "locatability_head": "locatability_head"}


@dataclass(frozen=True)
class ModelProfile:
    """Every model one run uses. Model references are hub ids or absolute local paths."""

    name: str
    lvlm: str
    adapters: tuple[str, ...] = ()
    clip: str = "ViT-B-32:openai"
    locatability_head: str | None = None
    segmenter: str | None = None
    image_max_pixels: int = 400 * 28 * 28
    max_new_tokens: int = 256
    description: str = ""

    @property
    def model_id(self) -> str:
        """Short text for the ``gr_model`` field: the profile name and what it runs."""
        lvlm = Path(self.lvlm).name if self.lvlm else "?"
        lora = f" + {len(self.adapters)} LoRA" if self.adapters else ""
        return f"{self.name} ({lvlm}{lora})"

    def model_refs(self) -> list[tuple[str, str]]:
        """(role, reference) of every model the profile names, adapters included."""
        roles = [("lvlm", self.lvlm)]
        roles += [(f"adapter {i + 1}", ref) for i, ref in enumerate(self.adapters)]
        roles += [("clip", self.clip)]
        if self.segmenter:
            roles.append(("segmenter", self.segmenter))
        return roles

    def to_json(self) -> dict:
        data = asdict(self)
        data["adapters"] = list(self.adapters)
        return data

    @classmethod
    def from_json(cls, data: dict) -> "ModelProfile":
        """The profile that :meth:`to_json` wrote (e.g. sent to a worker)."""
        return cls(**dict(data, adapters=tuple(data.get("adapters") or ())))


def user_profile_dir() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(config) / "georeasoner" / "profiles"


def shipped_profiles() -> dict[str, dict]:
    text = resources.files("georeasoner").joinpath("data/profiles.json").read_text(encoding="utf-8")
    return json.loads(text)


def shipped_profile_dir(name: str) -> Path | None:
    """The directory of a profile whose models ship with the package (``demo``), if any."""
    if not name.isidentifier():
        return None
    folder = Path(str(resources.files("georeasoner").joinpath("data", name)))
    return folder if (folder / "profile.json").is_file() else None


def profile_names() -> list[str]:
    """Names of the shipped profiles and of the user's own ones."""
    names = set(shipped_profiles())
    data = Path(str(resources.files("georeasoner").joinpath("data")))
    names |= {p.parent.name for p in data.glob("*/profile.json")}
    if user_profile_dir().is_dir():
        names |= {p.stem for p in user_profile_dir().glob("*.json")}
    return sorted(names)


def looks_like_path(ref: str) -> bool:
    """True for references that can only be paths (a hub id is ``name`` or ``owner/name``)."""
    return ref.startswith(("/", "~", ".")) or ref.count("/") > 1 or "\\" in ref


def _resolve_ref(ref: str | None, base: Path | None, always_path: bool = False) -> str | None:
    """A model reference made absolute when it names a local path."""
    if ref is None or ref == "":
        return None
    expanded = Path(os.path.expandvars(ref)).expanduser()
    if expanded.is_absolute():
        return str(expanded)
    candidate = (base or Path.cwd()) / expanded
    if always_path or candidate.exists() or looks_like_path(ref):
        return str(candidate.resolve())
    return ref


def _profile_from_dict(data: dict, name: str, base: Path | None) -> ModelProfile:
    known = set(ModelProfile.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise GeoReasonerError(f"profile {name!r} has unknown fields {sorted(unknown)}; known: {sorted(known)}")
    if not data.get("lvlm"):
        raise GeoReasonerError(f"profile {name!r} names no 'lvlm' model; add one")
    fields = dict(data, name=data.get("name") or name)
    fields["lvlm"] = _resolve_ref(data["lvlm"], base)
    fields["adapters"] = tuple(_resolve_ref(a, base) for a in data.get("adapters") or ())
    fields["clip"] = _resolve_ref(data.get("clip"), base) or ModelProfile.clip
    fields["locatability_head"] = _resolve_ref(data.get("locatability_head"), base, always_path=True)
    fields["segmenter"] = _resolve_ref(data.get("segmenter"), base)
    return ModelProfile(**fields)


def _read_profile_file(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GeoReasonerError(f"cannot read profile {path}: {exc}; fix or remove the file") from exc
    if not isinstance(data, dict):
        raise GeoReasonerError(f"profile {path} is not a JSON object; write one with an 'lvlm' field")
    return data


def _find_profile(name_or_path: str) -> ModelProfile:
    path = Path(name_or_path).expanduser()
    if path.is_dir() and (path / "profile.json").is_file():
        return _profile_from_dict(_read_profile_file(path / "profile.json"), path.name, path.resolve())
    if path.is_file():
        return _profile_from_dict(_read_profile_file(path), path.stem, path.resolve().parent)
    user_file = user_profile_dir() / f"{name_or_path}.json"
    if user_file.is_file():
        return _profile_from_dict(_read_profile_file(user_file), name_or_path, user_file.parent)
    shipped = shipped_profiles()
    if name_or_path in shipped:
        return _profile_from_dict(shipped[name_or_path], name_or_path, None)
    packaged = shipped_profile_dir(name_or_path)
    if packaged is not None:
        return _profile_from_dict(_read_profile_file(packaged / "profile.json"), name_or_path, packaged)
    raise GeoReasonerError(
        f"unknown model profile {name_or_path!r}; use one of {', '.join(profile_names())}, "
        "a directory holding profile.json, or a profile JSON file"
    )


def load_profile(name_or_path: str, overrides: dict | None = None) -> ModelProfile:
    """The profile named (or found at the path), with ``overrides`` replacing single fields.

    Override values that are ``None`` are ignored; ``adapters`` replaces the whole list.
    Relative paths in overrides are relative to the working directory.
    """
    profile = _find_profile(name_or_path)
    changes = {}
    for field, value in (overrides or {}).items():
        if value is None:
            continue
        if field not in ModelProfile.__dataclass_fields__:
            raise GeoReasonerError(f"cannot override unknown profile field {field!r}")
        if field == "adapters":
            value = tuple(_resolve_ref(a, None) for a in value)
        elif field == "locatability_head":
            value = _resolve_ref(value, None, always_path=True)
        elif field in ("lvlm", "clip", "segmenter"):
            value = _resolve_ref(value, None)
        changes[field] = value
    return replace(profile, **changes)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--profile``, ``--device`` and the single-model overrides to a command."""
    group = parser.add_argument_group("models")
    group.add_argument("--profile", default=DEFAULT_PROFILE,
                       help=f"model profile: a name, a directory with profile.json or a JSON file (default {DEFAULT_PROFILE})")
    group.add_argument("--device", default=None, help="torch device, e.g. cuda, cuda:1, cpu (default: cuda when available)")
    group.add_argument("--lvlm", metavar="ID|DIR", help="vision-language model instead of the profile's")
    group.add_argument("--adapter", metavar="DIR", action="append",
                       help="LoRA adapter; repeat to stack several in order (replaces the profile's list)")
    group.add_argument("--clip", metavar="NAME|DIR", help="open_clip model of the locatability scorer, e.g. ViT-L-14:openai")
    group.add_argument("--locatability-head", metavar="FILE", help="trained locatability head of the CLIP scorer")


def profile_from_args(args: argparse.Namespace) -> ModelProfile:
    """The profile selected by the flags of :func:`add_model_arguments`."""
    overrides = {field: getattr(args, flag, None) for flag, field in OVERRIDE_FLAGS.items()}
    return load_profile(args.profile, overrides)


def resolve_device(device: str | None = None) -> str:
    """``device`` when given, else ``cuda`` when a GPU is available, else ``cpu``."""
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def dtype_for(device: str):
    """bfloat16 on a GPU, float32 on the CPU (where bf16 matmuls are slow or inexact)."""
    import torch

    return torch.bfloat16 if str(device).startswith("cuda") else torch.float32


def hub_offline() -> bool:
    """True when the user asked the Hugging Face libraries to stay offline."""
    from huggingface_hub import constants

    flags = (os.environ.get("HF_HUB_OFFLINE"), os.environ.get("TRANSFORMERS_OFFLINE"))
    return bool(constants.HF_HUB_OFFLINE) or any(f and f.upper() in ("1", "ON", "YES", "TRUE") for f in flags)


def open_clip_hub_repo(spec: str) -> str | None:
    """The hub repository holding the weights of an open_clip ``NAME:PRETRAINED`` spec."""
    if ":" not in spec or looks_like_path(spec):
        return None
    import open_clip

    name, tag = spec.split(":", 1)
    repo = open_clip.get_pretrained_cfg(name, tag).get("hf_hub", "")
    return repo.strip("/") or None


def fetchable_refs(profile: ModelProfile) -> list[tuple[str, str]]:
    """(role, hub id or local path) of every model, the CLIP spec mapped to its weights' repo.

    A CLIP spec without pretrained weights (``ViT-B-32``) has nothing to fetch.
    """
    refs = []
    for role, ref in profile.model_refs():
        if role == "clip" and not looks_like_path(ref) and not Path(ref).exists():
            ref = open_clip_hub_repo(ref)
        if ref:
            refs.append((role, ref))
    return refs


def missing_message(ref: str, profile_name: str, role: str, reason: str = "") -> str:
    if looks_like_path(ref):
        return (f"{role} {ref} of profile {profile_name!r} does not exist; "
                "pass another one on the command line or fix the profile")
    why = f" ({reason})" if reason else ""
    return (f"model {ref} ({role} of profile {profile_name!r}) is neither a local directory, "
            f"nor in the Hugging Face cache, nor reachable{why}; "
            f"fetch it with: georeasoner models download {profile_name}")


def locate_model(ref: str, profile_name: str, role: str = "model", download: bool = True) -> Path:
    """The local directory of a model: the path itself, the cached snapshot, or a fresh download.

    Raises :class:`ModelNotFoundError` naming the model and the command that fetches it.
    """
    path = Path(ref).expanduser()
    if path.exists():
        return path
    if looks_like_path(ref):
        raise ModelNotFoundError(missing_message(ref, profile_name, role))
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(ref, local_files_only=True))
    except (OSError, ValueError):
        pass
    if not download or hub_offline():
        raise ModelNotFoundError(missing_message(ref, profile_name, role, "offline" if download else ""))
    return download_model(ref, profile_name, role)


def download_model(ref: str, profile_name: str, role: str = "model") -> Path:
    """Fetch a hub model into the Hugging Face cache; errors become one line."""
    from huggingface_hub import snapshot_download

    def failure(reason: str) -> ModelNotFoundError:
        return ModelNotFoundError(
            f"cannot download {ref} ({role} of profile {profile_name!r}): {reason}; "
            f"connect to the network and run again: georeasoner models download {profile_name}"
        )

    if hub_offline():
        raise failure("HF_HUB_OFFLINE is set, unset it")
    try:
        return Path(snapshot_download(ref))
    except (OSError, ValueError) as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise failure(first_line[:160]) from exc


def model_status(ref: str) -> str:
    """``local``, ``cached`` or ``missing``, without touching the network."""
    if Path(ref).expanduser().exists():
        return "local"
    if looks_like_path(ref):
        return "missing"
    from huggingface_hub import snapshot_download

    try:
        snapshot_download(ref, local_files_only=True)
        return "cached"
    except (OSError, ValueError):
        return "missing"
