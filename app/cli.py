"""The `whichmodel` command line. Each command parses, calls one library function, prints."""
from __future__ import annotations

import argparse
import sys
from importlib import import_module

from app.ask import register_ask
from kg.errors import WhichModelError

# `ask` registers alone: the other commands' modules import the SPARQL engines, rdflib and the server
# (benchmarks/coldstart.py). Any other command, `--help` or a mistyped one, registers every command.
ALONE = {"ask": register_ask}


def _parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="whichmodel",
        description="Which generative model family should I use for X under Y constraints?")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    if argv and argv[0] in ALONE:
        ALONE[argv[0]](sub)
        return parser
    for register in import_module("app.commands").REGISTRY:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser(argv).parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except WhichModelError as exc:
        print(f"whichmodel: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
