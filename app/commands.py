"""Sub-commands of the CLI: argument definitions and printing. The work happens in kg/explain."""
from __future__ import annotations

import sys
from pathlib import Path

import kg
from app.ask import register_ask, register_eval, register_parser
from app.export.cli import register_export
from app.ingestcli import COMMANDS as INGEST_COMMANDS
from app.server import register_serve
from app.workers import KINDS, WorkerPool
from kg import paths
from kg.errors import QueryError, QueryTimeout
from kg.formats import FORMATS
from kg.sources.corpus import load_corpus, resolve_id, short_id
from kg.sparql import DEFAULT_ROW_LIMIT, serialise, time_limit, vet
from kg.sparql.backends import DEFAULT_STORE, STORE_ENV, STORES, is_url, store_name

# Building and checking claims import rdflib, pyshacl and networkx: those commands import them when they
# run, so that `whichmodel ask` starts without them (benchmarks/coldstart.py).


def _corpus(sub) -> None:
    p = sub.add_parser("corpus", help="list the source documents, or print one's normalised text")
    p.add_argument("id", nargs="?", help="document id or a unique prefix of it (e.g. 003)")
    p.set_defaults(run=run_corpus)


def run_corpus(args) -> int:
    docs = load_corpus()
    if args.id:
        sys.stdout.write(resolve_id(docs, args.id).text)
        return 0
    for doc in docs.values():
        title = doc.title or "(untitled)"
        print(f"{doc.id}  {doc.format:<14}  {len(doc.text):>6} chars  {title}")
    return 0


def _claims(sub) -> None:
    p = sub.add_parser("claims", help="check claims files: schema, vocabulary, quotes located; warn of "
                       "suspicious mappings")
    p.add_argument("files", nargs="*", type=Path, help="claims files (default: all shipped ones)")
    p.set_defaults(run=run_claims)


def run_claims(args) -> int:
    from kg.ontology.vocabulary import load_vocabulary
    from kg.sources.claims import check_claim_file
    from kg.sources.review import claim_warnings

    vocab, docs = load_vocabulary(), load_corpus()
    files = args.files or sorted(paths.claims_dir().glob("*.yaml"))
    checked = [(path, *check_claim_file(path, vocab, docs)) for path in files]
    warnings = claim_warnings([c for _, good, _ in checked for c in good], docs, vocab)
    failed = 0
    for path, good, problems in checked:
        mine = [w for w in warnings if Path(w.file) == Path(path)]
        for problem in problems:
            print(f"{problem}", file=sys.stderr)
        for warning in mine:
            print(f"{warning}", file=sys.stderr)
        failed += len(problems)
        print(f"{path}: {len(good)} claims ok, {len(problems)} problems, {len(mine)} warnings")
    return 1 if failed else 0


def _coverage(sub) -> None:
    p = sub.add_parser("coverage", help="per document, the sentences and table cells no claim cites")
    p.add_argument("id", nargs="?", help="only this document (id or prefix)")
    p.add_argument("--all", action="store_true", help="also list cited and skipped units")
    p.set_defaults(run=run_coverage)


def run_coverage(args) -> int:
    from kg.sources.coverage import coverage_report

    wanted = [resolve_id(load_corpus(), args.id).id] if args.id else None
    report, problems = coverage_report(wanted)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    for doc_id, units in report.items():
        counts = {s: sum(u.status == s for u in units) for s in ("cited", "skipped", "uncited")}
        print(f"{doc_id}: {len(units)} units, {counts['cited']} cited, "
              f"{counts['skipped']} skipped, {counts['uncited']} uncited")
        for unit in units:
            if unit.status == "uncited" or args.all:
                tag = unit.status.upper() if unit.status != "cited" else "cited"
                extra = unit.reason or ",".join(unit.claims)
                print(f"  {tag:<8} @{unit.start}: {unit.text[:110]}" + (f"  [{extra}]" if args.all else ""))
    return 0


def _build(sub) -> None:
    p = sub.add_parser("build", help="build, validate and write the knowledge graph")
    p.add_argument("-o", "--out", type=Path, help="output folder (default: build/)")
    p.add_argument("--no-validate", action="store_true", help="skip SHACL validation")
    p.set_defaults(run=run_build)


def run_build(args) -> int:
    from kg.graph.build import build_graph

    result = build_graph(args.out, validate=not args.no_validate)
    c = result.counts
    print(f"built {result.outputs.folder}: {c['triples']} triples, {c['claims']} claims from "
          f"{c['documents']} documents")
    print("  claims per document: " + ", ".join(f"{short_id(d)} {n}" for d, n in c["claims_by_document"].items()))
    print(f"  {c['families']} families, {c['named_models']} named models, {c['properties']} properties, "
          f"{c['use_cases']} use cases, {c['modalities']} modalities")
    print(f"  {c['decision_rules']} decision rules, {c['conflicts']} conflicts between sources")
    print("  SHACL: " + ("conforms" if not args.no_validate else "skipped"))
    return 0


def _sparql(sub) -> None:
    p = sub.add_parser("sparql", help="run a read-only SPARQL query on the built graph")
    p.add_argument("query", help="the query text, or a .rq file")
    p.add_argument("--format", default="table", choices=FORMATS.names("table", "results", "graph"))
    p.add_argument("--limit", type=int, default=DEFAULT_ROW_LIMIT, help="row cap (signalled when hit)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="stop the query after this many seconds (exit 1; default: no limit, Ctrl-C stops it)")
    add_store_option(p)
    p.set_defaults(run=run_sparql)


def add_store_option(p) -> None:
    p.add_argument("--store", default=None, metavar="ENGINE_OR_URL",
                   help=f"the SPARQL engine: {' or '.join(STORES)}, or the query URL of a SPARQL 1.1 server "
                        f"holding a published build (default: ${STORE_ENV} or {DEFAULT_STORE})")


def _publish(sub) -> None:
    p = sub.add_parser("publish", help="upload the build to a SPARQL 1.1 server (Graph Store Protocol), one named "
                       "graph per source document, replacing those graphs there")
    p.add_argument("--to", required=True, metavar="URL",
                   help="the server's Graph Store Protocol URL (Oxigraph: http://host:7878/store; credentials as "
                        "http://user:password@host/… or in $WHICHMODEL_STORE_TOKEN)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="per request (default 30)")
    p.set_defaults(run=run_publish)


def run_publish(args) -> int:
    from kg.sparql.remote import Server, publish  # rdflib: not for every CLI start

    kb = kg.open(fit=False)             # build first if the build is missing or stale
    counts = publish(kb.folder, args.to, timeout=args.timeout,
                     tell=lambda message: print(f"whichmodel: {message}", file=sys.stderr, flush=True))
    print(f"published {sum(counts.values())} triples in {len(counts)} named graphs to {Server(args.to).url}")
    return 0


def run_sparql(args) -> int:
    text = args.query
    if text.endswith(".rq") or (len(text) < 4096 and "\n" not in text and Path(text).is_file()):
        try:
            text = Path(text).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(f"cannot read query file {args.query}: {exc}") from None
    if args.timeout is not None and args.timeout <= 0:
        raise QueryError("--timeout must be a positive number of seconds")
    vetted = vet(text)              # refusals and syntax errors before anything is loaded
    if args.timeout:
        out, truncated = run_in_worker(vetted, args)
    else:
        kb = (kg.open(paths.build_dir(), store=args.store) if is_url(args.store)   # a remote server needs no build
              else kg.open(store=args.store, fit=False))                         # SPARQL needs no need parser
        result = kb.query(vetted, limit=args.limit)
        out, truncated = serialise(result, args.format), result.truncated
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    if truncated:
        print(f"whichmodel: warning: results cut at {args.limit} rows", file=sys.stderr)
    return 0


def run_in_worker(vetted, args) -> tuple[str, bool]:
    """Run a query in one worker process, killed at the time limit: an engine in native code (Oxigraph)
    cannot be stopped inside this process (benchmarks/sparql.py measures it)."""
    if not is_url(args.store):
        kg.open(fit=False)          # build first if the build is missing or stale
    pool = WorkerPool(1, timeout=args.timeout, row_limit=args.limit, build_dir=paths.build_dir(), memory_mb=0,
                      store=store_name(args.store)).start()
    try:
        with time_limit(args.timeout + 60):  # the worker is killed long before; this bounds a stuck pipe
            reply = pool.run(vetted.text, {kind: [args.format] for kind in KINDS})
    finally:
        pool.close()
    if reply["status"] != 200:
        raise (QueryTimeout if reply["status"] == 503 else QueryError)(reply["message"])
    return reply["bodies"][args.format], reply["truncated"]


REGISTRY = [_corpus, _claims, _coverage, _build, _publish, register_parser, _sparql, register_ask, register_eval,
            register_export, register_serve, *INGEST_COMMANDS]
