"""One rdflib graph: vocabulary + documents + claims (with located quotes) + rules + conflicts."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kg import paths
from kg.graph.conflicts import Conflict, find_conflicts, level_of, property_of
from kg.ontology.namespaces import (
    CLAIM,
    CON,
    CONFLICT,
    DOC,
    FAM,
    LVL,
    MOD,
    MODEL,
    OA,
    PROP,
    RULE,
    UC,
    WM,
    bind_prefixes,
)
from kg.ontology.vocabulary import Vocabulary, load_vocabulary, slugify
from kg.sources.claims import Claim, ClaimFile, load_claims
from kg.sources.corpus import Document, load_corpus

_DIRECT = {  # predicate -> (graph property, namespace of the object)
    "suited_for": (WM.suitedFor, UC),
    "not_suited_for": (WM.notSuitedFor, UC),
    "handles_modality": (WM.handlesModality, MOD),
}


@dataclass
class AssembledGraph:
    """Everything a build produces, in memory."""
    graph: Graph
    vocab: Vocabulary
    docs: dict[str, Document]
    claim_files: list[ClaimFile]
    conflicts: list[Conflict]
    models: dict[str, str] = field(default_factory=dict)   # model id -> label

    @property
    def claims(self) -> list[Claim]:
        return [c for f in self.claim_files for c in f.claims]


def subject_iri(claim: Claim) -> URIRef:
    return FAM[claim.subject] if claim.subject_kind == "family" else MODEL[claim.subject]


def _add_document(g: Graph, doc: Document) -> None:
    node = DOC[doc.id]
    g.add((node, RDF.type, WM.Document))
    g.add((node, RDF.type, PROV.Entity))
    g.add((node, DCTERMS.identifier, Literal(doc.id)))
    g.add((node, WM["format"], Literal(doc.format)))
    g.add((node, WM.text, Literal(doc.text)))
    g.add((node, WM.sourceFile, Literal(f"ontology/corpus/{doc.id}")))
    for attr, pred in (("title", DCTERMS.title), ("author", DCTERMS.creator),
                       ("date", DCTERMS.date), ("note", RDFS.comment)):
        if getattr(doc, attr):
            g.add((node, pred, Literal(getattr(doc, attr))))
    if doc.url:
        g.add((node, DCTERMS.source, URIRef(doc.url)))


def _add_selectors(g: Graph, claim: Claim, node: URIRef) -> None:
    target, quote_sel, pos_sel = (URIRef(f"{node}/target"), URIRef(f"{node}/quote"),
                                  URIRef(f"{node}/position"))
    g.add((node, OA.hasTarget, target))
    g.add((target, RDF.type, OA.SpecificResource))
    g.add((target, OA.hasSource, DOC[claim.source]))
    g.add((target, OA.hasSelector, quote_sel))
    g.add((target, OA.hasSelector, pos_sel))
    g.add((quote_sel, RDF.type, OA.TextQuoteSelector))
    g.add((quote_sel, OA.exact, Literal(claim.quote)))
    g.add((quote_sel, OA.prefix, Literal(claim.prefix)))
    g.add((quote_sel, OA.suffix, Literal(claim.suffix)))
    if claim.quote_context:       # the row and column (or section and list) the quote stands in
        g.add((node, WM.quoteContext, Literal(claim.quote_context)))
    g.add((pos_sel, RDF.type, OA.TextPositionSelector))
    g.add((pos_sel, OA.start, Literal(claim.start, datatype=XSD.nonNegativeInteger)))
    g.add((pos_sel, OA.end, Literal(claim.end, datatype=XSD.nonNegativeInteger)))


def _add_claim(g: Graph, claim: Claim) -> None:
    node, subj = CLAIM[claim.id], subject_iri(claim)
    g.add((node, RDF.type, WM.Claim))
    g.add((node, WM.subject, subj))
    g.add((node, WM.predicate, Literal(claim.predicate)))
    g.add((node, WM.quote, Literal(claim.quote)))
    g.add((node, PROV.wasDerivedFrom, DOC[claim.source]))
    g.add((node, WM.claimFile, Literal(Path(claim.file).name)))
    g.add((node, WM.claimLine, Literal(claim.line)))
    _add_selectors(g, claim, node)
    value = claim.value
    if claim.predicate in _DIRECT:
        pred, ns = _DIRECT[claim.predicate]
        g.add((node, WM.object, ns[value]))
        g.add((subj, pred, ns[value]))
    elif claim.predicate == "hybrid_of":
        for fam in value:
            g.add((node, WM.object, FAM[fam]))
            g.add((subj, WM.combines, FAM[fam]))
            g.add((subj, SKOS.broader, FAM[fam]))
    elif claim.predicate != "has_level":
        g.add((node, WM.value, Literal(str(value))))
    if property_of(claim):
        g.add((node, WM.about, PROP[property_of(claim)]))
        g.add((node, WM.level, LVL[level_of(claim)]))
        g.add((node, WM.rawValue, Literal(str(claim.extra.get("raw") or claim.quote))))
    _add_specifics(g, claim, node, subj)


def _add_specifics(g: Graph, claim: Claim, node: URIRef, subj: URIRef) -> None:
    pred, value, extra = claim.predicate, claim.value, claim.extra
    if pred == "strength":
        g.add((node, RDF.type, WM.Strength))
        g.add((subj, WM.hasStrength, node))
    elif pred == "weakness":
        g.add((node, RDF.type, WM.Weakness))
        g.add((subj, WM.hasWeakness, node))
    elif pred == "example":
        model = MODEL[slugify(str(value))]
        g.add((node, WM.object, model))
        g.add((subj, WM.hasExample, model))
        g.add((model, SKOS.broader, subj))
    elif pred == "introduced":
        g.add((subj, WM.introducedBy, Literal(str(value))))
        if "year" in extra:
            g.add((subj, WM.introducedIn, Literal(str(extra["year"]), datatype=XSD.gYear)))
    elif pred == "mechanism":
        g.add((subj, WM.mechanism, Literal(str(value))))
    elif pred == "compared":
        g.add((node, WM.about, PROP[extra["property"]]))
        g.add((node, WM.comparedWith, FAM[extra["than"]]))
        g.add((node, WM.comparison, Literal(str(value))))
    elif pred == "recommended_when":
        _add_rule(g, claim, node, subj)


def _add_rule(g: Graph, claim: Claim, node: URIRef, subj: URIRef) -> None:
    rule = RULE[claim.id]
    g.add((rule, RDF.type, WM.DecisionRule))
    g.add((rule, WM.recommends, subj))
    g.add((rule, WM.action, Literal(str(claim.value))))
    g.add((rule, WM.statedBy, node))
    g.add((rule, PROV.wasDerivedFrom, DOC[claim.source]))
    kinds = {"constraints": (WM.whenConstraint, None), "priorities": (WM.whenPriority, PROP),
             "indifferent": (WM.whenIndifferent, PROP), "use_cases": (WM.whenUseCase, UC),
             "modalities": (WM.whenModality, MOD)}
    for kind, items in claim.extra["when"].items():
        pred, ns = kinds[kind]
        for item in items:
            g.add((rule, pred, (ns or CON)[item]))


def _add_models(g: Graph, claims: list[Claim]) -> dict[str, str]:
    models: dict[str, str] = {}
    for claim in claims:
        if claim.predicate == "example":
            models.setdefault(slugify(str(claim.value)), str(claim.value))
        elif claim.predicate == "hybrid_of":
            models.setdefault(claim.subject, claim.subject_label)
    for ident, label in sorted(models.items()):
        node = MODEL[ident]
        g.add((node, RDF.type, WM.NamedModel))
        g.add((node, SKOS.inScheme, WM.Models))
        g.add((node, SKOS.prefLabel, Literal(label, lang="en")))
    return models


def _add_conflict(g: Graph, conflict: Conflict, vocab: Vocabulary) -> None:
    node = CONFLICT[conflict.id]
    g.add((node, RDF.type, WM.Conflict))
    g.add((node, WM.conflictFamily, FAM[conflict.family]))
    g.add((node, WM.conflictProperty, PROP[conflict.property]))
    g.add((node, RDFS.comment, Literal(conflict.summary(vocab))))
    g.add((node, WM.conflictKind, Literal(conflict.kind)))
    if conflict.other:
        g.add((node, WM.comparedWith, FAM[conflict.other]))
    for claim in conflict.sides:
        g.add((node, WM.side, CLAIM[claim.id]))


def assemble_graph(ontology_dir: Path | None = None, claims_dir: Path | None = None,
                corpus_dir: Path | None = None) -> AssembledGraph:
    """The knowledge graph from the vocabulary, corpus and claims, in memory. Raises WhichModelError."""
    ontology_dir = ontology_dir or paths.ontology_dir()
    vocab = load_vocabulary(ontology_dir)
    docs = load_corpus(corpus_dir or ontology_dir / "corpus")
    files = load_claims(vocab, docs, claims_dir or ontology_dir / "claims")
    graph = Graph()
    bind_prefixes(graph)
    graph += vocab.graph
    for doc in docs.values():
        _add_document(graph, doc)
    claims = [c for f in files for c in f.claims]
    models = _add_models(graph, claims)
    for claim in claims:
        _add_claim(graph, claim)
    conflicts = find_conflicts(claims, vocab)
    for conflict in conflicts:
        _add_conflict(graph, conflict, vocab)
    return AssembledGraph(graph, vocab, docs, files, conflicts, models)
