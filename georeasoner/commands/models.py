"""``georeasoner models list|show|download|make-tiny``: inspect and fetch model profiles."""

from __future__ import annotations

import argparse
import json
import sys

from georeasoner import models
from georeasoner.errors import GeoReasonerError


def add_parser(subparsers, name: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help="list, show and download model profiles", description=__doc__.splitlines()[0])
    actions = parser.add_subparsers(dest="models_action", metavar="ACTION", required=True)
    actions.add_parser("list", help="list the profiles and whether their models are here")
    show = actions.add_parser("show", help="print a profile as JSON, with where each model is")
    show.add_argument("profile", help="profile name, directory holding profile.json, or JSON file")
    download = actions.add_parser("download", help="fetch every hub model of a profile into the Hugging Face cache")
    download.add_argument("profile", help="profile name, directory holding profile.json, or JSON file")
    tiny = actions.add_parser("make-tiny", help="build tiny random models and a profile for offline tests and demos")
    tiny.add_argument("dir", help="output directory")
    return parser


def run(args: argparse.Namespace) -> int:
    action = {"list": list_profiles, "show": show_profile, "download": download_profile, "make-tiny": make_tiny}
    return action[args.models_action](args)


def _status(profile: models.ModelProfile) -> dict[str, str]:
    refs = models.fetchable_refs(profile)
    if profile.locatability_head:
        refs.append(("locatability head", profile.locatability_head))
    return {f"{role}: {ref}": models.model_status(ref) for role, ref in refs}


def list_profiles(args: argparse.Namespace) -> int:
    for name in models.profile_names():
        try:
            profile = models.load_profile(name)
        except GeoReasonerError as exc:
            print(f"{name}\tinvalid: {exc}")
            continue
        missing = sum(status == "missing" for status in _status(profile).values())
        ready = "ready" if not missing else f"{missing} model(s) missing"
        print(f"{name}\t{ready}\t{profile.description or profile.model_id}")
    return 0


def show_profile(args: argparse.Namespace) -> int:
    profile = models.load_profile(args.profile)
    print(json.dumps(dict(profile.to_json(), model_id=profile.model_id, status=_status(profile)), indent=2))
    return 0


def download_profile(args: argparse.Namespace) -> int:
    """Fetch the hub models; local paths (user-provided adapters, heads) are only checked."""
    profile = models.load_profile(args.profile)
    missing = []
    for role, ref in models.fetchable_refs(profile):
        if models.model_status(ref) in ("local", "cached"):
            print(f"{role}: {ref} already here", file=sys.stderr)
        elif models.looks_like_path(ref):
            missing.append(models.missing_message(ref, profile.name, role))
        else:
            print(f"{role}: downloading {ref}", file=sys.stderr)
            models.download_model(ref, profile.name, role)
    head = profile.locatability_head
    if head and models.model_status(head) == "missing":
        missing.append(models.missing_message(head, profile.name, "locatability head"))
    for message in missing:
        print(f"georeasoner: warning: {message}", file=sys.stderr)
    return 1 if missing else 0


def make_tiny(args: argparse.Namespace) -> int:
    from georeasoner.tiny import make_tiny as build

    print(build(args.dir))
    return 0

