"""The RDF namespaces of the vocabulary and of the things the graph names."""
from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

WM = Namespace("https://w3id.org/whichmodel#")
BASE = "https://w3id.org/whichmodel/"
FAM = Namespace(BASE + "family/")
PROP = Namespace(BASE + "property/")
LVL = Namespace(BASE + "level/")
MOD = Namespace(BASE + "modality/")
UC = Namespace(BASE + "usecase/")
CON = Namespace(BASE + "constraint/")
MODEL = Namespace(BASE + "model/")
CLAIM = Namespace(BASE + "claim/")
DOC = Namespace(BASE + "doc/")
RULE = Namespace(BASE + "rule/")
CONFLICT = Namespace(BASE + "conflict/")
OA = Namespace("http://www.w3.org/ns/oa#")
MLS = Namespace("http://www.w3.org/ns/mls#")
SH = Namespace("http://www.w3.org/ns/shacl#")

PREFIXES = {
    "wm": WM, "fam": FAM, "prop": PROP, "lvl": LVL, "mod": MOD, "uc": UC, "con": CON,
    "model": MODEL, "claim": CLAIM, "doc": DOC, "rule": RULE, "conflict": CONFLICT,
    "skos": SKOS, "prov": PROV, "dcterms": DCTERMS, "oa": OA, "mls": MLS, "rdf": RDF,
    "rdfs": RDFS, "owl": OWL, "xsd": XSD, "sh": SH,
}


def bind_prefixes(graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
