"""Curated claims (ontology/claims/*.yaml): parse, check against the vocabulary, locate quotes.

A claims file names its source document and lists claims. Each claim has id, subject,
predicate, value and the exact quote that states it; the quote must occur in the document's
normalised text. A quote that occurs more than once needs `context`: a longer verbatim passage,
unique in the document, in which the quote's last occurrence is the one meant.

A quote too short to stand alone (a table cell, a short list item) is shown with where it sits:
`quote_context`, the row label and column header or the section and list heading, read from the
document's structure (kg.sources.context) or given as `context_label` where the structure is not
in the text (tables whose cells the source does not separate).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kg import paths
from kg.errors import ClaimError
from kg.ontology.vocabulary import Vocabulary, slugify
from kg.sources.context import context_of, locate_structure
from kg.sources.corpus import Document
from kg.sources.yamlsafe import LineDict, load_yaml

CONDITION_KINDS = ("constraints", "priorities", "indifferent", "use_cases", "modalities")
PREDICATES = {
    # predicate: (required fields besides the common ones, optional fields)
    "has_level": ({"property"}, {"raw"}),
    "strength": (set(), {"property", "level"}),
    "weakness": (set(), {"property", "level"}),
    "suited_for": (set(), set()),
    "not_suited_for": (set(), set()),
    "handles_modality": (set(), set()),
    "example": (set(), {"note"}),
    "hybrid_of": (set(), set()),
    "introduced": (set(), {"year"}),
    "mechanism": (set(), set()),
    "recommended_when": ({"when"}, set()),
    "compared": ({"property", "than"}, set()),
}
COMMON = {"id", "subject", "predicate", "value", "quote", "context", "context_label", "note"}
TEXT_FIELDS = ("id", "subject", "predicate", "quote", "context", "context_label", "note", "property", "level",
               "than", "raw")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PREFIX_CHARS = 32


@dataclass
class Claim:
    id: str
    subject: str            # a family id or a named model id
    subject_kind: str       # "family" or "model"
    predicate: str
    value: object           # id, text, or list of family ids (hybrid_of)
    quote: str
    source: str
    file: str
    line: int
    context: str = ""
    subject_label: str = ""
    extra: dict = field(default_factory=dict)
    start: int = -1
    end: int = -1
    prefix: str = ""
    suffix: str = ""
    context_label: str = ""     # given in the YAML: what the quote is about, where the text cannot say
    quote_context: str = ""     # shown beside the quote: context_label, else derived from the structure

    def citation(self) -> dict:
        return {"doc": self.source, "quote": self.quote, "start": self.start, "end": self.end,
                "claim": self.id, "context": self.quote_context}


@dataclass
class ClaimFile:
    path: Path
    source: str
    claims: list[Claim]
    skips: list[dict]


def _fail(message: str, path: Path, line: int | None) -> ClaimError:
    return ClaimError(message, file=str(path), line=line)


def locate(quote: str, context: str, text: str) -> tuple[int, int] | str:
    """Offsets of the quote in text, or a message saying why it cannot be located."""
    anchor = context or quote
    first = text.find(anchor)
    if first < 0:
        what = "context" if context else "quote"
        return f"{what} not found verbatim in the normalised document: {anchor!r}"
    if text.find(anchor, first + 1) >= 0:
        count = text.count(anchor)
        return (f"{'context' if context else 'quote'} {anchor!r} occurs {count} times; "
                "add a longer `context` that occurs once")
    if not context:
        return first, first + len(quote)
    inner = context.rfind(quote)
    if inner < 0:
        return f"quote {quote!r} is not inside its context {context!r}"
    return first + inner, first + inner + len(quote)


def _known(value, collection) -> bool:
    """Whether value is text naming a member of collection (lists and mappings never are)."""
    return isinstance(value, str) and value in collection


def _check_value(c: LineDict, vocab: Vocabulary, path: Path) -> None:
    pred, value = c["predicate"], c.get("value")
    ids = {"suited_for": vocab.use_cases, "not_suited_for": vocab.use_cases,
           "handles_modality": vocab.modalities, "has_level": vocab.levels}
    if pred in ids and not _known(value, ids[pred]):
        raise _fail(f"unknown {pred} value {value!r}; known: {', '.join(sorted(ids[pred]))}", path, c.line)
    if pred == "hybrid_of":
        if not isinstance(value, list) or not value or not all(_known(v, vocab.families) for v in value):
            raise _fail(f"hybrid_of needs a list of family ids, got {value!r}", path, c.line)
    elif pred == "compared" and value not in ("better", "worse"):
        raise _fail(f"compared needs value better or worse, got {value!r}", path, c.line)
    elif pred not in ids and (not isinstance(value, str) or not value.strip()):
        raise _fail(f"{pred} needs a non-empty text value", path, c.line)
    if "property" in c and not _known(c["property"], vocab.properties):
        raise _fail(f"unknown property {c['property']!r}; known: {', '.join(sorted(vocab.properties))}", path, c.line)
    if "level" in c and not _known(c["level"], vocab.levels):
        raise _fail(f"unknown level {c['level']!r}; known: {', '.join(sorted(vocab.levels))}", path, c.line)
    if ("level" in c) != ("property" in c) and pred in ("strength", "weakness"):
        raise _fail("give property and level together", path, c.line)
    if "than" in c and not _known(c["than"], vocab.families):
        raise _fail(f"unknown family {c['than']!r} in than", path, c.line)
    if "year" in c and not (isinstance(c["year"], int) and 1900 < c["year"] < 2100):
        raise _fail(f"year must be a four-digit integer, got {c['year']!r}", path, c.line)
    if pred == "recommended_when":
        _check_conditions(c, vocab, path)


def _check_conditions(c: LineDict, vocab: Vocabulary, path: Path) -> None:
    when = c["when"]
    if not isinstance(when, dict) or not when:
        raise _fail("when must be a mapping of condition lists", path, c.line)
    known = {"constraints": vocab.constraints, "priorities": vocab.properties,
             "indifferent": vocab.properties, "use_cases": vocab.use_cases,
             "modalities": vocab.modalities}
    for kind, items in when.items():
        if kind not in known:
            raise _fail(f"unknown condition kind {kind!r}; use {', '.join(CONDITION_KINDS)}", path, c.line)
        if not isinstance(items, list) or not all(_known(i, known[kind]) for i in items):
            raise _fail(f"unknown {kind} in when: {items!r}", path, c.line)


def _parse_claim(c, source: str, vocab: Vocabulary, path: Path) -> Claim:
    if not isinstance(c, LineDict):
        raise _fail("each claim must be a mapping", path, None)
    for key in ("id", "subject", "predicate", "value", "quote"):
        if key not in c:
            raise _fail(f"claim is missing {key!r}", path, c.line)
    for key in TEXT_FIELDS:
        if key in c and not isinstance(c[key], str):
            raise _fail(f"{key} must be text, got {type(c[key]).__name__} {c[key]!r:.60}", path, c.line)
    pred = c["predicate"]
    if pred not in PREDICATES:
        raise _fail(f"unknown predicate {pred!r}; known: {', '.join(PREDICATES)}", path, c.line)
    required, optional = PREDICATES[pred]
    missing = required - set(c)
    unknown = set(c) - COMMON - required - optional
    if missing or unknown:
        raise _fail(f"{pred} claim: missing {sorted(missing)} / unexpected {sorted(unknown)}", path, c.line)
    if not isinstance(c["id"], str) or not _ID.match(c["id"]):
        raise _fail(f"claim id {c['id']!r} must be lower-case letters, digits and hyphens", path, c.line)
    if not isinstance(c["quote"], str) or not c["quote"].strip():
        raise _fail("quote must be non-empty text", path, c.line)
    _check_value(c, vocab, path)
    subject = str(c["subject"])
    kind = "family" if subject in vocab.families else "model"
    subject_id = subject if kind == "family" else slugify(subject)
    extra = {k: c[k] for k in c if k not in COMMON}
    if "note" in c:
        extra["note"] = c["note"]
    return Claim(id=c["id"], subject=subject_id, subject_kind=kind, predicate=pred,
                 value=c["value"], quote=c["quote"], source=source, file=str(path),
                 line=c.line, context=str(c.get("context") or ""), subject_label=subject,
                 extra=extra, context_label=str(c.get("context_label") or "").strip())


def parse_claim_file(path: Path, vocab: Vocabulary, docs: dict[str, Document]) -> ClaimFile:
    """Parse one claims file and check it against the vocabulary; quotes are located later."""
    data = load_yaml(path)
    if not isinstance(data, LineDict) or "claims" not in data or "source" not in data:
        raise _fail("expected a mapping with 'source' and 'claims'", path, 1)
    source = data["source"]
    if not _known(source, docs):
        raise _fail(f"unknown source {source!r}; known: {', '.join(docs)}", path, data.line)
    if not isinstance(data["claims"], list):
        raise _fail("'claims' must be a list", path, data.line)
    claims = [_parse_claim(c, source, vocab, path) for c in data["claims"]]
    skips = data.get("skip") or []
    if not isinstance(skips, list) or any(not isinstance(s, dict) or "text" not in s for s in skips):
        raise _fail("'skip' must be a list of {text, reason}", path, data.line)
    return ClaimFile(path=path, source=source, claims=claims, skips=skips)


def locate_claims(claims: list[Claim], docs: dict[str, Document]) -> None:
    """Find each quote in its document and record offsets, the text around it and its context."""
    for claim in claims:
        text = docs[claim.source].text
        where = locate(claim.quote, claim.context, text)
        if isinstance(where, str):
            raise ClaimError(f"claim {claim.id}: {where}", file=claim.file, line=claim.line)
        claim.start, claim.end = where
        claim.prefix = text[max(0, claim.start - PREFIX_CHARS):claim.start]
        claim.suffix = text[claim.end:claim.end + PREFIX_CHARS]
        claim.quote_context = claim.context_label or context_of(
            locate_structure(text, claim.start), claim.quote)


def _check_models(claims: list[Claim]) -> None:
    declared = {slugify(str(c.value)) for c in claims if c.predicate == "example"}
    declared |= {c.subject for c in claims if c.predicate == "hybrid_of"}
    for claim in claims:
        if claim.subject_kind == "model" and claim.subject not in declared:
            raise ClaimError(
                f"claim {claim.id}: subject {claim.subject!r} is neither a family nor a model "
                "named by an example or hybrid_of claim", file=claim.file, line=claim.line)


def load_claims(vocab: Vocabulary, docs: dict[str, Document],
                claims_dir: Path | None = None) -> list[ClaimFile]:
    """Every claims file, parsed, checked and located. Raises ClaimError naming file:line."""
    folder = claims_dir or paths.claims_dir()
    files = [parse_claim_file(p, vocab, docs) for p in sorted(folder.glob("*.yaml"))]
    claims = [c for f in files for c in f.claims]
    seen: dict[str, Claim] = {}
    for claim in claims:
        if claim.id in seen:
            first = seen[claim.id]
            raise ClaimError(f"duplicate claim id {claim.id!r} (first at {first.file}:{first.line})",
                             file=claim.file, line=claim.line)
        seen[claim.id] = claim
    _check_models(claims)
    locate_claims(claims, docs)
    return files


def check_claim_file(path: Path, vocab: Vocabulary, docs: dict[str, Document],
                     skips: list[dict] | None = None) -> tuple[list[Claim], list[ClaimError]]:
    """Check every claim of one file; returns the good claims (located) and every problem found.

    When `skips` is given, the file's `skip` entries are appended to it, tagged with their source.
    """
    try:
        data = load_yaml(path)
    except ClaimError as exc:
        return [], [exc]
    if not isinstance(data, LineDict) or not _known(data.get("source"), docs) or \
            not isinstance(data.get("claims"), list):
        return [], [_fail("expected a mapping with a known 'source' and a 'claims' list", path, 1)]
    if skips is not None:
        skips += [dict(s, source=data["source"]) for s in (data.get("skip") or []) if isinstance(s, dict)]
    good: list[Claim] = []
    problems: list[ClaimError] = []
    for raw in data["claims"]:
        try:
            claim = _parse_claim(raw, data["source"], vocab, path)
            locate_claims([claim], docs)
            good.append(claim)
        except ClaimError as exc:
            problems.append(exc)
    ids = [c.id for c in good]
    problems += [_fail(f"duplicate claim id {i!r}", path, None) for i in sorted({i for i in ids if ids.count(i) > 1})]
    return good, problems
