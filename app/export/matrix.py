"""The family x property comparison as a heat-map table: each cell the consensus level of the sources
that rate it, coloured by what that level means for a user (a low compute need is good, a low sample
quality bad; the direction is the vocabulary's higher_is_better), their ids, and a mark where sources
disagree. Beside it, the colour key and a key of the source ids to the documents' titles. Drawn by
Graphviz (svg, png)."""
from __future__ import annotations

from app.export.context import iri, level_word, source_titles, wrap
from app.export.render import HtmlLabel, html, quote, title_label
from app.export.style import CONFLICT_COLOUR, CONFLICT_MARK, FONT, text_colour
from kg.sources.corpus import short_id

# A diverging, colour-blind-safe scale (ColorBrewer BrBG): brown is worse for a user, teal better.
GOOD_FILLS = {1: "#a6611a", 2: "#dfc27d", 3: "#f5f5f5", 4: "#80cdc1", 5: "#018571"}
GOOD_WORDS = {1: "much worse", 2: "worse", 3: "middling", 4: "better", 5: "much better"}
EMPTY_FILL = "#ffffff"
CELL, SMALL = 16, 14           # point sizes: level words, source ids and notes


def goodness(index, prop: str, rank: float) -> int:
    """1 (much worse for a user) .. 5 (much better): the level, turned round where lower is better."""
    good = rank if index.properties[prop].higher_is_better else 6 - rank
    return max(1, min(5, int(good + 0.5)))


def _cell(ctx, fid: str, prop: str) -> str:
    index = ctx.index
    consensus = index.consensus(fid, prop)
    if consensus is None:
        return f'<TD BGCOLOR="{EMPTY_FILL}" WIDTH="110" HEIGHT="48"><FONT COLOR="#999999">—</FONT></TD>'
    rank, _ = consensus
    fill = GOOD_FILLS[goodness(index, prop, rank)]
    ink = text_colour(fill)
    docs = " ".join(sorted({short_id(c.doc) for c in index.level_claims[fid][prop]}))
    conflict = (fid, prop) in index.conflicts
    colour = CONFLICT_COLOUR if ink == "#000000" else "#ffd0d0"
    mark = f'<FONT COLOR="{colour}">{CONFLICT_MARK}</FONT> ' if conflict else ""
    border = f' COLOR="{CONFLICT_COLOUR}" BORDER="3"' if conflict else ""
    return (f'<TD BGCOLOR="{fill}" WIDTH="110" HEIGHT="48"{border}>{mark}<FONT COLOR="{ink}">'
            f'<B>{html(level_word(index, rank))}</B><BR/><FONT POINT-SIZE="{SMALL}">{docs}</FONT></FONT></TD>')


def _row_header(concept) -> str:
    note = "" if concept.higher_is_better else (f'<BR/><FONT POINT-SIZE="{SMALL}" COLOR="#555555">'
                                                 'lower is better</FONT>')
    return f'<TD ALIGN="RIGHT" BGCOLOR="#ffffff">{html(concept.label)}{note}</TD>'


def _table(ctx) -> str:
    index = ctx.index
    families = list(index.families)
    head = '<TR><TD BGCOLOR="#ffffff"><B>property</B></TD>' + "".join(
        f'<TD BGCOLOR="#c6dbef"><B>{html(index.families[f].label)}</B></TD>' for f in families) + "</TR>"
    rows = [head]
    for prop, concept in index.properties.items():
        rows.append("<TR>" + _row_header(concept) + "".join(_cell(ctx, f, prop) for f in families) + "</TR>")
    return HtmlLabel('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" CELLPADDING="4" COLOR="#ffffff">'
                     + "".join(rows) + "</TABLE>>")


def _legend_rows() -> str:
    swatches = "".join(
        f'<TR><TD BGCOLOR="{GOOD_FILLS[g]}" WIDTH="48" BORDER="1" COLOR="#999999"> </TD>'
        f'<TD ALIGN="LEFT">{GOOD_WORDS[g]} for a user</TD></TR>' for g in sorted(GOOD_FILLS, reverse=True))
    notes = ["the word: the sources' consensus level", "(each source's claims averaged, then the sources);",
             "colour: what that level means for a user", "(low compute need is better, low quality worse)",
             "small numbers: the ids of the sources rating it"]
    text = "".join(f'<TR><TD COLSPAN="2" ALIGN="LEFT">{html(n)}</TD></TR>' for n in notes)
    marks = (f'<TR><TD COLOR="{CONFLICT_COLOUR}" BORDER="3"><FONT COLOR="{CONFLICT_COLOUR}">{CONFLICT_MARK}</FONT></TD>'
             '<TD ALIGN="LEFT">sources disagree, or one contradicts itself</TD></TR>'
             '<TR><TD>—</TD><TD ALIGN="LEFT">no source rates it</TD></TR>')
    return '<TR><TD COLSPAN="2" ALIGN="LEFT"><B>Legend</B></TD></TR>' + swatches + marks + text


def _key_rows(ctx) -> str:
    rows = ['<TR><TD COLSPAN="2" ALIGN="LEFT"><B>Sources</B></TD></TR>']
    for doc, title in source_titles(ctx).items():
        lines = wrap(title, 34).split("\n")
        rows.append(f'<TR><TD ALIGN="LEFT" VALIGN="TOP"><B>{doc}</B></TD><TD ALIGN="LEFT">'
                    + "<BR ALIGN=\"LEFT\"/>".join(html(line) for line in lines) + '<BR ALIGN="LEFT"/></TD></TR>')
    return "".join(rows)


def _side(ctx) -> str:
    """The colour legend above the key of source ids to titles, in one box."""
    return HtmlLabel('<<TABLE BORDER="1" COLOR="#666666" CELLBORDER="0" CELLSPACING="3" CELLPADDING="3">'
                     + _legend_rows() + '<TR><TD COLSPAN="2"> </TD></TR>' + _key_rows(ctx) + "</TABLE>>")


def matrix_dot(ctx) -> str:
    """Graphviz source of the heat-map table, its title, and its legend and source key to the right."""
    index = ctx.index
    docs = sorted({short_id(c.doc) for refs in index.level_claims.values() for cs in refs.values() for c in cs})
    title = title_label("whichmodel: model families compared, property by property",
                        f"consensus of {len(docs)} sources ({', '.join(docs)}); coloured by what the level means "
                        f"for a user; {len(index.conflicts)} disagreements marked")
    return "\n".join([
        f"digraph {quote('whichmodel')} {{",
        f'  graph [rankdir="LR", label={title}, labelloc="t", fontname="{FONT}", pad="0.3", bgcolor="white", '
        'ranksep="0.3"];',
        f'  node [shape="plaintext", fontname="{FONT}", fontsize="{CELL}", margin="0"];',
        f'  "matrix" [label={_table(ctx)}];',
        f'  "legend" [label={_side(ctx)}, fontsize="{SMALL + 1}"];',
        '  "matrix" -> "legend" [style="invis"];',
        "}",
    ]) + "\n"


def matrix_resources(ctx) -> set[str]:
    """The graph resources the matrix draws on: families, properties, level claims, conflicts, sources."""
    index = ctx.index
    out = {iri(f"fam:{f}") for f in index.families} | {iri(f"prop:{p}") for p in index.properties}
    out |= {iri(f"claim:{c.id}") for refs in index.level_claims.values() for cs in refs.values() for c in cs}
    out |= {iri(f"conflict:{f}-{p}") for f, p in index.conflicts}
    out |= {iri(f"lvl:{slug}") for slug in _level_ids(ctx)}
    return out


def _level_ids(ctx) -> set[str]:
    return {t.split(":", 1)[1] for n, t, k in ctx.view.edges(keys=True) if k == "level"}
