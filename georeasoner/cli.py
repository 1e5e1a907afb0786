"""The single client: ``georeasoner COMMAND ...``.

Each command lives in ``georeasoner/commands/<name>.py`` with ``add_parser(subparsers)``
and ``run(args) -> int``. Command modules import heavy libraries inside ``run`` only, so
``georeasoner --help`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from georeasoner import __version__
from georeasoner.errors import GeoReasonerError

#: command name -> module under georeasoner.commands
COMMANDS = {
    "geolocate": "geolocate",
    "score": "score",
    "geocode": "geocode",
    "eval": "evaluate",
    "import-photos": "import_photos",
    "models": "models",
    "doctor": "doctor",
    "worker": "worker",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="georeasoner", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"georeasoner {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in COMMANDS.items():
        mod = importlib.import_module(f"georeasoner.commands.{module}")
        cmd = mod.add_parser(sub, name)
        cmd.set_defaults(run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("pyogrio").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return int(args.run(args) or 0)
    except GeoReasonerError as exc:
        print(f"georeasoner: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"georeasoner: {exc or 'interrupted'}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
