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
    report, _ = diff_builds(build, questions=[question])
    assert [c.question for c in report.changes] == [question]
    assert any(e["doc"] == doc_id for e in report.changes[0].new_evidence())

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
