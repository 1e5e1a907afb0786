"""``georeasoner geolocate``: locatability, place, confidence and reasons for every photo."""

from __future__ import annotations

import argparse


def add_parser(subparsers, name: str) -> argparse.ArgumentParser:
    from georeasoner.commands.job_args import add_job_arguments

    parser = subparsers.add_parser(name, help="geolocate every photo of a layer", description=__doc__)
    add_job_arguments(parser)
    parser.add_argument("--engine", choices=("lvlm", "clip"), default="lvlm",
                        help="lvlm: the LoRA-tuned vision-language model (default); clip: CLIP zero-shot")
    parser.add_argument("--min-loc", type=float, default=0.0,
                        help="photos scoring under this locatability are marked low_loc and not geolocated")
    return parser


def run(args: argparse.Namespace) -> int:
    from georeasoner.commands.job_args import run_job_command

    return run_job_command(args, reason=True)
