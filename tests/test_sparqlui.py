"""The SPARQL tab's rendering (prefixed names, links, escaping, the describe query) and the query page at /sparql:
a browser (text/html in Accept) gets a page, programmatic clients keep the 400, the page's files are served locally.
"""
from __future__ import annotations

import httpx
import pytest
from test_endpoint import live_server  # noqa: F401 - the shared session server

from app import querypage
from app.sparqltab import compact, describe_query, prefixes_for, render_results

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
FAM = "https://w3id.org/whichmodel/family/"


def test_names_are_prefixed_under_the_longest_namespace():
    prefixes = prefixes_for()
    assert compact(FAM + "gan", prefixes) == "fam:gan"                       # not wm-base + "family/gan"
    assert compact("https://w3id.org/whichmodel#ModelFamily", prefixes) == "wm:ModelFamily"
    assert compact("http://www.w3.org/2001/XMLSchema#integer", prefixes) == "xsd:integer"
    assert compact(FAM + "gan/target", prefixes) == f"<{FAM}gan/target>"     # not a valid local name
    assert compact("https://example.org/x", prefixes) == "<https://example.org/x>"
    assert compact("https://example.org/x", prefixes_for("PREFIX ex: <https://example.org/>\nASK {}")) == "ex:x"


def test_results_are_escaped_links_with_labels_for_stacked_rows():
    out = {"headers": ["s", "o"], "rows": [
        [{"type": "uri", "value": FAM + "gan"}, {"type": "literal", "value": "<script>x</script>", "xml:lang": "en"}],
        [{"type": "uri", "value": 'https://e.org/"onmouseover=1'}, None]]}
    page = render_results(out, prefixes_for())
    assert f'<a href="{FAM}gan" data-iri="{FAM}gan"' in page and ">fam:gan</a>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page and "@en" in page
    assert '"onmouseover' not in page and "&quot;onmouseover=1" in page
    assert page.count('data-var="s"') == 2 and 'class="wm-unbound"' in page
    assert "No rows" in render_results({"headers": ["s"], "rows": []}, {})


def test_the_describe_query_takes_only_an_iri():
    text = describe_query(FAM + "gan")
    assert f"PREFIX fam: <{FAM}>" in text and "{ fam:gan ?predicate ?object" in text
    assert describe_query("https://e.org/a> } ; DROP ALL ; #") is None
    assert describe_query("") is None and describe_query("a b") is None


@pytest.mark.parametrize("accept, html", [
    (BROWSER_ACCEPT, True), ("text/html", True), ("application/xhtml+xml", True), ("text/html;q=0", False),
    (None, False), ("*/*", False), ("application/sparql-results+json", False), ("text/*", False)])
def test_only_a_browser_asks_for_html(accept, html):
    assert querypage.wants_html(accept) is html


def test_a_browser_gets_the_query_page_and_clients_the_400(live_server):
    page = httpx.get(live_server + "sparql", headers={"Accept": BROWSER_ACCEPT}, timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "whichmodel SPARQL endpoint" in page.text and "https://" not in page.text.split("<script>")[0]
    for accept in (None, "*/*", "application/sparql-results+json"):
        plain = httpx.get(live_server + "sparql", headers={"Accept": accept} if accept else {}, timeout=10)
        assert plain.status_code == 400 and "missing `query` parameter" in plain.text
    asked = httpx.get(live_server + "sparql", params={"query": "ASK {}"}, headers={"Accept": BROWSER_ACCEPT})
    assert asked.status_code == 200 and "<boolean>true</boolean>" in asked.text   # a query still runs (XML: q=0.9)


def test_the_page_files_come_from_the_local_install_only(live_server):
    if not querypage.installed():
        pytest.skip("YASGUI not installed: `make yasgui` (the fallback page is tested below)")
    page = httpx.get(live_server + "sparql", headers={"Accept": BROWSER_ACCEPT}, timeout=10).text
    assert 'src="/sparql/ui/yasgui.min.js"' in page and "new Yasgui(" in page
    for name, media in querypage.ASSETS.items():
        got = httpx.get(live_server + "sparql/ui/" + name, timeout=10)
        assert got.status_code == 200 and got.headers["content-type"].startswith(media)
        assert got.content == (querypage.yasgui_dir() / name).read_bytes()
    for name in ("package.json", "..%2f..%2fpackage.json", "yasgui.esm.js"):
        assert httpx.get(live_server + "sparql/ui/" + name, timeout=10).status_code == 404


def test_without_yasgui_the_page_is_a_plain_form(monkeypatch, tmp_path):
    monkeypatch.setenv("WHICHMODEL_YASGUI", str(tmp_path))
    page = querypage.page()
    assert "make yasgui" in page and '<form method="post" action="/sparql">' in page and "<script" not in page
