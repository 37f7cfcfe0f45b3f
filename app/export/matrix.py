"""The family x property comparison as a heat-map table: each cell the consensus level of the
sources that rate it, their ids, and a mark where sources disagree. Drawn by Graphviz (svg, png)."""
from __future__ import annotations

from app.export.context import iri, level_word
from app.export.render import HtmlLabel, html, quote, title_label
from app.export.style import CONFLICT_COLOUR, CONFLICT_MARK, FONT, text_colour

LEVEL_FILLS = {1: "#f1eef6", 2: "#bdc9e1", 3: "#74a9cf", 4: "#2b8cbe", 5: "#045a8d"}
EMPTY_FILL = "#f4f4f4"


def _cell(ctx, fid: str, prop: str) -> str:
    index = ctx.index
    consensus = index.consensus(fid, prop)
    if consensus is None:
        return f'<TD BGCOLOR="{EMPTY_FILL}" WIDTH="96" HEIGHT="40"><FONT COLOR="#999999">—</FONT></TD>'
    rank, _ = consensus
    fill = LEVEL_FILLS[max(1, min(5, int(rank + 0.5)))]
    ink = text_colour(fill)
    docs = " ".join(sorted({c.doc[:3] for c in index.level_claims[fid][prop]}))
    conflict = (fid, prop) in index.conflicts
    word = level_word(index, rank)
    colour = CONFLICT_COLOUR if ink == "#000000" else "#ffd0d0"
    mark = f'<FONT COLOR="{colour}">{CONFLICT_MARK}</FONT> ' if conflict else ""
    border = f' COLOR="{CONFLICT_COLOUR}" BORDER="3"' if conflict else ""
    return (f'<TD BGCOLOR="{fill}" WIDTH="96" HEIGHT="40"{border}>{mark}<FONT COLOR="{ink}"><B>{html(word)}</B>'
            f'<BR/><FONT POINT-SIZE="9">{docs}</FONT></FONT></TD>')


def _row_header(concept) -> str:
    note = "" if concept.higher_is_better else '<BR/><FONT POINT-SIZE="9" COLOR="#666666">lower is better</FONT>'
    return f'<TD ALIGN="RIGHT" BGCOLOR="#ffffff">{html(concept.label)}{note}</TD>'


def _table(ctx) -> str:
    index = ctx.index
    families = list(index.families)
    head = '<TR><TD BGCOLOR="#ffffff"><B>property / family</B></TD>' + "".join(
        f'<TD BGCOLOR="#c6dbef"><B>{html(index.families[f].label)}</B></TD>' for f in families) + "</TR>"
    rows = [head]
    for prop, concept in index.properties.items():
        rows.append("<TR>" + _row_header(concept) + "".join(_cell(ctx, f, prop) for f in families) + "</TR>")
    return HtmlLabel('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" CELLPADDING="4" COLOR="#ffffff">'
                     + "".join(rows) + "</TABLE>>")


def _legend(ctx) -> str:
    swatches = "".join(
        f'<TD BGCOLOR="{LEVEL_FILLS[r]}" WIDTH="70"><FONT COLOR="{text_colour(LEVEL_FILLS[r])}">'
        f'{html(ctx.index.levels[r])}</FONT></TD>' for r in sorted(LEVEL_FILLS))
    return HtmlLabel('<<TABLE BORDER="1" COLOR="#666666" CELLBORDER="0" CELLSPACING="3" CELLPADDING="4">'
                     '<TR><TD ALIGN="LEFT"><B>Legend</B></TD>' + swatches + "</TR>"
            f'<TR><TD COLSPAN="6" ALIGN="LEFT">cell: consensus level (each source\'s claims averaged, then the '
            f'sources), with the ids of the sources that rate it; <FONT COLOR="{CONFLICT_COLOUR}">{CONFLICT_MARK} red '
            f'border</FONT>: sources disagree by two levels or more; — : no source rates it</TD></TR></TABLE>>')


def matrix_dot(ctx) -> str:
    """Graphviz source of the heat-map table, its title and its legend."""
    index = ctx.index
    docs = sorted({c.doc[:3] for refs in index.level_claims.values() for cs in refs.values() for c in cs})
    title = title_label("whichmodel: model families compared, property by property",
                        f"consensus of {len(docs)} sources ({', '.join(docs)}); "
                        f"{len(index.conflicts)} disagreements marked")
    return "\n".join([
        f"digraph {quote('whichmodel')} {{",
        f'  graph [rankdir="TB", label={title}, labelloc="t", fontname="{FONT}", pad="0.3", bgcolor="white", '
        'ranksep="0.2"];',
        f'  node [shape="plaintext", fontname="{FONT}", fontsize="11", margin="0"];',
        f'  "matrix" [label={_table(ctx)}];',
        f'  "legend" [label={_legend(ctx)}, fontsize="10"];',
        '  "matrix" -> "legend" [style="invis"];',
        "}",
    ]) + "\n"


def matrix_resources(ctx) -> set[str]:
    """The graph resources the matrix draws on: families, properties, level claims, conflicts."""
    index = ctx.index
    out = {iri(f"fam:{f}") for f in index.families} | {iri(f"prop:{p}") for p in index.properties}
    out |= {iri(f"claim:{c.id}") for refs in index.level_claims.values() for cs in refs.values() for c in cs}
    out |= {iri(f"conflict:{f}-{p}") for f, p in index.conflicts}
    out |= {iri(f"lvl:{slug}") for slug in _level_ids(ctx)}
    return out


def _level_ids(ctx) -> set[str]:
    return {t.split(":", 1)[1] for n, t, k in ctx.view.edges(keys=True) if k == "level"}
