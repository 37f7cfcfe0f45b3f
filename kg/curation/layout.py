"""Layouts the sentence splitter does not see: labelled lists on one line and tables whose cells the
source ran together.

- "🎯 Best for: Text, Code, Sequential Data": each item is a unit of its own, under the label (a label
  that announces a list: "Best for", "Pros", "Examples"; not "Image generation: faces, objects").
- A table whose HTML lost its separators ("Model TypeStrengthsWeaknessesPopular Use Cases" over
  "VAEStable, interpretableBlurry outputsFace gen, anomaly detection"): the header's columns are
  where a lower-case letter meets a capital; a row is cut the same way (not inside parentheses), its
  first cell a family name ("VAEStable" → "VAE" | "Stable"); each cell becomes a unit with its row and
  column, as if the table had its bars. Cells of a use-case column are cut into their items.
- A row whose cells only spaces separate ("Transformers Text, Code GPT-4, BERT, T5 ⭐⭐⭐" under
  "Type Best For Examples Difficulty"): after the family it starts with, the words up to the first
  named model are the use-case cell (cut into items), the models the examples cell; the stars are
  read with the header elsewhere.
"""
from __future__ import annotations

import re

from kg.curation.names import first_model
from kg.sources.context import FamilyNames, Location
from kg.sources.coverage import Unit

_LABELLED = re.compile(r"^(?:[-•*–]\s+)?(?:[^\w\s]+\s*)?([A-Z][\w /&'-]{1,40}?):\s+(?=\S)")
_LIST_LABEL = re.compile(r"\b(best for|good for|ideal for|used for|use cases?|applications?|pros|cons|strengths?|"
                         r"weaknesses|limitations?|examples?|models|data types?|modalit(?:y|ies))$", re.I)
_ITEM_WORDS = 4
_JOIN = re.compile(r"(?<=[a-z)])(?=[A-Z])")             # "TypeStrengths", "outputsFace"
_CAPS_JOIN = re.compile(r"^([A-Z]{2,})(?=[A-Z][a-z])")  # "VAEStable": an acronym run into a word
_USES = re.compile(r"\b(use cases?|applications?|best for|used for)\b", re.I)


def label_items(unit: Unit) -> list[Unit]:
    """The items of a labelled list written on one line ("Best for: Text, Code, Sequential Data"), each
    as a unit; [unit] when the line is not one (a sentence after the colon, a single item)."""
    label = _LABELLED.match(unit.text)
    if not label or not _LIST_LABEL.search(label.group(1)):
        return [unit]
    items = _items(unit.text, label.end())
    if len(items) < 2 or any(len(t.split()) > _ITEM_WORDS or t.endswith(".") for _, t in items):
        return [unit]
    return [Unit(unit.start + at, unit.start + at + len(t), t) for at, t in items]


def _items(text: str, pos: int) -> list[tuple[int, str]]:
    """(offset, item) of the comma-separated items of text from pos."""
    out = []
    for part in text[pos:].split(","):
        item = part.strip()
        if item:
            out.append((text.find(item, pos), item))
        pos += len(part) + 1
    return out


def _cuts(line: str) -> list[int]:
    """Where a row's cells start: lower case (or ")") then a capital, outside parentheses."""
    depth, out = 0, [0]
    for i, ch in enumerate(line):
        depth += (ch == "(") - (ch == ")")
        if i and depth == 0 and _JOIN.match(line, i) and line[i - 1] != "(" and \
                (line[i - 1].islower() or line[i - 1] == ")"):
            out.append(i)
    return out


def _row_cells(line: str, columns: int) -> list[tuple[int, str]] | None:
    cuts = _cuts(line)
    if len(cuts) == columns - 1:
        caps = _CAPS_JOIN.match(line)
        if not caps:
            return None
        cuts = [0, caps.end(), *cuts[1:]]
    if len(cuts) != columns:
        return None
    ends = [*cuts[1:], len(line)]
    return [(s, line[s:e].strip()) for s, e in zip(cuts, ends, strict=True)]


def run_together_cells(text: str, names: FamilyNames) -> dict[int, list[tuple[Unit, Location]]]:
    """For each row of a run-together table (by the offset its line starts at): its cells as units, with
    the row and column they sit in (none for the header). Rows whose first cell names no family are left
    alone."""
    out: dict[int, list[tuple[Unit, Location]]] = {}
    lines, starts, pos = text.split("\n"), [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    i = 0
    while i < len(lines):
        header, i = lines[i], i + 1
        columns = [c for _, c in _row_cells(header, len(_cuts(header))) or []]
        if len(columns) < 3 or " " not in header or any(len(c.split()) > 4 for c in columns) or names(header):
            continue
        head = starts[i - 1]
        while i < len(lines) and (cells := _row_cells(lines[i], len(columns))) and names(cells[0][1]):
            out[head] = []                      # the header of rows: no unit of its own
            out[starts[i]] = _cell_units(starts[i], cells, columns)
            i += 1
    return out


def _cell_units(offset: int, cells: list[tuple[int, str]], columns: list[str]) -> list[tuple[Unit, Location]]:
    row = cells[0][1]
    out = []
    for (at, cell), column in list(zip(cells, columns, strict=True))[1:]:
        loc = Location(row=row, column=column, in_table=True)
        items = _items(cell, 0) if _USES.search(column) else [(0, cell)]
        out += [(Unit(offset + at + i, offset + at + i + len(t), t), loc) for i, t in items]
    return out


_STARS_END = re.compile(r"\s*[⭐★][⭐★\s]*$")


def spaced_row_cells(text: str, names: FamilyNames, known: set[str]) -> dict[int, list[tuple[Unit, Location]]]:
    """For each row of a space-separated table with a use-case column (by its line's offset): the
    use-case items and the examples cell as units."""
    out: dict[int, list[tuple[Unit, Location]]] = {}
    header, pos = "", 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        if not line.strip():
            continue
        stars = _STARS_END.search(line)
        if not stars or " | " in line:
            header = line
            continue
        uses = _USES.search(header)
        body_start, body_end = _leading_family(line, names), stars.start()
        if not uses or not body_start:
            continue
        at = first_model(line[body_start:body_end], known, names)
        cut = body_start + at if at >= 0 else body_end
        row = line[:body_start].strip()
        cells = [(body_start + at, item, uses.group(0)) for at, item in _items(line[body_start:cut].rstrip(), 0)]
        if cut < body_end:
            cells.append((cut, line[cut:body_end].strip(), "Examples"))
        out[start] = [(Unit(start + at, start + at + len(t), t), Location(row=row, column=col, in_table=True))
                      for at, t, col in cells if t]
    return out


def _leading_family(line: str, names: FamilyNames) -> int:
    """Where the row's cells start after the family name it opens with, or 0."""
    for pattern, _ in names.patterns:
        hit = pattern.match(line)
        if hit:
            return hit.end() + len(line[hit.end():]) - len(line[hit.end():].lstrip())
    return 0
