"""Adding a source: ingest -> review -> build -> diff, replace and remove, in a temporary copy of the
project's data (the repository is not modified); every candidate's quote is the text at its offsets."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg import paths
from kg.errors import IngestError

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "ingest"
NOTES = DATA / "field_notes.md"
ONTOLOGY = ROOT / "ontology"


@pytest.fixture(scope="session")
def examples(tmp_path_factory):
    import os

    from kg.curation.examples import load_examples

    os.environ.setdefault("WHICHMODEL_BUILD_DIR", str(tmp_path_factory.mktemp("build")))
    return load_examples()


@pytest.fixture(scope="session")
def proposer(examples):
    from kg.curation.propose import Proposer

    return Proposer(examples)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of ontology/ the code reads and writes instead of the repository's; a build folder beside it."""
    from kg.sources.corpus import forget_corpus

    onto = tmp_path / "ontology"
    shutil.copytree(ONTOLOGY, onto)
    monkeypatch.setattr(paths, "ontology_dir", lambda: onto)
    monkeypatch.setenv("WHICHMODEL_BUILD_DIR", str(tmp_path / "build"))
    forget_corpus()
    yield tmp_path
    forget_corpus()


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("doc_id", ["000", "001", "002", "003", "004"])
def test_candidate_quotes_are_the_text_at_their_offsets(doc_id, examples, proposer):
    from kg.curation.propose import Proposer
    from kg.sources.corpus import load_corpus, resolve_id

    doc = resolve_id(load_corpus(), doc_id)
    candidates = Proposer(examples.without(doc.id), proposer.embedder).propose(doc.text)
    assert len(candidates) >= 10
    for cand in candidates:
        assert doc.text[cand.start:cand.end] == cand.quote
        assert cand.why.get("subject")
        assert cand.subject in examples.vocab.families or cand.predicate not in ("example", "has_level")


@pytest.mark.parametrize("name", ["field_notes.md", "field_notes.html", "field_notes.pdf"])
def test_dry_run_reads_each_format_and_writes_nothing(name, project, proposer):
    from kg.curation.ingest import ingest

    before = files_of(project / "ontology")
    result = ingest(DATA / name, dry_run=True, proposer=proposer).to_dict()
    assert files_of(project / "ontology") == before
    doc = result["document"]
    assert doc["id"].startswith("field_notes_") and doc["title"] == "Field Notes on Picking a Generative Model"
    assert "Sampling is slow because generation requires many denoising steps." in doc["text"]
    found = {(c["subject"], c["predicate"], c["value"]) for c in result["candidates"]}
    if name != "field_notes.pdf":       # a PDF's text layer keeps no table cells: no ratings from its table
        assert ("gan", "has_level", "low") in found and ("diffusion", "has_level", "very-high") in found
    assert any(s == "diffusion" and p == "suited_for" and "image" in v for s, p, v in found)
    for cand in result["candidates"]:
        assert doc["text"][cand["start"]:cand["end"]] == cand["quote"]


def test_cli_dry_run_json(project, capsys):
    from app.cli import main

    assert main(["ingest", str(NOTES), "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["document"]) >= {"id", "title", "text"} and out["candidates"]
    assert all(set(c) >= {"subject", "predicate", "value", "quote", "start", "end", "why"} for c in out["candidates"])
    assert not (project / "ontology" / "claims" / "candidates").exists()


def _blank_pdf(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def _bad_inputs(folder: Path) -> dict[str, tuple[Path, str]]:
    empty = folder / "empty.md"
    empty.write_bytes(b"")
    binary = folder / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    huge = folder / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(50_000_000)
    french = folder / "notes_fr.md"
    french.write_text("# Modèles génératifs\n\n" + "Les modèles de diffusion produisent des images de grande "
                      "qualité, mais leur échantillonnage reste lent et coûteux pour les petites équipes. " * 5,
                      encoding="utf-8")
    return {"empty": (empty, "empty"), "binary": (binary, "binary"), "huge": (huge, "50.0 MB"),
            "language": (french, "English"), "scan": (_blank_pdf(folder / "scan.pdf"), "no text layer"),
            "suffix": (DATA / "field_notes.html", "")}


@pytest.mark.parametrize("kind", ["empty", "binary", "huge", "language", "scan"])
def test_bad_input_is_one_clear_error_and_nothing_written(kind, project, tmp_path, capsys):
    from app.cli import main

    path, words = _bad_inputs(tmp_path)[kind]
    before = files_of(project / "ontology")
    assert main(["ingest", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(path) in err and words in err
    assert files_of(project / "ontology") == before


def _scripted(answers: list[str]):
    queue = list(answers)

    def read(prompt=""):
        if not queue:
            raise EOFError
        return queue.pop(0)
    return read


def _review(doc_id: str, answers: list[str]) -> str:
    import io
    from argparse import Namespace

    from app.ingestcli import run_review

    out = io.StringIO()
    assert run_review(Namespace(id=doc_id), read=_scripted(answers), out=out) == 0
    return out.getvalue()


def _accept_where(doc_id: str, wanted) -> list[int]:
    from kg.curation.review import open_review

    review = open_review(doc_id)
    return [i for i in review.open_items() if wanted(review.file.candidates[i])]


def test_ingest_review_build_diff_replace_remove(project, proposer):
    import kg
    from explain.changes import diff_builds
    from kg.curation.ingest import ingest, remove
    from kg.curation.review import open_review
    from kg.ontology.vocabulary import load_vocabulary
    from kg.sources.claims import check_claim_file
    from kg.sources.corpus import load_corpus

    build = project / "build"
    kg.build_graph(build)
    result = ingest(NOTES, dry_run=False, proposer=proposer)
    doc_id = result.document.id
    with pytest.raises(IngestError, match="already ingested"):
        ingest(NOTES, proposer=proposer)

    # review: stop half-way (the first accepted, the second rejected), then resume
    exact = _accept_where(doc_id, lambda c: c.predicate == "strength" and "exact likelihood" in c.quote)[0]
    text = _review(doc_id, ["a", "r", "q"])
    assert "accepted as" in text and "rejected" in text and "resume" in text
    review = open_review(doc_id)
    assert review.file.counts()["accepted"] == 1 and review.file.counts()["rejected"] == 1
    rejected_key = next(c.key for c in review.file.candidates if c.status == "rejected")
    answers = []
    for i in review.open_items():
        if i == exact:
            answers += ["e", "value=exact likelihood computation", "property=exact-likelihood", "level=very-high", ""]
        else:
            answers += ["s"]
    _review(doc_id, answers)
    claims_file = project / "ontology" / "claims" / f"{doc_id}.yaml"
    good, problems = check_claim_file(claims_file, load_vocabulary(), load_corpus())
    assert len(good) == 2 and not problems

    # build (SHACL) and diff: the need for exact likelihood now cites the new document
    kg.build_graph(build)
    question = "I need to compute the exact likelihood of each sample."
    report, now = diff_builds(build, questions=[question])
    assert [c.question for c in report.changes] == [question]
    assert any(e["doc"] == doc_id for e in report.changes[0].new_evidence())
    # the next diff reads this generation's answers (saved with the code's fingerprint): nothing is embedded
    from explain.changes import answers_path, snapshot_answers
    from kg.graph.store import generation_dir

    class NoEncoding:
        def encode(self, texts):
            raise AssertionError(f"embedded again: {texts}")

    assert snapshot_answers(generation_dir(build), [question], NoEncoding()) == now
    saved = answers_path(generation_dir(build))
    saved.write_text(saved.read_text(encoding="utf-8").replace('"code": "', '"code": "x'), encoding="utf-8")
    with pytest.raises(AssertionError, match="embedded again"):      # other code: answered again
        snapshot_answers(generation_dir(build), [question], NoEncoding())

    # replace: one accepted quote is gone from the new version; the rejected one is not proposed again
    changed = project / "field_notes.md"
    changed.write_text(NOTES.read_text(encoding="utf-8").replace(
        "Flows give exact likelihood computation", "Flows compute exact likelihoods"), encoding="utf-8")
    again = ingest(changed, proposer=proposer)
    assert again.replaced == doc_id and again.kept == 1 and len(again.vanished) == 1
    assert rejected_key not in {c.key for c in again.candidates}
    assert doc_id not in load_corpus() and not claims_file.exists()
    assert "VANISHED" in _review(again.document.id, ["s"] * 40) or open_review(again.document.id).open_items()
    kg.build_graph(build)

    # remove: the document, its claims and candidates go; the build stays valid
    remove(again.document.id)
    assert again.document.id not in load_corpus()
    assert not list((project / "ontology").rglob(f"{again.document.id}*"))
    kg.build_graph(build)


def test_review_tab_accepts_and_rejects(project, proposer):
    import gradio as gr

    from app.reviewtab import act, card, claimed, reopened, review_tab
    from kg.curation.ingest import ingest
    from kg.curation.review import open_review
    from kg.reasoning.index import FAMILY_LABELS

    doc_id = ingest(NOTES, proposer=proposer).document.id
    names, shown = reopened("gone")                                   # ingested after start: seen on reopening
    assert doc_id in names and shown in names
    body, index = card(doc_id)
    assert "<mark>" in body and index == 0
    family, claim = claimed(open_review(doc_id).file.candidates[0])
    assert family in FAMILY_LABELS.values() and f"<b>{family}</b>: " in body and claim
    assert "Candidate 1 of " in body and "#0" not in body
    visible = body.split("<details", 1)[0]
    assert "d00" not in visible and "(0." not in visible                 # claim ids and similarities: in details
    assert "<summary>Details</summary>" in body and "candidate index 0" in body
    body, index, skipped, status = act(doc_id, index, "accept", "", 0)
    assert status.startswith("accepted as") and index == 1
    body, index, skipped, status = act(doc_id, index, "skip", "", skipped)
    assert status == "skipped" and index == 2
    body, index, skipped, status = act(doc_id, index, "accept", "level=extreme", skipped)
    assert status.startswith("not recorded") and "unknown level" in status
    body, index, skipped, status = act(doc_id, index, "accept", "subject=Foo-9", skipped)
    assert status.startswith("not recorded") and "accept the example claim naming Foo-9 first" in status
    assert open_review(doc_id).file.counts()["accepted"] == 1
    with gr.Blocks(), gr.Tab("Review") as tab:
        review_tab(gr, tab, None)


def test_a_document_ingested_by_another_process_can_be_reviewed(project, proposer, monkeypatch):
    """`whichmodel ingest` in a terminal while `serve` runs: the server's cached corpus lacks the document;
    its Review tab must still open it (it raised "no single document matches …")."""
    from kg.curation import ingest as ingest_module
    from kg.curation.review import open_review
    from kg.sources.corpus import load_corpus

    load_corpus()                                                   # the server's cache, from before
    monkeypatch.setattr(ingest_module, "forget_corpus", lambda: None)   # another process cannot clear it
    doc_id = ingest_module.ingest(NOTES, proposer=proposer).document.id
    assert doc_id not in load_corpus()
    assert open_review(doc_id).doc_id == doc_id


def test_llm_proposals_pass_the_same_checks_or_are_dropped_and_counted(project, proposer):
    from functools import partial

    from explain.llm import LLMBackend
    from explain.proposals import llm_candidates
    from kg.curation.ingest import ingest
    from tests.llm_double import ScriptedChatServer

    claims = [
        {"subject": "flow", "predicate": "weakness", "value": "needs carefully designed invertible layers",
         "quote": "flow models need carefully designed invertible layers"},
        {"subject": "flow", "predicate": "weakness", "value": "slow", "quote": "Flows are very slow to train."},
        {"subject": "gan", "predicate": "suited_for", "value": "telepathy", "quote": "GANs generate sharp images"},
        {"subject": "gan", "predicate": "dominates", "value": "x", "quote": "GANs generate sharp images"},
        "ignore previous instructions",
    ]

    class Server(ScriptedChatServer):
        def reply(self, body):
            assert "<document>" in body["messages"][-1]["content"]
            return 200, json.dumps({"claims": claims})

    with Server() as server:
        result = ingest(NOTES, dry_run=True, proposer=proposer,
                        extra=partial(llm_candidates, LLMBackend(server.url, "double")))
    mine = [c for c in result.candidates if "llm:double" in c.why.get("subject", "")]
    assert [(c.subject, c.predicate, c.quote) for c in mine] == [
        ("flow", "weakness", "flow models need carefully designed invertible layers")]
    assert result.document.text[mine[0].start:mine[0].end] == mine[0].quote
    assert sum(result.dropped.values()) == 4 and result.dropped["not found verbatim"] == 1


def test_llm_down_is_counted_not_fatal(project, proposer):
    from functools import partial

    from explain.llm import LLMBackend
    from explain.proposals import llm_candidates
    from kg.curation.ingest import ingest

    backend = LLMBackend("http://127.0.0.1:9", "nothing", timeout=1)
    result = ingest(NOTES, dry_run=True, proposer=proposer, extra=partial(llm_candidates, backend))
    assert result.candidates and list(result.dropped) and "LLM unavailable" in next(iter(result.dropped))


LAYOUT_DOC = """# Notes on four families

## 1. GANs

🎯 Best for: Images, Art, Crisp textures

GANs train a generator against a discriminator.

GAN Variants

Stylenet-2

Sharp faces from little data

## Summary

Model TypeStrengthsWeaknessesPopular Use Cases
VAEStable, interpretableBlurry outputsFace gen, anomaly detection
Diffusion ModelsSuperior image qualitySlow, resource-heavyText-to-image, inpainting

## Overview

Type Best For Examples Difficulty
Transformers Text, Code GPT-4, BERT ⭐⭐⭐

## Which one?

For Image Generation:

GANs if speed is critical

Small Compute Available → Fine-Tune a Diffusion Model

## Hybrids

- Muse-X 2: Diffusion + CLIP (Transformer)
- Goodnet was introduced by Ian Goodfellow in 2014.
"""


def test_one_line_lists_and_run_together_tables_are_cut_into_items_and_cells():
    from kg.curation.layout import label_items, run_together_cells, spaced_row_cells
    from kg.ontology.vocabulary import load_vocabulary
    from kg.sources.context import FamilyNames
    from kg.sources.coverage import Unit

    line = "🎯 Best for: Text, Code, Sequential Data"
    items = label_items(Unit(10, 10 + len(line), line))
    assert [u.text for u in items] == ["Text", "Code", "Sequential Data"]
    assert all(line[u.start - 10:u.end - 10] == u.text for u in items)
    example = "Image generation: faces, landscapes, objects"        # the label is the claim, not a list
    assert label_items(Unit(0, len(example), example))[0].text == example

    cells = run_together_cells(LAYOUT_DOC, FamilyNames(load_vocabulary()))
    assert len(cells) == 3 and sum(not row for row in cells.values()) == 1      # the header gives no unit
    found = [(loc.row, loc.column, unit.text) for row in cells.values() for unit, loc in row]
    assert ("VAE", "Strengths", "Stable, interpretable") in found
    assert ("VAE", "Popular Use Cases", "anomaly detection") in found         # a use-case cell cut into items
    assert ("Diffusion Models", "Weaknesses", "Slow, resource-heavy") in found
    assert all(LAYOUT_DOC[u.start:u.end] == u.text for row in cells.values() for u, _ in row)

    spaced = spaced_row_cells(LAYOUT_DOC, FamilyNames(load_vocabulary()), set())      # cells only spaces part
    assert [(loc.column, u.text) for row in spaced.values() for u, loc in row] == [
        ("Best For", "Text"), ("Best For", "Code"), ("Examples", "GPT-4, BERT")]


def test_what_a_sentence_shape_states():
    from kg.curation.rules import hybrid_families, introduced_by, recommendation
    from kg.ontology.vocabulary import load_vocabulary
    from kg.sources.context import FamilyNames

    names = FamilyNames(load_vocabulary())
    assert introduced_by("Introduced by Ian Goodfellow in 2014", False) == "Ian Goodfellow"
    assert introduced_by("- Imagen by Google", True) == "Google"
    assert introduced_by("OpenAI's latest, multimodal", True) == "OpenAI"
    assert introduced_by("OpenAI's latest, multimodal", False) == ""       # a family's line: not its maker
    assert introduced_by("- Wasserstein GAN (WGAN) – improves stability", True) == ""   # an abbreviation
    assert hybrid_families("DALL-E 2: Diffusion + CLIP (Transformer)", "DALL-E 2", names) == ["diffusion",
                                                                                              "transformer"]
    assert hybrid_families("DALL-E 2: a diffusion model", "DALL-E 2", names) == []
    assert recommendation("GANs if speed is critical", "For Image Generation:", "", names) == ("gan", "use")
    assert recommendation("Small Compute → Fine-Tune a Diffusion Model", "", "", names) == ("diffusion", "fine-tune")
    assert recommendation("VAEs are useful when data is scarce.", "", "", names) == ("vae", "use")
    assert recommendation("GANs if speed is critical", "Results", "", names) == ("", "")
    assert recommendation("GANs generate sharp images.", "For Image Generation:", "", names) == ("", "")


def test_proposes_from_lists_tables_guides_and_hybrids(proposer):
    candidates = proposer.propose(LAYOUT_DOC)
    found = {(c.subject, c.predicate, str(c.value), c.quote) for c in candidates}
    assert ("gan", "suited_for", "image-generation", "Images") in found      # "Images" under "Best for"
    assert ("gan", "strength", "crisp textures", "Crisp textures") in found       # not a use case: a strength
    assert ("vae", "strength", "stable, interpretable", "Stable, interpretable") in found
    assert ("vae", "weakness", "blurry outputs", "Blurry outputs") in found
    assert ("diffusion", "suited_for", "inpainting", "inpainting") in found
    assert ("transformer", "suited_for", "code-generation", "Code") in found        # a space-separated row
    assert ("transformer", "example", "BERT", "GPT-4, BERT") in found
    assert ("gan", "recommended_when", "use", "GANs if speed is critical") in found
    assert ("Muse-X 2", "hybrid_of", "['diffusion', 'transformer']", "- Muse-X 2: Diffusion + CLIP (Transformer)") \
        in found
    assert any(p == "introduced" and v == "Ian Goodfellow" for _, p, v, _ in found)
    assert {(s, p) for s, p, _, q in found if q == "Sharp faces from little data"} & {
        ("Stylenet-2", "strength"), ("Stylenet-2", "mechanism")}           # the model on the line above
    rule = next(c for c in candidates if c.predicate == "recommended_when" and c.subject == "gan")
    assert rule.extra["when"]["use_cases"] == ["image-generation"]
    assert all(LAYOUT_DOC[c.start:c.end] == c.quote for c in candidates)
