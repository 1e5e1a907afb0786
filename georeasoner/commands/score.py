"""``georeasoner score``: locatability only, optionally as a raster map of a city."""

from __future__ import annotations

import argparse


def add_parser(subparsers, name: str) -> argparse.ArgumentParser:
    from georeasoner.commands.job_args import add_job_arguments

    parser = subparsers.add_parser(name, help="score the locatability of every photo", description=__doc__)
    add_job_arguments(parser)
    parser.add_argument("--raster", help="also write a locatability map GeoTIFF here (local UTM projection)")
    parser.add_argument("--cell", type=float, default=100.0, help="raster cell size in metres (default 100)")
    return parser


def run(args: argparse.Namespace) -> int:
    from georeasoner.commands.job_args import run_job_command

    return run_job_command(args, reason=False)
