"""The KnowledgeBase: one opened build, and the one place that decides which build is current.

Everything that reads the graph gets its data here (the CLI, the server and its SPARQL workers, the
chat, export and evaluation):

    kb = kg.open()                      # the default build, rebuilt first when missing or stale
    kb = kg.open(folder)                # exactly that build (BuildMissing when it is unusable)
    kb = kg.open(store="rdflib")        # SPARQL on rdflib instead of Oxigraph (default: $WHICHMODEL_STORE)
    kb = kg.open(store="http://…/query")  # graph and SPARQL from a remote server (`whichmodel publish`)
    kb.graph, kb.store, kb.view, kb.index, kb.embedder, kb.matcher, kb.corpus   # each loaded lazily, once
    kb.recommend("…") -> Answer         kb.query("SELECT …") -> QueryResult (run on kb.store)

The rebuild-if-stale rule lives in `open` and nowhere else.
"""
from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from kg import paths
from kg.errors import BuildMissing, WhichModelError
from kg.graph.lightview import load_light_view
from kg.graph.store import (
    NETWORK_JSON,
    REBUILD,
    is_current,
    read_manifest,
    read_output,
)
from kg.reasoning.answer import Answer
from kg.reasoning.conversation import is_follow_up, merge
from kg.reasoning.embedding import Embedder
from kg.reasoning.index import KnowledgeIndex, build_index
from kg.reasoning.matcher import Matcher
from kg.reasoning.needs import Needs
from kg.reasoning.parser import PARSER_FILE, NeedParser, current_fingerprint
from kg.reasoning.recommend import answer_needs, recommend, understand
from kg.sources.corpus import Document, load_corpus

if TYPE_CHECKING:
    from rdflib import Graph

    from kg.sparql.backends import Store
    from kg.sparql.engine import QueryResult
    from kg.sparql.guard import VettedQuery

# Building, the RDF graph, the networkx view, SPARQL and fitting import rdflib, networkx, pyoxigraph or
# scikit-learn: they are imported where they are used, so that `whichmodel ask` starts without them
# (benchmarks/coldstart.py; tests/test_coldstart.py checks what a cold ask imports).


class KnowledgeBase:
    """One build of the graph, with what is derived from it loaded on first use and kept."""

    def __init__(self, folder: Path, *, store: str | None = None):
        self.folder = Path(folder)
        self._store_choice = store
        self._lock = threading.RLock()
        if store is not None:
            _ = self.store_name         # an unknown engine is an error here, not at the first query

    @cached_property
    def store_name(self) -> str:
        """The SPARQL engine's name: the one given, else $WHICHMODEL_STORE, else Oxigraph."""
        from kg.sparql.backends import store_name

        return store_name(self._store_choice)

    def __repr__(self) -> str:
        return f"<KnowledgeBase {self.folder} ({self.store_name})>"

    @cached_property
    def manifest(self) -> dict:
        return read_manifest(self.folder)

    @property
    def remote(self) -> bool:
        """Whether the graph is read from a remote SPARQL server (`store` is its URL) rather than the build
        (read without importing the SPARQL engines: `ask` does not need them)."""
        return paths.is_url(paths.chosen_store(self._store_choice))

    @cached_property
    def graph(self) -> Graph:
        """The RDF graph (from the build's Turtle, checked against its manifest; or the remote server's)."""
        from kg.graph.store import load_built_graph

        with self._lock:
            return self.store.graph() if self.remote else load_built_graph(self.folder)

    @cached_property
    def store(self) -> Store:
        """The SPARQL engine over this build (kg.sparql.backends): Oxigraph unless another was chosen."""
        from kg.sparql.backends import open_store

        with self._lock:
            return open_store(self.store_name, self.folder)

    @cached_property
    def view(self):
        """The networkx view the recommender and the diagrams walk (of the remote server's graph if remote)."""
        from kg.graph.network import load_networkx, to_networkx

        with self._lock, self._network_view_read():
            if self.remote:
                return to_networkx(self.graph)
            return load_networkx(read_output(NETWORK_JSON, self.folder))

    @cached_property
    def index(self) -> KnowledgeIndex:
        """The recommender's lookups, from the network view (read without networkx unless loaded already)."""
        with self._lock, self._network_view_read():
            if self.remote:
                return build_index(self.view)
            view = self.__dict__.get("view") or load_light_view(read_output(NETWORK_JSON, self.folder))
            return build_index(view)

    @contextmanager
    def _network_view_read(self):
        """A network view of the wrong shape (malformed JSON, missing keys) is a corrupt build."""
        try:
            yield
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            raise BuildMissing(f"the built network view is corrupt ({type(exc).__name__}); {REBUILD}",
                               file=str(self.folder / NETWORK_JSON)) from None

    @cached_property
    def embedder(self) -> Embedder:
        """The packaged embedding model, run from this build's ONNX export (loaded on first encode)."""
        return Embedder(build=self.folder, tell=_tell)

    @cached_property
    def matcher(self) -> Matcher:
        """Free text to concepts with the embedder."""
        with self._lock:
            return Matcher(self.index, self.embedder, self.folder, documents=self._document_texts)

    def _document_texts(self) -> list[str]:
        """The source documents' texts, or none when they cannot be read (the speller then does without)."""
        try:
            return [doc.text for doc in self.corpus.values()]
        except (WhichModelError, OSError):
            return []

    @cached_property
    def parser(self) -> NeedParser | None:
        """The learned need parser fitted for this build (`whichmodel parser`), or None: then needs are
        read by the hand-written rules alone."""
        path = self.folder / PARSER_FILE
        return NeedParser.load(path, fingerprint=current_fingerprint(self.index)) if path.exists() else None

    def parser_is_current(self) -> bool:
        return self.parser is not None

    def fit_parser(self, *, hold_out_dev: bool = False) -> dict:
        """Fit the need parser on the need corpus and keep it with this build; the dev figures per group."""
        from kg.reasoning.training import fit_parser

        parser, figures = fit_parser(self, hold_out_dev=hold_out_dev)
        self.__dict__["parser"] = parser
        return figures

    @property
    def corpus(self) -> dict[str, Document]:
        """The normalised source documents every citation points into."""
        return load_corpus()

    def understand(self, question: str, **overrides) -> Needs:
        return understand(question, self, **overrides)

    def answer(self, needs: Needs, *, alternatives: bool = True) -> Answer:
        return answer_needs(needs, self.index, alternatives=alternatives)

    def follow_up(self, previous: Answer, text: str, *, alternatives: bool = True) -> Answer | None:
        """The answer to a follow-up of a previous answer (its needs kept where the message is silent),
        or None when the message is a need of its own."""
        if previous.declined or not previous.recommendations:
            return None                                   # nothing to follow up: a question of its own
        alone = self.understand(text)
        if not is_follow_up(alone.text, self.index, previous.needs):
            return None
        return answer_needs(merge(previous.needs, alone, alone.question, self.index), self.index,
                            alternatives=alternatives)

    def recommend(self, question: str, **options) -> Answer:
        """The answer to a question (see kg.reasoning.recommend.recommend for the options)."""
        return recommend(question, kb=self, **options)

    def query(self, text: str | VettedQuery, *, limit: int | None = None) -> QueryResult:
        """Vet (unless vetted already) and run a read-only SPARQL query on the store (row cap: the engine's
        DEFAULT_ROW_LIMIT unless given)."""
        from kg.sparql.engine import DEFAULT_ROW_LIMIT, run_query

        return run_query(self.store, text, limit=DEFAULT_ROW_LIMIT if limit is None else limit)


def open(build_dir: Path | None = None, *, announce=None, fit: bool = True, store: str | None = None) -> KnowledgeBase:
    """The knowledge base over build_dir; with none given, over the default build folder, which is
    built first when it is missing or older than its sources (the one current-build rule).
    `announce(message)` is told before a build starts (the CLI prints it); with fit=False a missing
    or stale need parser is left for the caller to fit. `store` names the SPARQL engine (kg.sparql.backends)."""
    if build_dir is not None:
        return KnowledgeBase(build_dir, store=store)
    folder, tell = paths.build_dir(), announce or _tell
    if not is_current(folder):
        from kg.graph.build import build_graph

        tell("building the graph (sources changed or no build yet)…")
        build_graph(folder)
    kb = KnowledgeBase(folder, store=store)
    if fit and not kb.parser_is_current():
        tell("fitting the need parser on the need corpus (once per build)…")
        kb.fit_parser()
    return kb


def _tell(message: str) -> None:
    print(f"whichmodel: {message}", file=sys.stderr, flush=True)


@lru_cache(maxsize=1)
def current() -> KnowledgeBase:
    """The process-wide knowledge base over the default build (opened once, kept warm)."""
    return open()


__all__ = ["KnowledgeBase", "open", "current"]
