"""The query page a browser gets at /sparql without a query: YASGUI (@zazuko/yasgui from npm, installed into
.cache/yasgui by `make yasgui`) served from local files and pointed at this endpoint, so the page makes no request
beyond this server (no CDN, no LOV or prefix.cc look-ups: only the local autocompleters); a click on an IRI in
the results shows that resource's triples, as in the chat's SPARQL tab. Without the files, a
short page says how to install them, with a plain form that still runs queries. Programmatic clients (no text/html
in Accept) keep the endpoint's 400 for a missing query.
"""
from __future__ import annotations

import html
import json
import os
from pathlib import Path

from kg import paths
from kg.ontology.namespaces import PREFIXES

ASSETS = {"yasgui.min.js": "text/javascript", "yasgui.min.css": "text/css"}
ASSET_PATH = "/sparql/ui/"
EXAMPLE = """PREFIX wm: <https://w3id.org/whichmodel#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

# The model families, with how many claims the sources make about each
SELECT ?family ?label (COUNT(?claim) AS ?claims) WHERE {
  ?family a wm:ModelFamily ; skos:prefLabel ?label .
  OPTIONAL { ?claim wm:subject ?family }
} GROUP BY ?family ?label ORDER BY DESC(?claims)
"""
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>whichmodel · SPARQL</title>
<link rel="stylesheet" href="%ASSETS%yasgui.min.css">
<style>
body { margin: 0; font-family: system-ui, sans-serif; }
header { display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; padding: 8px 12px;
         border-bottom: 1px solid #ddd; }
header h1 { font-size: 1.1em; margin: 0; }
header span { font-size: 0.85em; opacity: 0.75; }
#yasgui { padding: 0 8px; }
.yasgui .autocompleteWrapper { display: none !important; }    /* one endpoint: this one */
.yasr .dataTables_wrapper, .yasr_results { overflow-x: auto; }   /* wide results scroll, not the page */
@media (max-width: 640px) { #yasgui { padding: 0 4px; } .yasr table.dataTable td { max-width: 70vw; } }
</style></head><body>
<header><h1>whichmodel SPARQL endpoint</h1><span>read-only · Ctrl+Enter runs · click a name to see its triples</span>
<a href="/">back to the chat</a></header>
<div id="yasgui"></div>
<script src="%ASSETS%yasgui.min.js"></script>
<script>
const endpoint = new URL('/sparql', location.href).href;
const yasgui = new Yasgui(document.getElementById('yasgui'), {
  requestConfig: {endpoint, method: 'POST', acceptHeaderGraph: 'text/turtle',
                  acceptHeaderSelect: 'application/sparql-results+json'},
  endpointCatalogueOptions: {getData: () => [{endpoint}]},
  copyEndpointOnNewTab: true, populateFromUrl: true, persistenceId: 'whichmodel-sparql',
  yasqe: {value: %EXAMPLE%, autocompleters: ['prefixes', 'variables'], prefixCcApi: null,
          createShortLink: undefined, resizeable: true, editorHeight: '260px'},
  yasr: {prefixes: %PREFIXES%, pluginOrder: ['table', 'response'], defaultPlugin: 'table'},
});
// A click on an IRI in the results shows that resource's triples here (Ctrl/Cmd/Shift+click: the IRI itself).
const prefixes = %PREFIXES%, local = /^([A-Za-z0-9_][A-Za-z0-9_.-]*[A-Za-z0-9_-])?$/;
const describe = (iri) => {
  let best = null;
  for (const [p, ns] of Object.entries(prefixes))
    if (iri.startsWith(ns) && local.test(iri.slice(ns.length)) &&
        (best === null || ns.length > prefixes[best].length)) best = p;
  const name = best === null ? `<${iri}>` : `${best}:${iri.slice(prefixes[best].length)}`;
  return `# The triples about ${name} (run from a click in the results)\n` +
    (best === null ? '' : `PREFIX ${best}: <${prefixes[best]}>\n`) +
    `SELECT ?subject ?predicate ?object WHERE {\n  { ${name} ?predicate ?object . BIND(${name} AS ?subject) }\n` +
    `  UNION\n  { ?subject ?predicate ${name} . BIND(${name} AS ?object) }\n` +
    `} ORDER BY DESC(?subject = ${name}) ?predicate ?object ?subject\n`;
};
document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('.yasr a[href]');
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  const iri = a.getAttribute('href');
  if (!/^[a-z][a-z0-9+.-]*:[^<>"{}|^`\\\\\\x00-\\x20]*$/i.test(iri)) return;
  e.preventDefault(); e.stopPropagation();
  const tab = yasgui.getTab(); tab.setQuery(describe(iri)); tab.query();
}, true);
for (const id of Object.keys(yasgui._tabs || {})) {        // tabs restored from an earlier visit: this endpoint
  const tab = yasgui.getTab(id); if (tab && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
}
</script></body></html>
"""
FALLBACK = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>whichmodel · SPARQL</title>
<style>body { font-family: system-ui, sans-serif; margin: 16px; } textarea { width: 100%; font-family: monospace; }
</style></head><body>
<h1>whichmodel SPARQL endpoint</h1>
<p>The query editor (YASGUI) is not installed: run <code>make yasgui</code> (npm, once) and reload. Meanwhile this
form sends a query; the results come back as a SPARQL results document.</p>
<form method="post" action="/sparql"><textarea name="query" rows="14">%EXAMPLE%</textarea>
<p><button type="submit">Run</button></p></form></body></html>
"""


def yasgui_dir() -> Path:
    """Where YASGUI's built files are: $WHICHMODEL_YASGUI, or .cache/yasgui in the project."""
    default = paths.project_root() / ".cache" / "yasgui" / "node_modules" / "@zazuko" / "yasgui" / "build"
    return Path(os.environ.get("WHICHMODEL_YASGUI") or default)


def installed() -> bool:
    return all((yasgui_dir() / name).is_file() for name in ASSETS)


def wants_html(accept: str | None) -> bool:
    """Whether an Accept header names text/html itself (a browser), not only through */* (curl, libraries)."""
    for part in (accept or "").split(","):
        media, *params = [f.strip().lower() for f in part.split(";")]
        if media in ("text/html", "application/xhtml+xml"):
            q = next((p[2:] for p in params if p.startswith("q=")), "1")
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False


def _as_js(value) -> str:
    """JSON to put inside a <script>: no "</script>" or "<!--" can end or change it."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page() -> str:
    """The page's HTML: YASGUI when installed, else the fallback form."""
    if not installed():
        return FALLBACK.replace("%EXAMPLE%", html.escape(EXAMPLE))
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    return (PAGE.replace("%ASSETS%", ASSET_PATH).replace("%EXAMPLE%", _as_js(EXAMPLE))
            .replace("%PREFIXES%", _as_js(prefixes)))


def page_router():
    """GET /sparql/ui/<asset>: YASGUI's two files, from the local install only."""
    from fastapi import APIRouter
    from fastapi.responses import FileResponse, PlainTextResponse

    router = APIRouter()

    @router.get(ASSET_PATH + "{name}")
    async def asset(name: str):
        if name not in ASSETS or not installed():
            return PlainTextResponse("not found\n", status_code=404)
        return FileResponse(yasgui_dir() / name, media_type=ASSETS[name],
                            headers={"Cache-Control": "public, max-age=86400"})

    return router
