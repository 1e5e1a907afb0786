"""``georeasoner import-photos FOLDER -o photos.gpkg``: a point layer from geotagged photos."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from georeasoner.errors import GeoReasonerError

_LISTED_WITHOUT_GPS = 20


def add_parser(subparsers: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help="make a point layer from a folder of geotagged photos (EXIF GPS)",
        description=(
            "Walk FOLDER recursively and write a GeoPackage layer 'photos' with one EPSG:4326 point per "
            "photo from its EXIF GPS tags, and the fields image (path relative to the output file's "
            "folder), gps_alt (metres), gps_dir (camera heading, degrees) and taken_at (ISO 8601). "
            "Photos without GPS are kept as rows without geometry."
        ),
    )
    parser.add_argument("folder", help="folder of photos (searched recursively)")
    parser.add_argument("-o", "--output", required=True, help="GeoPackage to write, e.g. photos.gpkg")
    parser.add_argument("--overwrite", action="store_true", help="replace the output file if it exists")
    return parser


def run(args: argparse.Namespace) -> int:
    from georeasoner.exif import import_photos

    output = Path(args.output)
    if output.exists() and not args.overwrite:
        raise GeoReasonerError(f"{output} exists; pass --overwrite to replace it")
    summary = import_photos(args.folder, output)
    located = summary.photos - len(summary.without_gps)
    without = len(summary.without_gps)
    print(f"imported {summary.photos} photos into {output}: {located} with a GPS location, {without} without")
    if without:
        print(f"{without} photos have no GPS location (kept without geometry):", file=sys.stderr)
        for path in summary.without_gps[:_LISTED_WITHOUT_GPS]:
            print(f"  {path}", file=sys.stderr)
        if without > _LISTED_WITHOUT_GPS:
            print(f"  ... and {without - _LISTED_WITHOUT_GPS} more", file=sys.stderr)
    return 0
