"""Sub-commands of the CLI: argument definitions and printing. The work happens in kg/explain."""
from __future__ import annotations

import sys
from pathlib import Path


def _corpus(sub) -> None:
    p = sub.add_parser("corpus", help="list the source documents, or print one's normalised text")
    p.add_argument("id", nargs="?", help="document id or a unique prefix of it (e.g. 003)")
    p.set_defaults(run=run_corpus)


def run_corpus(args) -> int:
    from kg.corpus import load_corpus, resolve_id

    docs = load_corpus()
    if args.id:
        sys.stdout.write(resolve_id(docs, args.id).text)
        return 0
    for doc in docs.values():
        title = doc.title or "(untitled)"
        print(f"{doc.id}  {doc.format:<14}  {len(doc.text):>6} chars  {title}")
    return 0


def _claims(sub) -> None:
    p = sub.add_parser("claims", help="check claims files: schema, vocabulary, quotes located")
    p.add_argument("files", nargs="*", type=Path, help="claims files (default: all shipped ones)")
    p.set_defaults(run=run_claims)


def run_claims(args) -> int:
    from kg import paths
    from kg.claims import check_claim_file
    from kg.corpus import load_corpus
    from kg.vocabulary import load_vocabulary

    vocab, docs = load_vocabulary(), load_corpus()
    files = args.files or sorted(paths.claims_dir().glob("*.yaml"))
    failed = 0
    for path in files:
        good, problems = check_claim_file(path, vocab, docs)
        for problem in problems:
            print(f"{problem}", file=sys.stderr)
        failed += len(problems)
        print(f"{path}: {len(good)} claims ok, {len(problems)} problems")
    return 1 if failed else 0


REGISTRY = [_corpus, _claims]
