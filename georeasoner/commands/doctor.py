"""``georeasoner doctor``: versions, the models a profile names and whether they are here,
the backend, and the GPU. Exit status 0 when everything needed for a job is available."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform

PACKAGES = ("georeasoner", "torch", "transformers", "peft", "open_clip_torch", "geopandas", "pyogrio",
            "rasterio", "celery", "redis")


def add_parser(subparsers, name: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help="check the installation, models, backend and GPU", description=__doc__)
    parser.add_argument("--profile", default="small", help="model profile to check (name, directory or JSON file)")
    parser.add_argument("--backend", default="local", help="'local' or a redis:// URL to check")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return parser


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def _gpu() -> dict:
    try:
        import torch
    except ImportError:
        return {"available": False, "detail": "torch is not installed (pip install 'georeasoner[models]')"}
    if not torch.cuda.is_available():
        return {"available": False, "detail": "no CUDA device; models run on the CPU"}
    return {"available": True, "detail": ", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))}


def _backend(url: str) -> dict:
    if url in ("", "local"):
        return {"ok": True, "kind": "local", "detail": "models run in the georeasoner process"}
    from georeasoner.celery_backend import describe_backend

    return describe_backend(url)


def _models(profile) -> list[dict]:
    from georeasoner.models import fetchable_refs, model_status

    refs = fetchable_refs(profile) + [("locatability head", profile.locatability_head or "(none)")]
    rows = []
    for role, ref in refs:
        status = model_status(ref)
        rows.append({"role": role, "model": ref, "ok": status != "missing", "detail": status})
    return rows


def run(args: argparse.Namespace) -> int:
    from georeasoner.errors import GeoReasonerError
    from georeasoner.models import load_profile

    report: dict = {"versions": _versions(), "gpu": _gpu()}
    try:
        report["models"] = _models(load_profile(args.profile, {}))
    except GeoReasonerError as exc:
        report["models"] = [{"role": "profile", "model": args.profile, "ok": False, "detail": str(exc)}]
    try:
        report["backend"] = _backend(args.backend)
    except GeoReasonerError as exc:
        report["backend"] = {"ok": False, "kind": args.backend, "detail": str(exc)}
    healthy = all(m["ok"] for m in report["models"]) and report["backend"]["ok"]
    report["ok"] = healthy
    if args.json:
        print(json.dumps(report))
    else:
        print("versions: " + ", ".join(f"{k} {v or 'missing'}" for k, v in report["versions"].items()))
        print(f"gpu: {report['gpu']['detail']}")
        for m in report["models"]:
            print(f"model {m['role']}: {m['model']} - {'ok' if m['ok'] else 'MISSING'} ({m['detail']})")
        b = report["backend"]
        print(f"backend {b['kind']}: {'ok' if b['ok'] else 'UNAVAILABLE'} ({b['detail']})")
        for w in b.get("workers", []):
            print(f"  worker {w}")
    return 0 if healthy else 1
