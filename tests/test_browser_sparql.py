"""The SPARQL tab and the query page at /sparql in Debian's chromium (playwright), against a real `whichmodel serve`,
at a desktop (1280x900) and a phone (390x844) viewport. Screenshots go to test-artifacts/sparql-<viewport>-*.png.
"""
from __future__ import annotations

import pytest
from test_browser_ui import ART, VIEWPORTS, browser  # noqa: F401 - the shared chromium and its viewports
from test_endpoint import live_server  # noqa: F401 - the shared session server

from app import querypage
from app.sparqltab import CHOOSE

pytestmark = pytest.mark.browser
FAMILIES = """PREFIX wm: <https://w3id.org/whichmodel#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
# families and a long quote each: columns must wrap, not be cut
SELECT ?family ?label ?claim ?quote WHERE {
  ?family a wm:ModelFamily ; skos:prefLabel ?label . ?claim wm:subject ?family ; wm:quote ?quote .
  FILTER (STRLEN(?quote) > 90)
} ORDER BY ?label ?claim LIMIT 5"""
# Each column's header and the table's overflow, and whether anything sticks out of the page sideways.
LAYOUT = """() => {
  const wrap = document.querySelector('#wm-sparql-results .wm-sparql-wrap');
  const cells = [...document.querySelectorAll('#wm-sparql-results tbody tr:first-child td')];
  return {pageOverflow: document.documentElement.scrollWidth - innerWidth,
          wrapOverflow: wrap.scrollWidth - wrap.clientWidth,
          cells: cells.map((c) => { const r = c.getBoundingClientRect();
            return {left: r.left, right: r.right, display: getComputedStyle(c).display,
                    label: getComputedStyle(c, '::before').content}; })};
}"""

# The example list: where its text box ends, where its arrow starts, its width, and where Run starts.
EXAMPLES_BOX = """() => {
  const box = (s) => document.querySelector(s).getBoundingClientRect();
  const list = box('#wm-sparql-examples'), input = document.querySelector('#wm-sparql-examples input');
  const arrow = box('#wm-sparql-examples .dropdown-arrow'), pad = parseFloat(getComputedStyle(input).paddingRight);
  return {text: input.getBoundingClientRect().right - pad, arrow: arrow.left, width: list.width,
          bottom: list.bottom, run: box('#wm-sparql-run').top};
}"""


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def viewport(request, browser):
    chromium, url = browser
    phone = request.param == "phone"
    context = chromium.new_context(viewport=VIEWPORTS[request.param], is_mobile=phone, has_touch=phone)
    ART.mkdir(exist_ok=True)
    yield context, url, request.param
    context.close()


def _page(viewport):
    context, url, name = viewport
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.viewport_name, page.base = name, url
    page.offsite = []
    page.on("request", lambda r: page.offsite.append(r.url)
            if not r.url.startswith((url, "data:", "blob:")) else None)
    return page


def shot(page, name: str, *, whole: bool = False) -> None:
    page.screenshot(path=str(ART / f"sparql-{page.viewport_name}-{name}.png"), full_page=whole)


def _type_query(page, text: str) -> None:
    page.click("#wm-sparql-editor .cm-content")
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.insert_text(text)


def _run_with_keys(page, keys: str, rows: int) -> None:
    page.keyboard.press(keys)
    page.wait_for_function("n => document.querySelector('#wm-sparql-status')?.textContent.includes(`${n} rows`)",
                           arg=rows)
    page.wait_for_timeout(300)


def test_sparql_tab(viewport):
    page = _page(viewport)
    page.goto(page.base, wait_until="load")
    page.get_by_role("tab", name="SPARQL").click()
    page.wait_for_selector("#wm-sparql-editor .cm-content")
    assert "No results yet" in page.inner_text("#wm-sparql-results")           # an empty state, no dummy rows
    assert page.locator("#wm-sparql-results table").count() == 0
    assert not page.locator("#wm-sparql-editor .cm-content [class*='ͼ']").count()   # no (SQL) highlighting
    assert page.input_value("#wm-sparql-examples input").startswith("01-slow-to-sample")
    box = page.evaluate(EXAMPLES_BOX)
    assert box["text"] <= box["arrow"] + 1, box                                    # the label stops before the arrow
    if page.viewport_name == "phone":                                              # the list a line of its own
        assert box["width"] >= 0.8 * VIEWPORTS["phone"]["width"] and box["run"] >= box["bottom"] - 1, box
    shot(page, "tab-empty")

    page.click("#wm-sparql-editor .cm-content")                                    # an edit: not the example now
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.type(" LIMIT 3")
    page.wait_for_function("c => document.querySelector('#wm-sparql-examples input').value === c", arg=CHOOSE)
    _run_with_keys(page, "Control+Enter", 3)                                       # the edited query ran
    assert page.locator("#wm-sparql-editor .cm-line").count() > 10                 # and no line was inserted

    _type_query(page, FAMILIES)
    _run_with_keys(page, "Meta+Enter" if page.viewport_name == "desktop" else "Control+Enter", 5)
    links = page.locator("#wm-sparql-results a[data-iri]")
    assert links.first.inner_text().startswith("fam:") and links.count() == 10
    assert "https://w3id.org/" not in page.inner_text("#wm-sparql-results")       # prefixed names, no full IRIs
    status, height = page.locator("#wm-sparql-status").bounding_box(), VIEWPORTS[page.viewport_name]["height"]
    assert -1 <= status["y"] < (height / 3 if page.viewport_name == "phone" else height - 120), status  # on screen
    layout = page.evaluate(LAYOUT)
    assert layout["pageOverflow"] <= 0, layout
    width = VIEWPORTS[page.viewport_name]["width"]
    for cell in layout["cells"]:                                                   # every column on screen
        assert cell["left"] >= 0 and cell["right"] <= width + 1, layout
    if page.viewport_name == "phone":                                              # stacked, each value labelled
        assert {c["display"] for c in layout["cells"]} == {"block"} and '"family"' in layout["cells"][1]["label"]
    else:
        assert layout["wrapOverflow"] <= 1, layout                                 # long quotes wrap
    page.locator("#wm-sparql-status").scroll_into_view_if_needed()
    shot(page, "tab-results", whole=page.viewport_name == "desktop")

    page.locator("#wm-sparql-results a[data-iri]").first.click()                   # describe fam:…
    page.wait_for_function("() => document.querySelector('#wm-sparql-editor .cm-content').textContent"
                           ".includes('The triples about fam:')")
    page.wait_for_function("() => document.querySelectorAll('#wm-sparql-results td[data-var=predicate]').length > 5")
    predicates = page.locator("#wm-sparql-results td[data-var=predicate]").all_inner_texts()
    assert "rdf:type" in predicates and "skos:prefLabel" in predicates
    assert page.input_value("#wm-sparql-examples input") == CHOOSE
    page.locator("#wm-sparql-status").scroll_into_view_if_needed()
    shot(page, "tab-describe")

    page.locator("#wm-sparql-examples input").click()                              # an example loads again
    page.get_by_role("option", name="04-claims-about-gan", exact=False).click()
    page.wait_for_function("() => document.querySelector('#wm-sparql-editor .cm-content').textContent"
                           ".includes('GAN') && !document.querySelector('#wm-sparql-editor .cm-content')"
                           ".textContent.includes('The triples about')")
    assert page.offsite == []
    page.close()


def test_the_query_page_at_sparql(viewport):
    if not querypage.installed():
        pytest.skip("YASGUI not installed: run `make yasgui` (npm) to test the query page")
    page = _page(viewport)
    page.goto(page.base + "sparql", wait_until="load")
    page.wait_for_selector(".yasqe .CodeMirror")
    assert page.evaluate("() => typeof Yasgui") == "function"
    page.click(".yasqe .CodeMirror")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".yasr table.dataTable tbody tr td a")
    page.wait_for_timeout(300)
    text = page.inner_text(".yasr")
    assert "fam:gan" in text and "8 results" in text                              # the graph's prefixes, 8 families
    assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
    shot(page, "page", whole=True)
    page.locator(".yasr table.dataTable tbody tr td a").first.click()            # a name: its triples, here
    page.wait_for_function("() => document.querySelector('.yasqe').textContent.includes('The triples about fam:')"
                           " && document.querySelector('.yasr').textContent.includes('skos:prefLabel')")
    assert page.url.startswith(page.base)
    page.click(".yasqe .CodeMirror")                                               # typing a prefix: no LOV look-up
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.type("\n# rdf")
    page.wait_for_timeout(500)
    assert page.offsite == [], page.offsite                                       # nothing beyond this server
    page.close()
