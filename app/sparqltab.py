"""The chat's SPARQL tab: an editor preloaded with the competency queries (Ctrl+Enter or Cmd+Enter runs), results
as a table of prefixed names in which every IRI is a link (clicking one shows that resource's triples, through
the same worker pool and guard as any query), an empty state before the first run, stacked rows on a phone.

Gradio's Code component offers no SPARQL mode (its languages are python … sql-esper), and its SQL mode colours
SPARQL words wrongly (`as`, `by` inside comments), so the editor has no highlighting rather than a misleading one.
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
import time
import uuid
from pathlib import Path

from kg import paths
from kg.ontology.namespaces import PREFIXES

UI_FORMATS = {"SELECT": ["json", "csv"], "ASK": ["json", "csv"], "CONSTRUCT": ["turtle", "json-ld"],
              "DESCRIBE": ["turtle", "json-ld"]}
SHOWN = 500                  # rows drawn in the table; the downloads hold every row the endpoint returned
CHOOSE = "Choose an example query…"
EMPTY = ('<div class="wm-sparql-empty">No results yet. Run the query (<kbd>Ctrl</kbd>+<kbd>Enter</kbd>, '
         '<kbd>⌘</kbd>+<kbd>Enter</kbd> on a Mac, or the Run button); then click any name in the results to see '
         'its triples.</div>')
_PREFIX_DECL = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>\"{}|^`\\\s]*)>", re.I | re.M)
_LOCAL = re.compile(r"(?:[A-Za-z0-9_][A-Za-z0-9_.-]*(?<!\.))?")
_IRI = re.compile(r"[^<>\"{}|^`\\\x00-\x20]{1,2000}")       # what SPARQL allows inside <…>
# Ctrl+Enter / Cmd+Enter in the editor runs the query (caught before CodeMirror inserts a line); new results
# scroll into view on a phone; a click on an IRI in the results describes it.
TAB_JS = """
if (!window.wmSparqlKeys) {
  window.wmSparqlKeys = true;
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey) || !e.target.closest || !e.target.closest('#wm-sparql-editor'))
      return;
    e.preventDefault(); e.stopPropagation();
    const run = document.querySelector('#wm-sparql-run'); if (run) run.click();
  }, true);
}
watch('value', () => requestAnimationFrame(() => {      // on a phone the results start below the editor: show them
  const status = document.querySelector('#wm-sparql-status');
  if (status && innerWidth <= 640) window.scrollBy({top: status.getBoundingClientRect().top - 8, behavior: 'instant'});
}));
element.addEventListener('click', (event) => { const a = event.target.closest('a[data-iri]'); if (!a) return;
  if (event.ctrlKey || event.metaKey || event.shiftKey || event.button === 1) return;   // a new tab: the IRI itself
  event.preventDefault(); trigger('click', {iri: a.dataset.iri}); });
"""
CSS = """
#wm-sparql-results .html-container { padding: 0; }
.wm-sparql-empty { padding: 18px 12px; opacity: 0.75; border: 1px dashed var(--border-color-primary);
                   border-radius: 8px; }
.wm-sparql-wrap { overflow: auto; max-height: min(70vh, 720px); border: 1px solid var(--border-color-primary);
                  border-radius: 8px; }
#wm-sparql-results .wm-sparql-table { border-collapse: collapse; border: none; margin: 0; padding: 0; width: 100%;
                                      font-size: 0.9em; line-height: 1.4; }
#wm-sparql-results .wm-sparql-table th { position: sticky; top: 0; z-index: 1; text-align: left; font-weight: 600;
                                         background: var(--background-fill-secondary); }
#wm-sparql-results .wm-sparql-table th, #wm-sparql-results .wm-sparql-table td { border: none; padding: 4px 8px;
      border-bottom: 1px solid var(--border-color-primary); vertical-align: top; min-width: 7em; max-width: 36em;
      overflow-wrap: anywhere; white-space: pre-line; }
#wm-sparql-results .wm-sparql-table tr { border: none; }
#wm-sparql-results .wm-sparql-table tbody tr:hover { background: var(--background-fill-secondary); }
#wm-sparql-results .wm-sparql-table .wm-n { min-width: 0; width: 1%; opacity: 0.6; text-align: right;
      white-space: nowrap; overflow-wrap: normal; }
#wm-sparql-results .wm-sparql-table a[data-iri] { color: var(--link-text-color, #2563eb); text-decoration: none;
                                                  padding: 0; margin: 0; }
#wm-sparql-results .wm-sparql-table a[data-iri]:hover, #wm-sparql-results .wm-sparql-table a[data-iri]:focus {
      text-decoration: underline; }
.wm-sparql-table .wm-tag { font-size: 0.8em; opacity: 0.6; margin-left: 3px; }
.wm-sparql-table .wm-unbound { opacity: 0.4; }
.wm-sparql-hint { font-size: 0.85em; opacity: 0.8; margin: -4px 2px 0; }
.wm-sparql-hint kbd, .wm-sparql-empty kbd { border: 1px solid var(--border-color-primary); border-radius: 3px;
      padding: 0 3px; font-size: 0.9em; background: var(--background-fill-secondary); }
#wm-sparql-examples input { text-overflow: ellipsis; padding-right: 32px !important; }   /* not under the arrow */
@media (max-width: 640px) {   /* a phone: the example list on a line of its own, above Run; each result row
                                 a card of "variable: value" lines */
  #wm-sparql-bar { flex-wrap: wrap; }
  #wm-sparql-bar > :has(#wm-sparql-examples) { flex: 1 1 100% !important; min-width: 100% !important; }
  #wm-sparql-results .wm-sparql-wrap { max-height: none; border: none; border-radius: 0; }
  #wm-sparql-results .wm-sparql-table thead { display: none; }
  #wm-sparql-results .wm-sparql-table, #wm-sparql-results .wm-sparql-table tbody,
  #wm-sparql-results .wm-sparql-table tr, #wm-sparql-results .wm-sparql-table td { display: block; width: auto; }
  #wm-sparql-results .wm-sparql-table tr { border: 1px solid var(--border-color-primary); border-radius: 8px;
                                           margin: 0 0 8px; padding: 4px 0; }
  #wm-sparql-results .wm-sparql-table td { border: none; max-width: none; min-width: 0; padding: 1px 10px; }
  #wm-sparql-results .wm-sparql-table td::before { content: attr(data-var); display: block; font-size: 0.78em;
                                                   opacity: 0.65; }
  #wm-sparql-results .wm-sparql-table td.wm-n { text-align: left; width: auto; font-size: 0.8em; }
  #wm-sparql-results .wm-sparql-table td.wm-n::before { content: none; }
}
"""


def run_for_ui(pool, text: str, out_dir, *, shown: int = SHOWN) -> dict:
    """Run a query for the tab: {kind, headers, rows, status, csv, json} (rows of SPARQL JSON terms, None when
    unbound) or {error}. The table shows at most `shown` rows; the CSV and JSON downloads hold them all."""
    started = time.perf_counter()
    reply = pool.run(text, UI_FORMATS)
    if reply["status"] != 200:
        return {"error": f"{reply['status']}: {reply.get('message', 'query failed')}"}
    kind, bodies = reply["kind"], reply["bodies"]
    if kind in ("SELECT", "ASK"):
        doc = json.loads(bodies["json"])
        if kind == "ASK":
            headers, rows = ["boolean"], [[{"type": "literal", "value": "true" if doc["boolean"] else "false"}]]
        else:
            headers = doc["head"]["vars"]
            rows = [[b.get(v) for v in headers] for b in doc["results"]["bindings"]]
        csv_text, json_text = bodies["csv"], bodies["json"]
    else:
        headers, rows, csv_text = _triples(bodies["turtle"])
        json_text = bodies["json-ld"]
    stem = Path(out_dir) / f"results-{uuid.uuid4().hex[:8]}"
    stem.with_suffix(".csv").write_text(csv_text, encoding="utf-8")
    stem.with_suffix(".json").write_text(json_text, encoding="utf-8")
    status = f"{kind}: {len(rows)} row{'s' if len(rows) != 1 else ''} in {time.perf_counter() - started:.2f} s"
    if reply.get("truncated"):
        status += f" (cut at the {reply['limit']}-row cap)"
    if len(rows) > shown:
        status += f"; the table shows the first {shown}, the downloads hold all"
    return {"kind": kind, "headers": headers, "rows": rows[:shown], "status": status,
            "csv": str(stem.with_suffix(".csv")), "json": str(stem.with_suffix(".json"))}


def _term(node) -> dict:
    from rdflib import BNode, Literal

    if isinstance(node, Literal):
        out = {"type": "literal", "value": str(node)}
        if node.language:
            out["xml:lang"] = node.language
        elif node.datatype:
            out["datatype"] = str(node.datatype)
        return out
    return {"type": "bnode" if isinstance(node, BNode) else "uri", "value": str(node)}


def _triples(turtle: str) -> tuple[list[str], list[list[dict]], str]:
    """A CONSTRUCT / DESCRIBE result as subject, predicate, object rows, and as CSV."""
    from rdflib import Graph

    graph = Graph().parse(data=turtle, format="turtle")
    headers = ["subject", "predicate", "object"]
    triples = sorted(graph, key=lambda t: tuple(str(x) for x in t))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([str(x) for x in t] for t in triples)
    return headers, [[_term(x) for x in t] for t in triples], buf.getvalue()


def prefixes_for(text: str = "") -> dict[str, str]:
    """Prefix -> namespace: the graph's own prefixes, with those the query declares taking precedence."""
    out = {p: str(ns) for p, ns in PREFIXES.items()}
    out.update({(p or ""): ns for p, ns in _PREFIX_DECL.findall(text or "") if ns})
    return out


def compact(iri: str, prefixes: dict[str, str]) -> str:
    """The prefixed name of an IRI under the longest matching namespace, or <iri> when none fits."""
    best = None
    for prefix, ns in prefixes.items():
        if ns and iri.startswith(ns) and (best is None or len(ns) > len(prefixes[best])) and \
                _LOCAL.fullmatch(iri[len(ns):]):
            best = prefix
    return f"{best}:{iri[len(prefixes[best]):]}" if best is not None else f"<{iri}>"


def _cell(term: dict | None, prefixes: dict[str, str]) -> str:
    if term is None:
        return '<span class="wm-unbound">—</span>'
    value = term.get("value", "")
    if term.get("type") == "uri":
        return (f'<a href="{html.escape(value)}" data-iri="{html.escape(value)}" title="{html.escape(value)}" '
                f'rel="noopener noreferrer">{html.escape(compact(value, prefixes))}</a>')
    if term.get("type") == "bnode":
        return f"_:{html.escape(value)}"
    out = html.escape(value)
    if term.get("xml:lang"):
        out += f'<span class="wm-tag">@{html.escape(term["xml:lang"])}</span>'
    elif term.get("datatype") and not term["datatype"].endswith("#string"):
        out += f'<span class="wm-tag">{html.escape(compact(term["datatype"], prefixes))}</span>'
    return out


def render_results(out: dict, prefixes: dict[str, str]) -> str:
    """The results as an HTML table (escaped; IRIs as prefixed-name links), or a line when there are none."""
    if not out["rows"]:
        return '<div class="wm-sparql-empty">No rows: the query matched nothing.</div>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in out["headers"])
    body = []
    for n, row in enumerate(out["rows"], 1):
        cells = "".join(f'<td data-var="{html.escape(h)}">{_cell(t, prefixes)}</td>'
                        for h, t in zip(out["headers"], row))
        body.append(f'<tr><td class="wm-n">{n}</td>{cells}</tr>')
    return (f'<div class="wm-sparql-wrap"><table class="wm-sparql-table"><thead><tr><th class="wm-n">#</th>{head}'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def describe_query(iri: str) -> str | None:
    """A query for every triple with the IRI as subject or object (its own first), or None for no IRI."""
    if not iri or not _IRI.fullmatch(iri):
        return None
    prefixes = prefixes_for()
    name = compact(iri, prefixes)
    prefix = name.split(":", 1)[0] if not name.startswith("<") else None
    head = f"PREFIX {prefix}: <{prefixes[prefix]}>\n" if prefix is not None else ""
    return (f"# The triples about {name} (run from a click in the results)\n{head}"
            f"SELECT ?subject ?predicate ?object WHERE {{\n"
            f"  {{ {name} ?predicate ?object . BIND({name} AS ?subject) }}\n"
            f"  UNION\n"
            f"  {{ ?subject ?predicate {name} . BIND({name} AS ?object) }}\n"
            f"}} ORDER BY DESC(?subject = {name}) ?predicate ?object ?subject")


def competency_queries() -> list[tuple[str, str, str]]:
    """(name, first comment line, text) of each ontology/queries/*.rq."""
    out = []
    for path in sorted(paths.queries_dir().glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")), "")
        out.append((path.stem, first, text))
    return out


def _shown(out: dict, text: str) -> tuple[str, str]:
    """(status HTML, results HTML) of a run."""
    if "error" in out:
        return (f'<div class="wm-error">{html.escape(out["error"])}</div>',
                '<div class="wm-sparql-empty">No results: the query did not run (see the message above).</div>')
    return f'<div class="wm-ok">{html.escape(out["status"])}</div>', render_results(out, prefixes_for(text))


def sparql_tab(gr, tab, state, *, pool, out_dir) -> None:
    """The SPARQL tab (its CSS is CSS above, added to the page by app.server)."""
    queries = competency_queries()
    texts = {name: text for name, _, text in queries}
    first = queries[0][0] if queries else ""
    with gr.Row(elem_id="wm-sparql-bar"):
        choose = gr.Dropdown([(CHOOSE, "")] + [(f"{name}: {about}" if about else name, name)
                                               for name, about, _ in queries],
                             value=first, label="Example queries", scale=4, elem_id="wm-sparql-examples")
        run = gr.Button("Run", variant="primary", scale=1, elem_id="wm-sparql-run", min_width=80)
    editor = gr.Code(texts.get(first, "SELECT * WHERE { ?s ?p ?o } LIMIT 10"), language=None, lines=12,
                     max_lines=30, label="Query (SPARQL 1.1, read-only)", interactive=True,
                     elem_id="wm-sparql-editor", buttons=["copy"], wrap_lines=True)
    gr.HTML('<div class="wm-sparql-hint"><kbd>Ctrl</kbd>+<kbd>Enter</kbd> (<kbd>⌘</kbd>+<kbd>Enter</kbd>) runs. '
            "Prefixes of the graph: " + ", ".join(f"{p}:" for p in PREFIXES) + ".</div>", padding=False)
    status = gr.HTML(elem_id="wm-sparql-status")
    results = gr.HTML(EMPTY, elem_id="wm-sparql-results", js_on_load=TAB_JS)
    with gr.Row():
        csv_file = gr.DownloadButton("Download CSV", visible=False, size="sm", elem_id="wm-sparql-csv")
        json_file = gr.DownloadButton("Download JSON", visible=False, size="sm", elem_id="wm-sparql-json")

    def shown(text):
        out = run_for_ui(pool, text or "", out_dir)
        return [*_shown(out, text), out.get("csv"), out.get("json")]

    def downloads(path):          # the buttons show once there is something to download
        return [gr.DownloadButton(visible=bool(path))] * 2

    def on_describe(evt):
        text = describe_query(str(evt._data.get("iri", "")))
        if text is None:
            return [gr.skip()] * 6
        return [text, "", *shown(text)]
    on_describe.__annotations__["evt"] = gr.EventData

    outputs = [status, results, csv_file, json_file]
    run.click(shown, editor, outputs, api_name="sparql").then(downloads, csv_file, [csv_file, json_file],
                                                              api_visibility="private")
    choose.input(lambda name: texts.get(name, gr.skip()) if name else gr.skip(), choose, editor,
                 api_visibility="private")
    editor.input(None, None, choose, js="() => ''", api_visibility="private")     # edited: no longer the example
    results.click(on_describe, None, [editor, choose, *outputs], api_visibility="private").then(
        downloads, csv_file, [csv_file, json_file], api_visibility="private")
