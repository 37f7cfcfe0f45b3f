"""Candidate claims for a new document, offline: vocabulary labels, the packaged embedding model, and
the curated claims as labelled examples (kg.curation.examples).

The normalised text is cut into units (kg.sources.coverage: sentences, bullets, table cells). For each
unit that states something about a family (the unit names one, or its table row or column, list or
section does), the nearest curated examples vote for a predicate; then
- a rating in a table cell ("⭐⭐⭐", "High") becomes has_level, its property read from the row or column;
- use cases and modalities the unit names (vocabulary labels, or the wording of short curated quotes)
  become suited_for / handles_modality, when the neighbours vote for that predicate;
- otherwise the unit's own words become the value of the winning free-text predicate (strength,
  weakness, mechanism, example, introduced); a line under a named model that the neighbours only take
  for a model's name is that model's strength (or mechanism);
- what the sentence's shape states (kg.curation.rules): introduced, hybrid_of, recommended_when.
One-line lists and tables without bars are cut into items and cells first (kg.curation.layout).
Every candidate's quote is the text between its offsets; `why` names the labels and neighbours.
"""
from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from kg.curation.examples import Examples, example_text, phrase
from kg.curation.layout import label_items, run_together_cells, spaced_row_cells
from kg.curation.names import leading_model, model_names
from kg.curation.rules import hybrid_families, introduced_by, recommendation
from kg.curation.units import (
    BULLET as _BULLET,
)
from kg.curation.units import (
    CODE,
    NEGATION,
    PRONOUN,
    ROW_LIKE,
    SIZE,
    USES,
    comparison,
    found_values,
    free_value,
    heading_polarity,
    in_order,
    level_words,
    pieces,
    polarity_of,
    property_of,
    rating_of,
    subjects_of,
    wanted,
)
from kg.reasoning.embedding import Embedder
from kg.sources.candidates import Candidate
from kg.sources.context import FamilyNames, context_of, is_top, locate_structure, section_family
from kg.sources.coverage import Unit, split_units

NEIGHBOURS = 4
MIN_SHARE = 0.30            # a predicate needs this share of the neighbours' similarity
USE_CASE_SIM = 0.5          # an item under "Applications" is the nearest use case only this close
MIN_SIMILARITY = 0.35       # units whose nearest example is further than this state nothing we know
VALUE_SHARE = {"suited_for": 0.15, "handles_modality": 0.2}     # the neighbours' share a named value needs
MODEL_LIST = re.compile(r"\b(examples?|models|notable|famous|variants|extensions)\b", re.I)   # a list of models
STRENGTH_SHARE = 0.4         # a strength the heading does not announce needs a clearer vote
FREE_TEXT = ("strength", "weakness", "mechanism", "example", "introduced")
class Proposer:
    """Proposes candidates for documents, with one set of examples and one embedding model."""

    def __init__(self, examples: Examples, embedder: Embedder | None = None):
        self.examples = examples
        self.embedder = embedder or Embedder()
        self.names = FamilyNames(examples.vocab)
        self.levels = level_words(examples)
        self.models = {str(c.value) for c in examples.claims if c.predicate == "example"}
        self.known = {m.lower() for m in self.models}
        self._use_cases = None
        uses = {phrase(c.label): c.id for c in examples.vocab.use_cases.values()}
        self.generation = {m.id: uses[phrase(m.label) + " generation"] for m in examples.vocab.modalities.values()
                           if phrase(m.label) + " generation" in uses}      # image -> image-generation

    def propose(self, text: str, *, rejected: set[str] = frozenset()) -> list[Candidate]:
        units, places, named, others, described = [], [], [], [], {}
        for unit, loc in self._located(text):
            model = self._described(text, unit, named)
            if model or wanted(unit, text, loc):
                units.append(unit)
                places.append(loc)
                described[unit.start] = model
            elif not CODE.match(unit.text):
                others.append((unit, loc))      # a heading-like line: "GPT-4", "GANs if speed is critical"
                if model_names(unit.text, self.known, self.names):
                    named.append((unit, loc))
        contexts = [context_of(loc, u.text) for loc, u in zip(places, units, strict=True)]
        if not units:
            return []
        vectors = self.embedder.encode([example_text(u.text, c) for u, c in zip(units, contexts, strict=True)])
        order, sims = self.examples.nearest(vectors, NEIGHBOURS)
        out: list[Candidate] = []
        previous: tuple[int, list[str]] = (-1, [])
        for unit, loc, context, idx, sim, vec in zip(units, places, contexts, order, sims, vectors, strict=True):
            subjects, where = subjects_of(unit, text, loc, self.names)
            if described[unit.start]:
                subjects, where = [described[unit.start]], "the model named on the line above"
            elif not subjects and previous[1] and not loc.in_table and (
                    "\n" not in text[previous[0]:unit.start] or PRONOUN.match(unit.text)):
                subjects, where = previous[1], "the sentence before"
            if subjects:
                previous = (unit.end, subjects)
            if subjects and sim[0] >= MIN_SIMILARITY:
                section = section_family(text, unit.start, self.names) \
                    if loc.in_list and where == "named in the quote" else ""
                out += self._unit(unit, loc, context, subjects[0], where, idx, sim, vec, section)
            out += self._stated(text, unit, context, subjects[0] if subjects else "", where, 0.5 * float(sim[0]))
        out += self._star_rows(text) + self._headings(text, others, named)
        seen, unique = set(rejected), []
        for cand in out:
            if cand.key not in seen:
                seen.add(cand.key)
                unique.append(cand)
        return unique

    def _located(self, text: str):
        """Each unit of the text with where it sits: sentences, bullets and cells, a one-line list's
        items, the cells of a run-together or space-separated table."""
        tables = {**spaced_row_cells(text, self.names, self.known), **run_together_cells(text, self.names)}
        for whole in split_units(text):
            row = tables.get(text.rfind("\n", 0, whole.start) + 1)
            if row is not None:
                yield from (cell for cell in row if whole.start <= cell[0].start < whole.end)
                continue
            for unit in (item for piece in pieces(whole) for item in label_items(piece)):
                yield unit, locate_structure(text, unit.start)

    def _headings(self, text: str, others: list, named: list) -> list[Candidate]:
        """What heading-like lines state by their shape ("GANs if speed is critical"), and the models
        they name ("GPT-4") as examples of their family."""
        out = []
        for unit, loc in others:
            subjects, where = subjects_of(unit, text, loc, self.names)
            out += self._stated(text, unit, context_of(loc, unit.text), subjects[0] if subjects else "", where, 0.3)
        for unit, loc in named:
            subjects, where = subjects_of(unit, text, loc, self.names)
            if subjects:
                out += self._examples(unit, context_of(loc, unit.text), subjects[0],
                                      {"subject": f"{subjects[0]} ({where})"}, {}, [], [])
        return out

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
            prop, order = property_of([label], self.examples), in_order(header, self.names)
            pairs = list(zip(order, runs, strict=False)) if prop and len(order) == len(runs) else []
            named = in_order(label, self.names)
            if not pairs and len(named) == 1 and (prop := property_of([header.split()[-1] if header else ""],
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

    def _described(self, text: str, unit: Unit, named: list) -> str:
        """The model a line describes: the model alone on one of the two non-empty lines above it
        ("DCGAN" above "Deep Convolutional GAN - first stable architecture"), or ''."""
        if not named:
            return ""
        above, line = named[-1][0], text[text.rfind("\n", 0, unit.start) + 1:unit.start]
        between = [ln for ln in text[above.end:unit.start].split("\n")[1:-1] if ln.strip()]
        names = model_names(above.text, self.known, self.names)
        own = model_names(unit.text, self.known, self.names)
        if line.strip() or is_top(unit.text) or len(between) > 1 or len(names) != 1 or \
                names[0][0] != above.text.strip() or (own and own[0][0] == unit.text.strip()):
            return ""
        return names[0][0]

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

    def _unit(self, unit: Unit, loc, context: str, subject: str, where: str, idx, sim, vec,
              section: str = "") -> list[Candidate]:
        """The unit's candidates; its named models are examples of the section's family when it is a list
        item in a family's section ("- Transformer-XL: extends transformers" under "Autoregressive models")."""
        votes = self._votes(idx, sim)
        base = {"subject": f"{subject} ({where})"}
        rated = self._rating(unit, loc, context, subject, base, idx, sim)
        if rated:
            return rated
        out = self._vocabulary_values(unit, loc, context, subject, base, votes, idx, sim, vec)
        if loc.label and USES.search(loc.label) and len(unit.text.split()) <= 4:
            return out + self._listed_strength(unit, context, subject, base, idx, sim)
        heading = loc.list_heading if loc.in_list else loc.column if loc.in_table and not self.names(loc.column) else ""
        owner = section or subject
        examples = self._examples(unit, context, owner, {"subject": f"{owner} (its section)"} if section else base,
                                  votes, idx, sim, bool(MODEL_LIST.search(heading))) \
            if owner in self.examples.vocab.families else []
        if loc.in_table and (USES.search(loc.column) or MODEL_LIST.search(heading)):
            return out + examples + self._about_models(unit, out, examples)     # a use-case or models column
        self._free_text(out, unit, loc, context, subject, base, votes, idx, sim)
        if subject not in self.examples.vocab.families and not any(c.predicate in FREE_TEXT for c in out) \
                and not introduced_by(unit.text, True):        # "OpenAI's latest": who made it, not a strength
            out += self._model_line(unit, context, subject, base, votes, idx, sim)
        polarity = heading_polarity(loc)
        if polarity and all(c.predicate != polarity for c in out):
            value, _ = free_value(polarity, unit.text, self.models)
            why = {**base, "vocabulary": [f"under {polarity} heading {context!r}"],
                   "neighbours": self._neighbours(idx, sim, polarity)}
            out.append(self._make(unit, context, subject, polarity, value, 0.5 * float(sim[0]), why))
        compared = comparison(unit.text, self.names, self.examples)
        for than in [t for t in compared.get("than", []) if t != subject]:
            why = {**base, "vocabulary": [f"compared with {than} on {compared['property']}"],
                   "neighbours": self._neighbours(idx, sim, "compared")}
            out.append(self._make(unit, context, subject, "compared", compared["value"], 0.5 * float(sim[0]), why,
                                  {"property": compared["property"], "than": than}))
        return out + examples + self._about_models(unit, out, examples)

    def _stated(self, text: str, unit: Unit, context: str, subject: str, where: str,
                score: float) -> list[Candidate]:
        """What the unit's shape states (kg.curation.rules): introduced, hybrid_of, recommended_when."""
        body, out = _BULLET.sub("", unit.text).strip(), []
        lead = leading_model(unit.text, self.known, self.names) or (subject if subject and subject not in
                                                                    self.examples.vocab.families else "")
        maker = introduced_by(body, bool(lead))
        if maker and (lead or subject):
            why = {"subject": f"{lead or subject} ({'the model the quote names' if lead else where})",
                   "vocabulary": [f"introduced by {maker!r}"]}
            out.append(self._make(unit, context, lead or subject, "introduced", maker, score, why))
        families = hybrid_families(body, lead, self.names)
        if families:
            why = {"subject": f"{lead} (the model the quote names)", "vocabulary": [f"combines {families}"]}
            out.append(self._make(unit, context, lead, "hybrid_of", families, score, why))
        above = next((ln for ln in reversed(text[:text.rfind("\n", 0, unit.start) + 1].split("\n")) if ln.strip()), "")
        family, action = recommendation(body, above, context, self.names)
        family = subject if family == "*" else family
        if family in self.examples.vocab.families:
            when = {k: v for k, v in (("use_cases", sorted(found_values(f"{above} {context}", self.examples.lexicon[
                "suited_for"], True))), ("priorities", [p for p in [property_of([body], self.examples)] if p])) if v}
            why = {"subject": f"{family} (the family the recommendation names)",
                   "vocabulary": [f"recommended: {action}", f"when {when}"]}
            out.append(self._make(unit, context, family, "recommended_when", action, score, why, {"when": when}))
        return out

    def _rating(self, unit: Unit, loc, context: str, subject: str, base: dict, idx, sim) -> list[Candidate]:
        """A rating in a table cell ("⭐⭐⭐", "High") as has_level, its property from the row or column."""
        rating = rating_of(unit.text, self.levels) if loc.in_table else ""
        if not rating:
            return []
        prop = property_of([loc.row, loc.column, context], self.examples) or next(
            (str(self.examples.claims[i].extra.get("property")) for i in idx
             if self.examples.claims[i].predicate == "has_level"), "")
        if not prop:
            return []
        why = {**base, "vocabulary": [f"level {rating}: {unit.text!r}", f"property {prop}"],
               "neighbours": self._neighbours(idx, sim, "has_level")}
        return [self._make(unit, context, subject, "has_level", rating, float(sim[0]), why,
                           {"property": prop, "raw": unit.text})]

    def _free_text(self, out: list[Candidate], unit: Unit, loc, context: str, subject: str, base: dict, votes,
                   idx, sim) -> None:
        """The free-text predicates the neighbours vote for (two at most), the unit's words as the value."""
        for free in sorted(FREE_TEXT, key=lambda p: -votes.get(p, 0.0))[:2]:
            if votes.get(free, 0.0) < MIN_SHARE:
                break
            if free == "example" or (free == "strength" and votes[free] < STRENGTH_SHARE and
                                     heading_polarity(loc) != "strength"):
                continue
            share, free = votes[free], polarity_of(free, loc)
            free = "mechanism" if free in ("strength", "weakness") and SIZE.search(unit.text) else free
            value, extra = free_value(free, unit.text, self.models)
            if value and all(c.predicate != free for c in out):
                why = {**base, "neighbours": self._neighbours(idx, sim, free), "vote": round(share, 2)}
                out.append(self._make(unit, context, subject, free, value, share * float(sim[0]), why, extra))

    def _model_line(self, unit: Unit, context: str, subject: str, base: dict, votes, idx, sim) -> list[Candidate]:
        """A line describing a named model whose neighbours vote only that it names a model ("Deep
        Convolutional GAN - first stable architecture" under "DCGAN"): its mechanism when they lean that
        way, else a strength."""
        free = "mechanism" if votes.get("mechanism", 0.0) > votes.get("strength", 0.0) or SIZE.search(unit.text) \
            else "strength"
        value, _ = free_value(free, unit.text, self.models)
        why = {**base, "vocabulary": [f"a line describing {subject}"], "neighbours": self._neighbours(idx, sim)}
        return [self._make(unit, context, subject, free, value, 0.4 * float(sim[0]), why)] if value else []

    def _listed_strength(self, unit: Unit, context: str, subject: str, base: dict, idx, sim) -> list[Candidate]:
        """An item of "Best for: …" that is not just a use case or modality ("Exact likelihood",
        "Invertible transformations") is a strength."""
        words = phrase(unit.text)
        if any(words in self.examples.lexicon[p] or words.rstrip("s") in self.examples.lexicon[p]
               for p in ("suited_for", "handles_modality")):
            return []
        why = {**base, "vocabulary": [f"an item under {context!r}"], "neighbours": self._neighbours(idx, sim)}
        value, _ = free_value("strength", unit.text, self.models)
        return [self._make(unit, context, subject, "strength", value, 0.4 * float(sim[0]), why)]

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

    def _examples(self, unit, context, subject, base, votes, idx, sim, listed=False) -> list[Candidate]:
        out = []
        for name, _, _ in model_names(unit.text, self.known, self.names, listed=listed):
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
        short = loc.in_table or loc.in_list or bool(loc.label) or len(unit.text.split()) <= 5 \
            or bool(ROW_LIKE.search(unit.text))
        uses = bool(USES.search(" ".join((loc.list_heading, loc.label, loc.column if loc.in_table else ""))))
        for predicate in ("suited_for", "handles_modality"):
            share = votes.get(predicate, 0.0) + (votes.get("not_suited_for", 0.0) if predicate == "suited_for" else 0)
            if share < VALUE_SHARE[predicate] and not (uses and predicate == "suited_for"):
                continue
            found = found_values(unit.text, self.examples.lexicon[predicate], short)
            if not found and uses and predicate == "suited_for":
                modalities = found_values(unit.text, self.examples.lexicon["handles_modality"], short)
                found = {self.generation[m]: f"{label} generation" for m, label in modalities.items()
                         if m in self.generation} or self._nearest_use_case(vec)
            if predicate == "suited_for" and NEGATION.search(unit.text) and votes.get("not_suited_for", 0) > 0.1:
                predicate = "not_suited_for"
            for value, label in found.items():
                why = {**base, "vocabulary": [f"{value}: {label!r}"], "vote": round(share, 2),
                       "neighbours": self._neighbours(idx, sim, predicate)}
                out.append(self._make(unit, context, subject, predicate, value, share * float(sim[0]), why))
        return out
