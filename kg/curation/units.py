"""What a unit of a new document is about: its families, the structure it sits in, the values it names.

Helpers of kg.curation.propose: a unit is a sentence, bullet or table cell (kg.sources.coverage); its
subject comes from the family it names, else its table row or column, list heading, label or section;
headings say whether items are strengths, weaknesses, mechanisms or uses; ratings and property names
come from the vocabulary.
"""
from __future__ import annotations

import re

from kg.curation.examples import Examples, phrase
from kg.sources.context import FamilyNames, heading_like, section_family
from kg.sources.coverage import Unit

_STARS = re.compile(r"^[⭐★]{1,5}$")
CODE = re.compile(r"^\s*(def |class |import |from \w+ import|return\b|#\s|\"\"\"|[\w.]+(?:\s*,\s*\w+)*\s*[-+*/]?="
                  r"\s*[-\w.(]|\w+\.\w+\()")
BULLET = re.compile(r"^\s*(?:[-•*–]|\d+\.)\s+")
_MODEL = re.compile(r"^(?:[-•*–]\s+)?([A-Z][\w.·-]*(?:[ -][A-Z0-9][\w.·-]*){0,3})(?:\s*\(|:|\s+by\b|\s+[-–—]\s)")
_BY = re.compile(r"\b(?:introduced|proposed|developed|created)\s+by\s+([A-Z][\w.]*(?:\s+(?:and\s+)?[A-Z][\w.]*){0,4})")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_RUN_TOGETHER = re.compile(r"(?<=[a-z)])- (?=[A-Z])")
_WEAK = re.compile(r"\b(cons|weakness(es)?|limitations?|drawbacks?|disadvantages?|challenges?)\b", re.I)
_MECHANISM = re.compile(r"\b(how (?:it|they) works?|core idea|key idea|key concepts?|architecture|mechanism|"
                        r"components?)\b", re.I)
_STRONG = re.compile(r"\b(pros|strengths?|advantages?|benefits?)\b", re.I)
ROW_LIKE = re.compile(r",.*[⭐★]")      # "Transformers Text, Code GPT-4 ⭐⭐⭐": a row, spaces between cells
USES = re.compile(r"\b(applications?|use cases?|best for|used for|uses|good for|ideal for|suited for|"
                   r"task objective)\b", re.I)
NEGATION = re.compile(r"\b(not|poor|struggles?|unsuitable|less suited|bad|avoid)\b", re.I)

_COMPARED = re.compile(r"\b(?:than|compared (?:to|with)|unlike|versus|vs\.?|in contrast to)\b[^,.;:]*", re.I)
SIZE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:[BMK]|billion|million|trillion)\b.*\bparameters\b", re.I)   # a model's size
PRONOUN = re.compile(r"^\W*(they|it|its|their|this|these|such models)\b", re.I)

def level_words(examples: Examples) -> dict[str, str]:
    words = {}
    for level in examples.vocab.levels.values():
        for label in [level.label, *level.alt_labels]:
            words[label.lower()] = level.id
    return words


def rating_of(unit: str, levels: dict[str, str]) -> str:
    text = unit.strip().rstrip(".").lower()
    if _STARS.match(text):
        return levels.get(text, "")
    return levels.get(text, "")


def property_of(texts: list[str], examples: Examples) -> str:
    for text in texts:
        words = phrase(text)
        for prop in examples.vocab.properties.values():
            if any(phrase(lbl) and re.search(rf"\b{re.escape(phrase(lbl))}s?\b", words)
                   for lbl in [prop.label, *prop.alt_labels]):
                return prop.id
    return ""


def pieces(unit: Unit) -> list[Unit]:
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


def heading_polarity(loc) -> str:
    """strength, weakness or mechanism when the list, column or label the unit sits under says so ("Cons",
    "Key idea"), else ''."""
    heading = " ".join((loc.list_heading, loc.label, loc.column if loc.in_table else ""))
    if _WEAK.search(heading):
        return "weakness"
    if _MECHANISM.search(heading):
        return "mechanism"
    return "strength" if _STRONG.search(heading) else ""


def polarity_of(predicate: str, loc) -> str:
    if predicate not in ("strength", "weakness"):
        return predicate
    heading = heading_polarity(loc)
    return heading if heading in ("strength", "weakness") else predicate


def in_order(text: str, names: FamilyNames, *, compared: bool = True) -> list[str]:
    """The families a text names, the first-named first; with compared=False, not those it only
    compares with ("lower fidelity than GANs", "unlike VAEs or GANs")."""
    skip = [] if compared else [m.span() for m in _COMPARED.finditer(text)]
    first: dict[str, int] = {}
    for pattern, family in names.patterns:
        for hit in pattern.finditer(text):
            if family in names(hit.group(0)) and not any(s <= hit.start() < e for s, e in skip):
                first[family] = min(first.get(family, hit.start()), hit.start())
                break
    return sorted(first, key=first.get)


def subjects_of(unit: Unit, text: str, loc, names: FamilyNames) -> tuple[list[str], str]:
    """The families a unit is about, and where that was read (unit, row/column, list, section)."""
    named = in_order(unit.text, names, compared=False)
    if named:
        return named[:1], "named in the quote"
    if loc.in_table:
        found = names(loc.row) + names(loc.column)
        return (found[:1], "its table row or column") if len(set(found)) == 1 else ([], "")
    for where, label in (("its list heading", loc.list_heading), ("its label", loc.label)):
        if names(label):
            return names(label)[:1], where
    family = section_family(text, unit.start, names) or heading_family(text, unit.start, names)
    return ([family], "its section") if family else ([], "")


def heading_family(text: str, start: int, names: FamilyNames) -> str:
    """The family the nearest heading-like line above names (HTML and PDF headings carry no marks)."""
    for line in reversed(text[:start].split("\n")[:-1]):
        found = names(line) if heading_like(line) else []
        if found:                   # headings naming no family ("Strengths") are passed over
            return found[0] if len(found) == 1 else ""
    return ""


def wanted(unit: Unit, text: str, loc) -> bool:
    line_start = text.rfind("\n", 0, unit.start) + 1
    line_end = text.find("\n", unit.start)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    if CODE.match(line):
        return False
    if loc.in_table or " | " in line or line.startswith("|"):       # a cell (of a run-together table too)
        return loc.in_table and bool(re.search(r"\w|[⭐★]", unit.text))
    if BULLET.match(line) or (loc.label and USES.search(loc.label)):     # a bullet, an item of "Best for: …"
        return bool(re.search(r"[A-Za-z]{2,}", unit.text))
    if heading_like(line) and len(re.findall(r"[A-Za-z]+", unit.text)) <= 6 and not ROW_LIKE.search(line):
        return False
    return len(re.findall(r"[A-Za-z]{2,}", unit.text)) >= 2


def found_values(unit: str, lexicon: dict[str, set[str]], short: bool) -> dict[str, str]:
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


def free_value(predicate: str, unit: str, known_models: set[str]) -> tuple[object, dict]:
    body = BULLET.sub("", unit).strip()
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


_BETTER = re.compile(r"\b(better|higher|faster|more stable|sharper|superior|more flexible|more diverse|more|"
                     r"easier|improves?|can)\b", re.I)
_WORSE = re.compile(r"\b(worse|lower|slower|blurrier|less|inferior|harder|fewer|struggles?)\b", re.I)
_SPEED = re.compile(r"\b(slower|faster)\b", re.I)
_STABLE = re.compile(r"\b(stable|stability)\b", re.I)


def comparison(text: str, names: FamilyNames, examples: Examples) -> dict:
    """{value, than (families), property} when the text compares its subject with another family on a property
    ("Slower inference time than GANs", "Unlike VAEs, you can compute exact likelihoods"), else {}."""
    targets = list(_COMPARED.finditer(text))
    if not targets:
        return {}
    than = in_order(targets[0].group(0), names)
    prop = "generation-speed" if _SPEED.search(text) else ("training-stability" if _STABLE.search(text)
                                                          else property_of([text], examples))
    prop = prop or ("sample-quality" if re.search(r"\bblurr", text, re.I) else "")
    if not than or not prop:
        return {}
    worse, better = _WORSE.search(text), _BETTER.search(text)
    if not (worse or better):
        return {}
    direction = "worse" if worse and (not better or worse.start() < better.start()) else "better"
    if not examples.vocab.properties[prop].higher_is_better and _WORSE.search(text) and not _SPEED.search(text):
        direction = "better" if direction == "worse" else "worse"
    return {"value": direction, "than": than, "property": prop}
