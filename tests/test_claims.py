"""Claims files: every one loads, every quote sits at its offsets, bad input names file:line."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg import paths
from kg.errors import ClaimError
from kg.sources.claims import check_claim_file, load_claims, parse_claim_file

CLAIM_FILES = sorted(paths.claims_dir().glob("*.yaml"))


@pytest.mark.parametrize("path", CLAIM_FILES, ids=lambda p: p.name)
def test_claim_file_is_clean(path, vocab, docs):
    good, problems = check_claim_file(path, vocab, docs)
    assert problems == []
    assert len(good) >= 50


@pytest.mark.parametrize("path", CLAIM_FILES, ids=lambda p: p.name)
def test_every_quote_equals_text_between_offsets(path, kb, docs):
    claims = [c for c in kb.claims if Path(c.file).name == path.name]
    assert claims
    for claim in claims:
        text = docs[claim.source].text
        assert text[claim.start:claim.end] == claim.quote, claim.id
        assert text[claim.start - len(claim.prefix):claim.start] == claim.prefix


def test_several_hundred_claims_from_every_document(kb):
    by_doc = {}
    for claim in kb.claims:
        by_doc[claim.source[:3]] = by_doc.get(claim.source[:3], 0) + 1
    assert sum(by_doc.values()) >= 500
    assert set(by_doc) == {"000", "001", "002", "003", "004"}


def test_decision_rules_of_002_are_claims(kb):
    rules = [c for c in kb.claims if c.predicate == "recommended_when" and c.source.startswith("002")]
    small = [r for r in rules if r.subject == "vae"
             and {"data-small", "compute-small"} <= set(r.extra["when"].get("constraints", []))]
    assert small and "Small Data, Small Compute" in small[0].quote


def _write(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "claims"
    folder.mkdir(exist_ok=True)
    path = folder / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """source: 002_22e1bc293db55194
claims:
  - id: t-vae-blurry
    subject: vae
    predicate: weakness
    value: blurry
    quote: "However, generated samples tend to be blurry."
"""


@pytest.mark.parametrize("body, message, line", [
    (GOOD.replace("subject: vae", "subject: [vae"), "malformed YAML", 5),
    (GOOD.replace("    value: blurry\n", "    value: blurry\n    value: again\n"), "duplicate key 'value'", 7),
    (GOOD.replace("subject: vae", "subject: vae\n    property: beauty\n    level: high"), "unknown property", 3),
    (GOOD.replace("tend to be blurry.", "are always blurry."), "not found verbatim", 3),
    (GOOD.replace("002_22e1bc293db55194", "999_nope"), "unknown source", 1),
    (GOOD.replace("predicate: weakness", "predicate: likes"), "unknown predicate", 3),
    (GOOD.replace("subject: vae", "subject: !!python/object/apply:os.system ['echo hi']"), "tag", 4),
    (GOOD.replace('quote: "However, generated samples tend to be blurry."', "quote: Diffusion"), "occurs", 3),
    (GOOD.replace("subject: vae", "subject: Hypernet"), "neither a family nor a model", 3),
])
def test_bad_claims_name_file_and_line(tmp_path, vocab, docs, body, message, line):
    path = _write(tmp_path, body)
    with pytest.raises(ClaimError) as err:
        load_claims(vocab, docs, path.parent)
    assert message in str(err.value)
    assert err.value.file == str(path)
    assert err.value.line == line


def test_yaml_alias_bomb_refused_fast(tmp_path, vocab, docs):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b]\n"
    with pytest.raises(ClaimError, match="aliases"):
        parse_claim_file(_write(tmp_path, bomb), vocab, docs)


def test_yaml_11_surprises_stay_strings(tmp_path):
    from kg.sources.yamlsafe import parse_yaml

    data = parse_yaml("a: no\nb: on\nc: 2025-01-01\nd: true\n", "x.yaml")
    assert data == {"a": "no", "b": "on", "c": "2025-01-01", "d": True}


def test_context_picks_the_last_occurrence():
    from kg.sources.claims import locate

    text = "Training complexity | High | Moderate | High | Moderate | High"
    assert locate("Moderate", "Training complexity | High | Moderate | High | Moderate", text) == (47, 55)
    assert isinstance(locate("High", "", text), str)
