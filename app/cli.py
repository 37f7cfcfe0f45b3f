"""The `whichmodel` command line. Each command parses, calls one library function, prints."""
from __future__ import annotations

import argparse
import sys

from app import commands
from kg.errors import WhichModelError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="whichmodel",
        description="Which generative model family should I use for X under Y constraints?")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in commands.REGISTRY:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:

    args = _parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except WhichModelError as exc:
        print(f"whichmodel: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
