"""Arguments and running shared by the job commands, ``geolocate`` and ``score``."""

from __future__ import annotations

import argparse

from georeasoner.errors import GeoReasonerError


def add_job_arguments(parser: argparse.ArgumentParser) -> None:
    from georeasoner.models import add_model_arguments

    parser.add_argument("input", help="photo layer: GeoPackage, Shapefile, GeoJSON or CSV")
    parser.add_argument("-o", "--output", required=True, help="new GeoPackage to write (never the input)")
    parser.add_argument("--image-field", help="field holding image paths (detected when obvious)")
    parser.add_argument("--lat", help="CSV latitude column of the claimed location (default: lat)")
    parser.add_argument("--lon", help="CSV longitude column of the claimed location (default: lon)")
    parser.add_argument("--layer", help="layer name inside a multi-layer GeoPackage")
    add_model_arguments(parser)
    parser.add_argument("--backend", default="local",
                        help="'local' (default) or redis://[:PASSWORD@]HOST:PORT/DB (rediss:// for TLS)")
    redis_group = parser.add_argument_group("Redis backend")
    redis_group.add_argument("--transport", choices=("paths", "inline"), default="paths",
                             help="paths: workers read the photos from shared storage (default); "
                                  "inline: send the image bytes")
    redis_group.add_argument("--queue", default=None, help="Celery queue of the workers to use (default georeasoner)")
    redis_group.add_argument("--wait-for-workers", type=float, default=30.0, metavar="SECONDS",
                             help="fail when no worker consumes the queue for this long (default 30)")
    parser.add_argument("--batch-size", type=int, default=8, help="photos per model batch (default 8)")
    parser.add_argument("--max-pixels", type=int, default=89_478_485, help="refuse images larger than this")
    parser.add_argument("--resume", action="store_true", help="skip photos already done by an earlier run")
    parser.add_argument("--no-cache", action="store_true",
                        help="process every photo again instead of reusing results of the same photo, "
                             "models and options from the result cache (local backend)")
    parser.add_argument("--json", action="store_true", help="print JSON-lines progress events on stdout")


def run_job_command(args: argparse.Namespace, reason: bool) -> int:
    from georeasoner.jobs import CANCEL_MESSAGE, JobSpec, make_backend, run_job
    from georeasoner.models import profile_from_args
    from georeasoner.pipeline import PipelineOptions
    from georeasoner.progress import Reporter

    reporter = Reporter(json_events=args.json, description="geolocate" if reason else "score")
    try:
        if args.batch_size < 1:
            raise GeoReasonerError("--batch-size must be at least 1")
        options = PipelineOptions(reason=reason, min_loc=getattr(args, "min_loc", 0.0), max_pixels=args.max_pixels)
        spec = JobSpec(
            input=args.input,
            output=args.output,
            profile=profile_from_args(args),
            engine=getattr(args, "engine", "lvlm"),
            device=args.device,
            options=options,
            image_field=args.image_field,
            lat=args.lat,
            lon=args.lon,
            layer=args.layer,
            batch_size=args.batch_size,
            resume=args.resume,
            cache=not args.no_cache,
            raster=getattr(args, "raster", None),
            cell_m=getattr(args, "cell", 100.0),
        )
        backend = make_backend(args.backend, transport=args.transport, queue=args.queue,
                               wait_for_workers=args.wait_for_workers)
        summary = run_job(spec, backend, reporter)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM as JobCancelled
        reporter.fail(CANCEL_MESSAGE)
        raise
    except GeoReasonerError as exc:
        reporter.fail(str(exc))
        raise
    extra = {"raster": spec.raster} if spec.raster else {}
    reporter.finish(spec.output, summary, **extra)
    return 0
