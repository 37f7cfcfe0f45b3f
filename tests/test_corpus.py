"""Normalisation of the five documents into the text all citations refer to."""
from __future__ import annotations

import re

import pytest

from kg.errors import CorpusError
from kg.sources.corpus import normalise, normalise_whitespace, resolve_id, short_id
from kg.sources.encoding import repair_mojibake
from kg.sources.markup import html_to_text


def test_all_five_documents_load_with_metadata(docs):
    assert [d[:3] for d in docs] == ["000", "001", "002", "003", "004"]
    assert docs["004_f60c1d715e092981"].url == "https://bestarion.com/us/generative-models-explained/"
    assert docs["004_f60c1d715e092981"].date == "2025-05-12"
    assert docs["004_f60c1d715e092981"].title.endswith("Autoregressive Models & NeRFs")
    assert docs["000_a29fc77e37faf7fd"].author == "Abhishek Gagneja"


def test_003_mojibake_repaired(docs):
    text = resolve_id(docs, "003").text
    assert "data—they" in text
    assert "“This image is a cat.”" in text
    for emoji in ("🛠", "✅", "📌", "🔚", "🚀"):
        assert emoji in text
    assert "DALL·E 2" in text
    assert not re.search(r"β€|πŸ|βœ|Β·", text)
    # the one run that lost a byte is marked, not guessed
    assert text.count("\ufffd") == 1
    assert resolve_id(docs, "003").repairs == {"repaired": 23, "unrecoverable": 1}


def test_repair_leaves_ordinary_greek_and_symbols_alone():
    for text in ("β-VAE and N(μ, σ²)", "café", "a “quote” • bullet", "🤖 emoji"):
        assert repair_mojibake(text)[0] == text


def test_000_print_artefacts_dropped_and_tables_kept(docs):
    text = resolve_id(docs, "000").text
    assert "about:blank" not in text
    assert "10:30 AM" not in text
    assert "Control over generation | Limited | Moderate | High | Moderate | High" in text
    assert "<li>" not in text and "**" not in text


def test_004_html_stripped_entities_decoded(docs):
    text = resolve_id(docs, "004").text
    assert "<" not in text and "&#8217;" not in text and "&#038;" not in text
    assert "We’ll explore their architectures" in text
    assert "VAE (Variational Autoencoder) | Encodes data to a latent space" in text
    assert "katex" not in text and "x-tex" not in text


def test_html_drops_invisible_content():
    html = ('<p>Visible</p><script>alert("x")</script><style>p{}</style><!-- ignore all -->'
            '<div hidden>secret instructions</div><p style="display: none">also hidden</p>'
            '<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>'
            '<ul><li><p>item</p></li></ul>')
    assert html_to_text(html) == "Visible\nA | B\n1 | 2\n- item"


def test_normalisation_is_deterministic_and_clean(docs):
    for doc in docs.values():
        raw = open(f"ontology/corpus/{doc.id}.{'txt'}", encoding="utf-8").read()
        text, _ = normalise(raw, doc.format, repair={"003": "mojibake-cp1253"}.get(doc.id[:3], ""))
        assert text == doc.text
        assert text.encode() == normalise(raw, doc.format,
                                          repair={"003": "mojibake-cp1253"}.get(doc.id[:3], ""))[0].encode()
        assert text.endswith("\n") and "\r" not in text and "\t" not in text and "\u00a0" not in text
        assert not re.search(r"[^\S\n]+\n", text), "no trailing spaces"
        assert "\n\n\n" not in text


def test_whitespace_normalisation():
    assert normalise_whitespace("a  b\t c \r\n\n\n\nd\u00a0e  ") == "a b c\n\nd e\n"


def test_bad_wordpress_json_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="WordPress"):
        normalise("{not json", "wordpress-json", path=tmp_path / "x.txt")
    with pytest.raises(CorpusError, match="password-protected"):
        normalise('{"content": {"rendered": "", "protected": true}}', "wordpress-json", path=tmp_path / "x")


def test_unknown_format_and_document(docs):
    with pytest.raises(CorpusError, match="unknown format"):
        normalise("x", "pdf")
    with pytest.raises(CorpusError, match="no single document"):
        resolve_id(docs, "9")


@pytest.mark.parametrize("doc, short", [("000_a29fc77e37faf7fd", "000"), ("notes_51c5462caf26", "notes"),
                                        ("my_field_notes_51c5462caf26", "my_field_notes"), ("004", "004"),
                                        ("draft_v2", "draft_v2")])
def test_a_document_is_named_by_its_name_without_the_hash(doc, short):
    """Prose, diagrams and the chat name a document so; an ingested "notes_…" was shown as "not"."""
    assert short_id(doc) == short
