"""Lookups over the networkx view that need mapping and recommendation use: built once per graph."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:      # the index is built from a networkx view or a LightView (kg.graph.lightview) alike
    import networkx as nx

FAMILY_LABELS = {"gan": "GAN", "vae": "VAE", "diffusion": "Diffusion", "autoregressive": "Autoregressive",
                 "flow": "Flow", "transformer": "Transformer", "nerf": "NeRF", "autoencoder": "Autoencoder"}


@dataclass
class ClaimRef:
    id: str
    subject: str          # fam:x or model:y
    family: str           # the family id the claim bears on (a model's family for model claims)
    predicate: str
    doc: str
    quote: str
    start: int
    end: int
    value: str = ""
    obj: str = ""         # object node (use case, modality, level target)
    prop: str = ""        # property id for level-bearing claims
    rank: int = 0
    via_model: str = ""
    context: str = ""     # where a short quote stands: "Training complexity · GANs" ("" when it stands alone)

    def citation(self) -> dict:
        return {"doc": self.doc, "quote": self.quote, "start": self.start, "end": self.end,
                "claim": self.id, "context": self.context}


@dataclass
class Rule:
    id: str
    family: str
    action: str
    claim: ClaimRef
    conditions: dict[str, set[str]]          # as the source states them
    use_cases_held: set[str] = field(default_factory=set)   # the stated use cases and their narrower ones


@dataclass
class Concept:
    id: str
    kind: str
    label: str
    texts: list[str]
    higher_is_better: bool = True
    modalities: list[str] = field(default_factory=list)
    broader: list[str] = field(default_factory=list)     # skos:broader concepts of the same kind


ClaimTable = dict[str, dict[str, list[ClaimRef]]]      # family -> concept -> claims


def _claim_table() -> ClaimTable:
    return defaultdict(lambda: defaultdict(list))


@dataclass
class KnowledgeIndex:
    families: dict[str, Concept] = field(default_factory=dict)
    use_cases: dict[str, Concept] = field(default_factory=dict)
    modalities: dict[str, Concept] = field(default_factory=dict)
    properties: dict[str, Concept] = field(default_factory=dict)
    constraints: dict[str, Concept] = field(default_factory=dict)
    levels: dict[int, str] = field(default_factory=dict)
    claims: dict[str, ClaimRef] = field(default_factory=dict)
    suited: ClaimTable = field(default_factory=_claim_table)
    family_modalities: dict[str, set[str]] = field(default_factory=dict)   # kinds of data a family is named for
    unsuited: ClaimTable = field(default_factory=_claim_table)
    modality_claims: ClaimTable = field(default_factory=_claim_table)
    level_claims: ClaimTable = field(default_factory=_claim_table)
    rules: list[Rule] = field(default_factory=list)
    conditional: dict[str, Rule] = field(default_factory=dict)   # a use-case claim -> the rule stating it
    conflicts: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    model_families: dict[str, list[str]] = field(default_factory=dict)
    model_labels: dict[str, str] = field(default_factory=dict)

    @cached_property
    def vocabulary_texts(self) -> list[str]:
        """Every label and alternative label of the vocabulary's use cases, modalities, properties, families
        and constraints."""
        return [t for concepts in (self.use_cases, self.modalities, self.properties, self.families,
                                   self.constraints) for c in concepts.values() for t in c.texts]

    @cached_property
    def words(self) -> frozenset[str]:
        """Every word of three letters or more in the vocabulary's labels and the named models' labels."""
        texts = self.vocabulary_texts + list(self.model_labels.values())
        return frozenset(w for t in texts for w in re.findall(r"[a-z0-9]{3,}", t.lower()))

    def consensus(self, family: str, prop: str) -> tuple[float, int] | None:
        """Mean rank over sources (each source's claims averaged first) and the number of sources."""
        claims = self.level_claims.get(family, {}).get(prop)
        if not claims:
            return None
        per_doc: dict[str, list[int]] = defaultdict(list)
        for claim in claims:
            per_doc[claim.doc].append(claim.rank)
        means = [sum(v) / len(v) for v in per_doc.values()]
        return sum(means) / len(means), len(means)


def _local(node: str) -> str:
    return node.split(":", 1)[1]


def _concepts(view: nx.MultiDiGraph, kind_type: str, kind: str) -> dict[str, Concept]:
    out = {}
    for node, attrs in view.nodes(data=True):
        if kind_type in attrs.get("type", []):
            label = str(attrs.get("prefLabel", _local(node)))
            texts = [label] + [str(a) for a in attrs.get("altLabel", [])]
            modalities = sorted(_local(t) for _, t, k in view.out_edges(node, keys=True) if k == "modality")
            broader = sorted(_local(t) for _, t, k in view.out_edges(node, keys=True) if k == "broader")
            out[_local(node)] = Concept(_local(node), kind, label, texts,
                                        bool(attrs.get("higherIsBetter", True)), modalities, broader)
    return dict(sorted(out.items()))


def _claim_ref(view, node: str, attrs: dict, model_families: dict[str, list[str]]) -> list[ClaimRef]:
    subject = next((t for _, t, k in view.out_edges(node, keys=True) if k == "subject"), "")
    objects = [t for _, t, k in view.out_edges(node, keys=True) if k == "object"]
    prop = next((_local(t) for _, t, k in view.out_edges(node, keys=True) if k == "about"), "")
    level = next((t for _, t, k in view.out_edges(node, keys=True) if k == "level"), "")
    rank = int(view.nodes[level].get("rank", 0)) if level else 0
    families = [_local(subject)] if subject.startswith("fam:") else model_families.get(_local(subject), [])
    refs = []
    for family in families:
        refs.append(ClaimRef(
            id=_local(node), subject=subject, family=family, predicate=str(attrs.get("predicate")),
            doc=str(attrs.get("doc")), quote=str(attrs.get("quote")), start=int(attrs.get("start", -1)),
            end=int(attrs.get("end", -1)), value=str(attrs.get("value", "")),
            obj=objects[0] if objects else "", prop=prop, rank=rank,
            via_model="" if subject.startswith("fam:") else _local(subject),
            context=str(attrs.get("quoteContext", ""))))
    return refs


def build_index(view: nx.MultiDiGraph) -> KnowledgeIndex:
    index = KnowledgeIndex()
    index.families = _concepts(view, "wm:ModelFamily", "family")
    index.use_cases = _concepts(view, "wm:UseCase", "use_case")
    index.modalities = _concepts(view, "wm:Modality", "modality")
    index.properties = _concepts(view, "wm:Property", "property")
    index.constraints = _concepts(view, "wm:Constraint", "constraint")
    for node, attrs in view.nodes(data=True):
        if "wm:Level" in attrs.get("type", []):
            index.levels[int(attrs["rank"])] = str(attrs["prefLabel"])
        if "wm:NamedModel" in attrs.get("type", []):
            index.model_labels[_local(node)] = str(attrs.get("prefLabel", _local(node)))
            index.model_families[_local(node)] = sorted(
                _local(t) for _, t, k in view.out_edges(node, keys=True) if k == "broader")
    for node, attrs in sorted(view.nodes(data=True)):
        if "wm:Claim" in attrs.get("type", []):
            _index_claim(index, view, node, attrs)
    for node, attrs in sorted(view.nodes(data=True)):
        if "wm:DecisionRule" in attrs.get("type", []):
            _index_rule(index, view, node, attrs)
        if "wm:Conflict" in attrs.get("type", []):
            _index_conflict(index, view, node, attrs)
    _widen_rules(index)
    _conditional_claims(index)
    index.family_modalities = {family: {m for uc in index.suited.get(family, {}) if uc in index.use_cases
                                        for m in index.use_cases[uc].modalities} for family in index.families}
    return index


def _widen_rules(index: KnowledgeIndex) -> None:
    """A rule for a use case holds for its narrower ones too: 001's "For Image Generation: Diffusion Models if
    quality is priority" holds for text-to-image generation (skos:broader in the vocabulary)."""
    narrower: dict[str, set[str]] = {}
    for uc, concept in index.use_cases.items():
        for wider in concept.broader:
            narrower.setdefault(wider, set()).add(uc)
    for rule in index.rules:
        named = rule.conditions.get("use_cases", set())
        rule.use_cases_held = set(named).union(*(narrower.get(u, set()) for u in named))


def _conditional_claims(index: KnowledgeIndex) -> None:
    """A use-case claim whose quote is a rule's ("Auto-Regressive Models · Best Use Case: “If output quality is a
    priority (e.g., text, images)”") names the family for it only where the rule's conditions hold."""
    spans = {(rule.claim.doc, rule.claim.start, rule.claim.end): rule for rule in index.rules}
    for claim in index.claims.values():
        rule = spans.get((claim.doc, claim.start, claim.end))
        if rule and claim.predicate == "suited_for" and claim.id != rule.claim.id:
            index.conditional[claim.id] = rule


def _index_claim(index: KnowledgeIndex, view, node: str, attrs: dict) -> None:
    for ref in _claim_ref(view, node, attrs, index.model_families):
        index.claims.setdefault(ref.id, ref)
        if ref.predicate == "suited_for":
            index.suited[ref.family][_local(ref.obj)].append(ref)
        elif ref.predicate == "not_suited_for":
            index.unsuited[ref.family][_local(ref.obj)].append(ref)
        elif ref.predicate == "handles_modality":
            index.modality_claims[ref.family][_local(ref.obj)].append(ref)
        if ref.rank and ref.prop and not ref.via_model:
            index.level_claims[ref.family][ref.prop].append(ref)


def _index_rule(index: KnowledgeIndex, view, node: str, attrs: dict) -> None:
    kinds = {"whenConstraint": "constraints", "whenPriority": "priorities", "whenIndifferent": "indifferent",
             "whenUseCase": "use_cases", "whenModality": "modalities"}
    conditions: dict[str, set[str]] = defaultdict(set)
    family = claim = ""
    for _, target, key in view.out_edges(node, keys=True):
        if key in kinds:
            conditions[kinds[key]].add(_local(target))
        elif key == "recommends":
            family = _local(target)
        elif key == "statedBy":
            claim = _local(target)
    ref = index.claims.get(claim)
    if ref and family:
        index.rules.append(Rule(_local(node), family, str(attrs.get("action", "use")), ref, dict(conditions)))


def _index_conflict(index: KnowledgeIndex, view, node: str, attrs: dict) -> None:
    """index.conflicts[(family, property)]: every conflict on that pair, levels first."""
    edges = list(view.out_edges(node, keys=True))
    family = next(_local(t) for _, t, k in edges if k == "conflictFamily")
    prop = next(_local(t) for _, t, k in edges if k == "conflictProperty")
    other = next((_local(t) for _, t, k in edges if k == "comparedWith"), "")
    sides = [index.claims[_local(t)] for _, t, k in edges if k == "side" and _local(t) in index.claims]
    comment, kind = attrs.get("comment", ""), attrs.get("conflictKind", "levels")
    entry = {"summary": str(comment[0] if isinstance(comment, list) else comment), "sides": sides,
             "kind": str(kind[0] if isinstance(kind, list) else kind), "other": other}
    found = index.conflicts.setdefault((family, prop), [])
    found.append(entry)
    found.sort(key=lambda e: (e["kind"] != "levels", e["kind"], e["other"]))
