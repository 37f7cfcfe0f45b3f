"""Candidate claims for a new document, offline: vocabulary labels, the packaged embedding model, and
the curated claims as labelled examples (kg.curation.examples).

The normalised text is cut into units (kg.sources.coverage: sentences, bullets, table cells). For each
unit that states something about a family (the unit names one, or its table row or column, list or
section does), the nearest curated examples vote for a predicate; then
- a rating in a table cell ("⭐⭐⭐", "High") becomes has_level, its property read from the row or column;
- use cases and modalities the unit names (vocabulary labels, or the wording of short curated quotes)
  become suited_for / handles_modality, when the neighbours vote for that predicate;
- otherwise the unit's own words become the value of the winning free-text predicate (strength,
  weakness, mechanism, example, introduced).
Every candidate's quote is the text between its offsets; `why` names the labels and neighbours.
"""
from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from kg.curation.examples import Examples, example_text, phrase
from kg.curation.names import leading_model, model_names
from kg.reasoning.embedding import Embedder
from kg.sources.candidates import Candidate
from kg.sources.context import FamilyNames, context_of, heading_like, locate_structure, section_family
from kg.sources.coverage import Unit, split_units

NEIGHBOURS = 10
MIN_SHARE = 0.30            # a predicate needs this share of the neighbours' similarity
USE_CASE_SIM = 0.5          # an item under "Applications" is the nearest use case only this close
MIN_SIMILARITY = 0.35       # units whose nearest example is further than this state nothing we know
VALUE_SHARE = {"suited_for": 0.15, "handles_modality": 0.3}     # the neighbours' share a named value needs
STRENGTH_SHARE = 0.4         # a strength the heading does not announce needs a clearer vote
FREE_TEXT = ("strength", "weakness", "mechanism", "example", "introduced")
_STARS = re.compile(r"^[⭐★]{1,5}$")
_CODE = re.compile(r"^\s*(def |class |import |from \w+ import|return\b|#\s|\w+\s*=\s*\w+\()")
_BULLET = re.compile(r"^\s*(?:[-•*–]|\d+\.)\s+")
_MODEL = re.compile(r"^(?:[-•*–]\s+)?([A-Z][\w.·-]*(?:[ -][A-Z0-9][\w.·-]*){0,3})(?:\s*\(|:|\s+by\b|\s+[-–—]\s)")
_BY = re.compile(r"\b(?:introduced|proposed|developed|created)\s+by\s+([A-Z][\w.]*(?:\s+(?:and\s+)?[A-Z][\w.]*){0,4})")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_RUN_TOGETHER = re.compile(r"(?<=[a-z)])- (?=[A-Z])")
_WEAK = re.compile(r"\b(cons|weakness(es)?|limitations?|drawbacks?|disadvantages?|challenges?)\b", re.I)
_MECHANISM = re.compile(r"\b(how (?:it|they) works?|core idea|key idea|key concepts?|architecture|mechanism|"
                        r"components?)\b", re.I)
_STRONG = re.compile(r"\b(pros|strengths?|advantages?|benefits?)\b", re.I)
_ROW_LIKE = re.compile(r",.*[⭐★]")      # "Transformers Text, Code GPT-4 ⭐⭐⭐": a row, spaces between cells
_USES = re.compile(r"\b(applications?|use cases?|best for|used for|uses|good for|ideal for|suited for|"
                   r"task objective)\b", re.I)
_NEGATION = re.compile(r"\b(not|poor|struggles?|unsuitable|less suited|bad|avoid)\b", re.I)


def _level_words(examples: Examples) -> dict[str, str]:
    words = {}
    for level in examples.vocab.levels.values():
        for label in [level.label, *level.alt_labels]:
            words[label.lower()] = level.id
    return words


def _rating(unit: str, levels: dict[str, str]) -> str:
    text = unit.strip().rstrip(".").lower()
    if _STARS.match(text):
        return levels.get(text, "")
    return levels.get(text, "")


def _property(texts: list[str], examples: Examples) -> str:
    for text in texts:
        words = phrase(text)
        for prop in examples.vocab.properties.values():
            if any(phrase(lbl) and re.search(rf"\b{re.escape(phrase(lbl))}\b", words)
                   for lbl in [prop.label, *prop.alt_labels]):
                return prop.id
    return ""


def _pieces(unit: Unit) -> list[Unit]:
    """A table cell whose items the source ran together ("- Sharp outputs- High quality", an en dash first):
    each item."""
    if not _RUN_TOGETHER.search(unit.text):
        return [unit]
    out, pos = [], 0
    for part in [*_RUN_TOGETHER.split(unit.text)]:
        at = unit.text.find(part, pos)
        body = part.strip().lstrip("–-").strip()
        if body:
            start = unit.start + unit.text.find(body, at)
            out.append(Unit(start, start + len(body), body))
        pos = at + len(part)
    return out


def _heading_polarity(loc) -> str:
    """strength, weakness or mechanism when the list, column or label the unit sits under says so ("Cons",
    "Key idea"), else ''."""
    heading = " ".join((loc.list_heading, loc.label, loc.column if loc.in_table else ""))
    if _WEAK.search(heading):
        return "weakness"
    if _MECHANISM.search(heading):
        return "mechanism"
    return "strength" if _STRONG.search(heading) else ""


def _polarity(predicate: str, loc) -> str:
    if predicate not in ("strength", "weakness"):
        return predicate
    heading = _heading_polarity(loc)
    return heading if heading in ("strength", "weakness") else predicate


def _in_order(text: str, names: FamilyNames) -> list[str]:
    """The families a text names, the first-named first."""
    first: dict[str, int] = {}
    for pattern, family in names.patterns:
        hit = pattern.search(text)
        if hit and family in names(hit.group(0)):
            first[family] = min(first.get(family, hit.start()), hit.start())
    return sorted(first, key=first.get)


def _subjects(unit: Unit, text: str, loc, names: FamilyNames) -> tuple[list[str], str]:
    """The families a unit is about, and where that was read (unit, row/column, list, section)."""
    named = _in_order(unit.text, names)
    if named:
        return named[:1], "named in the quote"
    if loc.in_table:
        found = names(loc.row) + names(loc.column)
        return (found[:1], "its table row or column") if len(set(found)) == 1 else ([], "")
    for where, label in (("its list heading", loc.list_heading), ("its label", loc.label)):
        if names(label):
            return names(label)[:1], where
    family = section_family(text, unit.start, names) or _heading_family(text, unit.start, names)
    return ([family], "its section") if family else ([], "")


def _heading_family(text: str, start: int, names: FamilyNames) -> str:
    """The family the nearest heading-like line above names (HTML and PDF headings carry no marks)."""
    for line in reversed(text[:start].split("\n")[:-1]):
        found = names(line) if heading_like(line) else []
        if found:                   # headings naming no family ("Strengths") are passed over
            return found[0] if len(found) == 1 else ""
    return ""


def _wanted(unit: Unit, text: str, loc) -> bool:
    line_start = text.rfind("\n", 0, unit.start) + 1
    line_end = text.find("\n", unit.start)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    if _CODE.match(line):
        return False
    if " | " in line or line.startswith("|"):
        return loc.in_table and bool(re.search(r"\w|[⭐★]", unit.text))
    if _BULLET.match(line):
        return bool(re.search(r"[A-Za-z]{2,}", unit.text))
    if heading_like(line) and len(re.findall(r"[A-Za-z]+", unit.text)) <= 6 and not _ROW_LIKE.search(line):
        return False
    return len(re.findall(r"[A-Za-z]{2,}", unit.text)) >= 2


def _found_values(unit: str, lexicon: dict[str, set[str]], short: bool) -> dict[str, str]:
    """Values the unit names, each with the phrase that named it (longest phrases first)."""
    words, out, taken = f" {phrase(unit)} ", {}, []
    for key in sorted(lexicon, key=len, reverse=True):
        if len(key.split()) == 1 and not short:
            continue
        at = words.find(f" {key} ")
        if at < 0 and not key.endswith("s"):
            at = words.find(f" {key}s ")
        if at < 0 or any(s <= at < e for s, e in taken):
            continue
        taken.append((at, at + len(key) + 1))
        for value in sorted(lexicon[key]):
            out.setdefault(value, key)
    return out


def _free_value(predicate: str, unit: str, known_models: set[str]) -> tuple[object, dict]:
    body = _BULLET.sub("", unit).strip()
    if predicate == "example":
        hit = _MODEL.match(body)
        name = hit.group(1) if hit else next((m for m in sorted(known_models, key=len, reverse=True)
                                              if re.search(rf"\b{re.escape(m)}\b", body)), "")
        if not name and len(body.split()) <= 4 and body[:1].isupper():
            name = body.rstrip(".;:")
        return (name, {}) if name else (None, {})
    if predicate == "introduced":
        hit = _BY.search(body)
        year = _YEAR.search(body)
        return (hit.group(1), {"year": int(year.group(1))} if year else {}) if hit else (None, {})
    value = body.rstrip(".;:")
    if value[1:2].isupper():
        return value, {}
    return (value[:1].lower() + value[1:] if value else None), {}


class Proposer:
    """Proposes candidates for documents, with one set of examples and one embedding model."""

    def __init__(self, examples: Examples, embedder: Embedder | None = None):
        self.examples = examples
        self.embedder = embedder or Embedder()
        self.names = FamilyNames(examples.vocab)
        self.levels = _level_words(examples)
        self.models = {str(c.value) for c in examples.claims if c.predicate == "example"}
        self.known = {m.lower() for m in self.models}
        self._use_cases = None

    def propose(self, text: str, *, rejected: set[str] = frozenset()) -> list[Candidate]:
        units, places, named = [], [], []
        for unit in (piece for whole in split_units(text) for piece in _pieces(whole)):
            loc = locate_structure(text, unit.start)
            if _wanted(unit, text, loc):
                units.append(unit)
                places.append(loc)
            elif not _CODE.match(unit.text) and model_names(unit.text, self.known, self.names):
                named.append((unit, loc))       # a heading-like line that names models: "GPT-4"
        contexts = [context_of(loc, u.text) for loc, u in zip(places, units, strict=True)]
        if not units:
            return []
        vectors = self.embedder.encode([example_text(u.text, c) for u, c in zip(units, contexts, strict=True)])
        order, sims = self.examples.nearest(vectors, NEIGHBOURS)
        out: list[Candidate] = []
        previous: tuple[int, list[str]] = (-1, [])
        for unit, loc, context, idx, sim, vec in zip(units, places, contexts, order, sims, vectors, strict=True):
            subjects, where = _subjects(unit, text, loc, self.names)
            if not subjects and previous[1] and "\n\n" not in text[previous[0]:unit.start] and not loc.in_table:
                subjects, where = previous[1], "the sentence before"
            if subjects:
                previous = (unit.end, subjects)
            if subjects and sim[0] >= MIN_SIMILARITY:
                out += self._unit(unit, loc, context, subjects[0], where, idx, sim, vec)
        out += self._star_rows(text)
        for unit, loc in named:
            subjects, where = _subjects(unit, text, loc, self.names)
            if subjects:
                out += self._examples(unit, context_of(loc, unit.text), subjects[0],
                                      {"subject": f"{subjects[0]} ({where})"}, {}, [], [])
        seen, unique = set(rejected), []
        for cand in out:
            if cand.key not in seen:
                seen.add(cand.key)
                unique.append(cand)
        return unique

    def _star_rows(self, text: str) -> list[Candidate]:
        """Ratings in tables whose cells only spaces separate: "Quality ⭐⭐⭐⭐⭐ ⭐⭐⭐⭐" under a header
        naming the families in order, or "GANs Images ⭐⭐⭐⭐" under a header naming the property."""
        out, lines, pos = [], text.split("\n"), 0
        starts = []
        for line in lines:
            starts.append(pos)
            pos += len(line) + 1
        for i, line in enumerate(lines):
            runs = list(re.finditer(r"[⭐★]+", line))
            if not runs or " | " in line:
                continue
            header = next((ln for ln in reversed(lines[max(0, i - 8):i]) if ln.strip() and "⭐" not in ln), "")
            label = line[:runs[0].start()].strip()
            prop, order = _property([label], self.examples), _in_order(header, self.names)
            pairs = list(zip(order, runs, strict=False)) if prop and len(order) == len(runs) else []
            named = _in_order(label, self.names)
            if not pairs and len(named) == 1 and (prop := _property([header.split()[-1] if header else ""],
                                                                   self.examples)):
                pairs = [(named[0], run) for run in runs[-1:]]
            for family, run in pairs:
                level = self.levels.get(run.group(0), "")
                if not level:
                    continue
                context = f"{label} · {self.examples.vocab.families[family].label}"
                unit = Unit(starts[i] + run.start(), starts[i] + run.end(), run.group(0))
                why = {"subject": f"{family} (the header's column)", "vocabulary": [f"level {level}",
                       f"property {prop}"]}
                out.append(self._make(unit, context, family, "has_level", level, 0.7, why,
                                      {"property": prop, "raw": run.group(0), "context_label": context}))
        return out

    def _votes(self, idx: np.ndarray, sim: np.ndarray) -> dict[str, float]:
        votes: dict[str, float] = defaultdict(float)
        for i, s in zip(idx, sim, strict=True):
            votes[self.examples.claims[i].predicate] += max(float(s), 0.0)
        total = sum(votes.values()) or 1.0
        return {p: v / total for p, v in votes.items()}

    def _neighbours(self, idx, sim, predicate: str | None = None) -> list[dict]:
        rows = [{"claim": self.examples.claims[i].id, "similarity": round(float(s), 3),
                 "predicate": self.examples.claims[i].predicate}
                for i, s in zip(idx, sim, strict=True)
                if predicate is None or self.examples.claims[i].predicate == predicate]
        return rows[:3]

    def _make(self, unit: Unit, context: str, subject: str, predicate: str, value, score: float,
              why: dict, extra: dict | None = None) -> Candidate:
        return Candidate(subject=subject, predicate=predicate, value=value, quote=unit.text, start=unit.start,
                         end=unit.end, context=context, extra=extra or {}, why=why, score=round(score, 3))

    def _unit(self, unit: Unit, loc, context: str, subject: str, where: str, idx, sim, vec) -> list[Candidate]:
        votes = self._votes(idx, sim)
        base = {"subject": f"{subject} ({where})"}
        rating = _rating(unit.text, self.levels) if loc.in_table else ""
        if rating:
            prop = _property([loc.row, loc.column, context], self.examples) or next(
                (str(self.examples.claims[i].extra.get("property")) for i in idx
                 if self.examples.claims[i].predicate == "has_level"), "")
            if prop:
                why = {**base, "vocabulary": [f"level {rating}: {unit.text!r}", f"property {prop}"],
                       "neighbours": self._neighbours(idx, sim, "has_level")}
                return [self._make(unit, context, subject, "has_level", rating, float(sim[0]), why,
                                   {"property": prop, "raw": unit.text})]
        out = self._vocabulary_values(unit, loc, context, subject, base, votes, idx, sim, vec)
        examples = self._examples(unit, context, subject, base, votes, idx, sim)
        for free in sorted(FREE_TEXT, key=lambda p: -votes.get(p, 0.0))[:2]:
            if votes.get(free, 0.0) < MIN_SHARE:
                break
            if free == "strength" and votes[free] < STRENGTH_SHARE and _heading_polarity(loc) != "strength":
                continue
            if free == "example":
                continue
            share, free = votes[free], _polarity(free, loc)
            value, extra = _free_value(free, unit.text, self.models)
            if value and all(c.predicate != free for c in out):
                why = {**base, "neighbours": self._neighbours(idx, sim, free), "vote": round(share, 2)}
                out.append(self._make(unit, context, subject, free, value, share * float(sim[0]), why, extra))
        polarity = _heading_polarity(loc)
        if polarity and all(c.predicate != polarity for c in out):
            value, _ = _free_value(polarity, unit.text, self.models)
            why = {**base, "vocabulary": [f"under {polarity} heading {context!r}"],
                   "neighbours": self._neighbours(idx, sim, polarity)}
            out.append(self._make(unit, context, subject, polarity, value, 0.5 * float(sim[0]), why))
        return out + examples + self._about_models(unit, out, examples)

    def _about_models(self, unit: Unit, family: list[Candidate], examples: list[Candidate]) -> list[Candidate]:
        """What the unit says of the model it starts with (all of it), or of the models it lists as
        examples (their use cases): the family's candidates again, with the model as subject."""
        lead = leading_model(unit.text, self.known, self.names)
        models = [lead] if lead else [str(c.value) for c in examples]
        out = []
        for cand in family:
            if cand.predicate == "handles_modality" or (cand.predicate != "suited_for" and not lead):
                continue
            for model in models:
                why = {**cand.why, "subject": f"{model} (the model the quote names)"}
                out.append(Candidate(model, cand.predicate, cand.value, cand.quote, cand.start, cand.end,
                                     cand.context, dict(cand.extra), why, round(cand.score * 0.8, 3)))
        return out

    def _examples(self, unit, context, subject, base, votes, idx, sim) -> list[Candidate]:
        out = []
        for name, _, _ in model_names(unit.text, self.known, self.names):
            why = {**base, "vocabulary": [f"model name {name!r}"], "vote": round(votes.get("example", 0.0), 2),
                   "neighbours": self._neighbours(idx, sim, "example")}
            out.append(self._make(unit, context, subject, "example", name,
                                  (0.5 + votes.get("example", 0.0)) * float(sim[0] if len(sim) else 0.5), why))
        return out

    def _nearest_use_case(self, vec) -> dict[str, str]:
        """The use case whose label is nearest the unit (for items under "Applications", "Best for")."""
        if self._use_cases is None:
            labels = [(c.id, label) for c in self.examples.vocab.use_cases.values()
                      for label in [c.label, *c.alt_labels]]
            self._use_cases = (labels, self.embedder.encode([label for _, label in labels]))
        labels, vectors = self._use_cases
        sims = vectors @ vec
        best = int(np.argmax(sims))
        if sims[best] < USE_CASE_SIM:
            return {}
        return {labels[best][0]: f"{labels[best][1]} (embedding {sims[best]:.2f})"}

    def _vocabulary_values(self, unit, loc, context, subject, base, votes, idx, sim, vec) -> list[Candidate]:
        out = []
        short = loc.in_table or loc.in_list or bool(loc.label) or len(unit.text.split()) <= 5
        uses = bool(_USES.search(" ".join((loc.list_heading, loc.label, loc.column if loc.in_table else ""))))
        for predicate in ("suited_for", "handles_modality"):
            share = votes.get(predicate, 0.0) + (votes.get("not_suited_for", 0.0) if predicate == "suited_for" else 0)
            if share < VALUE_SHARE[predicate] and not (uses and predicate == "suited_for"):
                continue
            found = _found_values(unit.text, self.examples.lexicon[predicate], short)
            if not found and uses and predicate == "suited_for":
                found = self._nearest_use_case(vec)
            if predicate == "suited_for" and _NEGATION.search(unit.text) and votes.get("not_suited_for", 0) > 0.1:
                predicate = "not_suited_for"
            for value, label in found.items():
                why = {**base, "vocabulary": [f"{value}: {label!r}"], "vote": round(share, 2),
                       "neighbours": self._neighbours(idx, sim, predicate)}
                out.append(self._make(unit, context, subject, predicate, value, share * float(sim[0]), why))
        return out
