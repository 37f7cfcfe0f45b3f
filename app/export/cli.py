"""`whichmodel export VIEW [ARGUMENT] --format FORMAT -o FILE`: parse, call export_view, write atomically."""
from __future__ import annotations

import sys

from app.export.core import check_writable, export_view, write_export
from app.export.spec import VIEW_FORMATS, check_request, format_for_path

EPILOG = """views:
  map [NAME]           families x kinds of data; with NAME, that family's page (use cases, strong points)
  family NAME          one family's neighbourhood (NAME: GAN, vae, Diffusion, ...)
  answer "QUESTION"    the evidence behind the recommendation for QUESTION
  flowchart [PAGE]     a decision flowchart from the sources' rules, one page at a time (default 1)
  matrix               family x property heat-map table
formats by view:
"""


def register_export(sub) -> None:
    import argparse

    p = sub.add_parser("export", help="export a diagram of the graph (svg, png, dot, mermaid, graphml, ttl, jsonld)",
                       epilog=EPILOG + _formats_by_view(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("view", metavar="VIEW", help=", ".join(VIEW_FORMATS))
    p.add_argument("argument", nargs="?", metavar="ARGUMENT",
                   help="family name (family, map), question (answer) or page number (flowchart)")
    p.add_argument("-f", "--format", dest="fmt", metavar="FORMAT",
                   help="svg, png, dot, mermaid, graphml, ttl or jsonld (default: from the file's extension, else svg)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the export ('-' for stdout)")
    p.set_defaults(run=run_export)


def _formats_by_view() -> str:
    return "\n".join(f"  {view:<20} {', '.join(fmts)}" for view, fmts in VIEW_FORMATS.items())


def run_export(args) -> int:

    fmt = args.fmt or (format_for_path(args.output) if args.output != "-" else None) or "svg"
    view, argument, fmt = check_request(args.view, args.argument, fmt)
    if args.output != "-":
        check_writable(args.output)
    data = export_view(view, argument, fmt)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    path = write_export(data, args.output)
    print(f"wrote {path} ({view}{' ' + repr(argument) if argument else ''}, {fmt}, {len(data)} bytes)")
    return 0
