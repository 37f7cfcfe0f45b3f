"""The learned need parser: logistic heads over the packaged MiniLM embeddings, fitted on the need corpus.

A need's features are its embedding (384), its similarity with every use case and modality of the vocabulary
and with each kind of request whichmodel does not serve (kg.reasoning.declines.OUT_OF_SCOPE), what the hand-
written reading (kg.reasoning.needs) found (constraints, priorities, indifference, families to avoid, a
decline), the labels of its nearest corpus needs, and its words (kg.reasoning.lexicon: tf-idf of word unigrams
and bigrams, which tell "classify" from "generate" where the embedding blurs them). One logistic head per
label (decline; each use case, modality, constraint, priority and indifference) is fitted on
ontology/needs/train.yaml; a label with too few examples there keeps the hand-written reading, unless the
corpus refutes that reading (then its head is a constant). The thresholds that turn probabilities into needs
are chosen on ontology/needs/dev.yaml. Besides the decline head, a general-knowledge question and a request
plainly nearer a kind not served are declined. The frozen test splits are never read here.

Fitting is deterministic (lbfgs, fixed order) and takes seconds on a CPU; `whichmodel parser` (`make parser`)
writes the weights into the build, next to the graph they were fitted against.
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kg import paths
from kg.errors import BuildMissing
from kg.graph.store import write_atomic
from kg.reasoning.conversation import MAX_FOLLOW_UP_WORDS, opens_as_change
from kg.reasoning.declines import OUT_OF_SCOPE, asks_about, nearest_kind
from kg.reasoning.embedding import DIMENSIONS
from kg.reasoning.index import KnowledgeIndex
from kg.reasoning.lexicon import NGRAMS, Lexicon
from kg.reasoning.needs import Needs, latency_waived, map_needs, score_texts, task_clauses
from kg.reasoning.priorities import mention_order
from kg.reasoning.resources import states_resource
from kg.sources.yamlsafe import load_yaml

PARSER_FILE = "parser.npz"
GROUPS = ("decline", "use_cases", "modalities", "constraints", "priorities", "indifferent")
MIN_POSITIVES = 3               # a label with fewer training examples keeps the hand-written reading
EXCLUSIVE = [("compute-small", "compute-large"), ("data-small", "data-large"),
             ("pretrained-available", "pretrained-unavailable")]
ORDER_WEIGHTS = (2.5, 1.3, 1.0, 0.8)         # priority weights by rank: the first one counts most
KNN, KNN_TEMPERATURE = 16, 0.05                 # nearest corpus needs whose labels are features
WORD_WEIGHT = 1.0                                 # scale of the tf-idf word features beside the embedding (CV)
HEAD_C = 4.0                   # the heads' inverse L2 regularisation (CV over 1, 2, 4, 8, 16: 4 best)
UNWORDED_PRIORITY = 0.95                         # a priority no word of the question names needs this (dev)
# A use case that is one property's pursuit: not the need when that property is waved off or put second
# ("never mind photorealism", "realism comes second").
PROPERTY_TASKS = {"high-fidelity-generation": "sample-quality"}
UNMATCHED_TASK = 0.8                              # a task the rule reading did not match needs this (dev)
RULED_CONSTRAINT = 0.25                          # a constraint the rules read stands unless the heads doubt it
RULED_PRIORITY = 0.25                            # a priority the rules read stands unless the heads doubt it
SURE_TASK = 0.95             # a task this sure, which the rules matched too, outweighs the decline head (CV)
BARE_TASK = 0.5                                  # the likeliest use case is kept from here up (dev split)
USE_CASE_SPREAD = 0.4        # a kept use case weighs 0.9 - SPREAD * (1 - p): how much the heads' doubt lowers it


@dataclass
class Example:
    """One labelled need of the corpus."""
    question: str
    labels: dict[str, list[str]]
    context: str = ""
    slice: str = ""
    top1: list[str] = field(default_factory=list)
    top3: list[str] = field(default_factory=list)
    id: str = ""
    named: list[str] = field(default_factory=list)


def load_examples(path: Path) -> list[Example]:
    data = load_yaml(path)
    out = []
    for raw in data.get("needs", []):
        labels = {g: list(raw.get(g) or []) for g in GROUPS if g != "decline"}
        labels["decline"] = ["yes"] if raw.get("decline") else []
        labels["avoid"] = list(raw.get("families_avoided") or [])
        out.append(Example(raw["q"], labels, raw.get("context") or "", raw.get("slice", ""),
                           list(raw.get("top1") or []), list(raw.get("top3") or []), raw.get("id", ""),
                           list(raw.get("families_named") or [])))
    return out


def label_space(index: KnowledgeIndex) -> dict[str, list[str]]:
    """Every label a head can predict, per group, in a fixed order."""
    props = sorted(index.properties)
    return {"decline": ["yes"], "use_cases": sorted(index.use_cases), "modalities": sorted(index.modalities),
            "constraints": sorted(index.constraints), "priorities": props, "indifferent": props}


def rule_vector(needs: Needs, space: dict[str, list[str]]) -> np.ndarray:
    """What the hand-written reading found, as 0/1 features in label_space order."""
    found = {"decline": {"yes"} if needs.declined else set(), "use_cases": set(needs.use_cases),
             "modalities": set(needs.modalities), "constraints": needs.constraints,
             "priorities": set(needs.priorities), "indifferent": needs.indifferent}
    return np.array([1.0 if label in found[g] else 0.0 for g in GROUPS for label in space[g]])


def features(text: str, index: KnowledgeIndex, matcher, rules: Needs) -> np.ndarray:
    """Embedding, similarity with each use case, modality and out-of-scope kind of request (the whole need's
    and its best clause's), and the rule reading's flags (last)."""
    space = label_space(index)
    embedding = matcher.encode([text])[0]
    sims = []
    for texts in ([text], [text] + task_clauses(text)):    # the whole need, and its best part (the same texts
        # the rule reading scored: the encoder's cache answers them)
        uc, mod = score_texts(matcher, texts, "use_case"), score_texts(matcher, texts, "modality")
        off = score_texts(matcher, texts, "out_of_scope")
        sims += [uc.get(u, 0.0) for u in space["use_cases"]] + [mod.get(m, 0.0) for m in space["modalities"]]
        sims += [off.get(k, 0.0) for k in OUT_OF_SCOPE]
    return np.concatenate([embedding, np.array(sims), rule_vector(rules, space)]).astype(np.float64)


def rule_flags(base: np.ndarray, space: dict[str, list[str]]) -> np.ndarray:
    """The rule reading's flags that each row of features ends with (see features), in label_space order."""
    return base[..., -sum(len(labels) for labels in space.values()):]


def label_matrix(examples: list[Example], space: dict[str, list[str]]) -> np.ndarray:
    """0/1 labels of each example in label_space order (one row per example)."""
    return np.array([[1.0 if label in e.labels[g] else 0.0 for g in GROUPS for label in space[g]]
                     for e in examples])


def neighbour_labels(embeddings: np.ndarray, memory: np.ndarray, labels: np.ndarray, *, k: int | None = None,
                     own_rows: np.ndarray | None = None) -> np.ndarray:
    """For each embedding, the similarity-weighted mean labels of its k (default KNN) nearest corpus needs;
    own_rows[i] is the memory row of embedding i itself (-1: none), left out when fitting."""
    k = k or KNN
    sims = embeddings @ memory.T
    if own_rows is not None:
        rows = np.flatnonzero(own_rows >= 0)
        sims[rows, own_rows[rows]] = -np.inf
    nearest = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(sims, nearest, axis=1)
    weights = np.exp((top - top[:, :1]) / KNN_TEMPERATURE)
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkl->nl", weights, labels[nearest])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@dataclass
class NeedParser:
    """Fitted heads: for each group, a weight matrix (features x labels), biases, which labels are learned
    (the others follow the rule reading), whether the group uses the heads at all (chosen on the dev
    split), and its threshold; plus the corpus memory (embeddings and labels) the neighbour features
    come from."""
    space: dict[str, list[str]]
    weights: dict[str, np.ndarray]
    biases: dict[str, np.ndarray]
    learned: dict[str, np.ndarray]
    memory: np.ndarray
    memory_labels: np.ndarray
    lexicon: Lexicon
    thresholds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(GROUPS, 0.5))
    use_model: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(GROUPS, True))
    fingerprint: str = ""
    fitted_on: list[str] = field(default_factory=lambda: ["train"])     # the need corpus's splits it has seen

    def inputs(self, base: np.ndarray, texts: list[str], *, own_rows: np.ndarray | None = None) -> np.ndarray:
        """Base features (one row per need, `texts` their words) with the neighbour-label and word features
        appended."""
        base = np.atleast_2d(base)
        knn = neighbour_labels(base[:, :DIMENSIONS], self.memory, self.memory_labels,
                               own_rows=own_rows)
        return np.hstack([base, knn, WORD_WEIGHT * self.lexicon.transform(texts)])

    def probabilities(self, base: np.ndarray, rules_x: np.ndarray, text: str) -> dict[str, dict[str, float]]:
        x = self.inputs(base, [text])[0]
        out, offset = {}, 0
        for g in GROUPS:
            labels = self.space[g]
            rule_part = rules_x[offset:offset + len(labels)]
            offset += len(labels)
            p = _sigmoid(x @ self.weights[g] + self.biases[g])
            if self.use_model[g]:
                p = np.where(self.learned[g], p, rule_part)
            else:
                p = rule_part
            out[g] = dict(zip(labels, p.tolist()))
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, path: Path) -> None:
        meta = {"space": self.space, "thresholds": self.thresholds, "use_model": self.use_model,
                "fingerprint": self.fingerprint, "fitted_on": self.fitted_on}
        arrays = {"meta": np.array(json.dumps(meta, sort_keys=True)), "memory": self.memory,
                  "memory_labels": self.memory_labels, "terms": np.array(self.lexicon.terms, dtype=str),
                  "idf": self.lexicon.idf}
        for g in GROUPS:
            arrays[f"w_{g}"], arrays[f"b_{g}"], arrays[f"l_{g}"] = self.weights[g], self.biases[g], self.learned[g]
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        write_atomic(path, buffer.getvalue())

    @classmethod
    def load(cls, path: Path, *, fingerprint: str | None = None) -> NeedParser | None:
        """The parser saved at path; given the fingerprint it must have, None when it has another (a parser
        saved for other features or another corpus is stale, whatever else its file holds). An unreadable
        file is BuildMissing."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                if fingerprint is not None and meta.get("fingerprint") != fingerprint:
                    return None
                return cls(meta["space"], {g: data[f"w_{g}"] for g in GROUPS}, {g: data[f"b_{g}"] for g in GROUPS},
                           {g: data[f"l_{g}"] for g in GROUPS}, data["memory"], data["memory_labels"],
                           Lexicon([str(t) for t in data["terms"]], data["idf"]), meta["thresholds"],
                           meta["use_model"], meta["fingerprint"], meta.get("fitted_on", ["train"]))
        except (OSError, KeyError, ValueError, EOFError, TypeError) as exc:
            raise BuildMissing(f"the need parser's weights are unreadable ({type(exc).__name__}); "
                               "run `whichmodel parser`", file=str(path)) from None


def current_fingerprint(index: KnowledgeIndex) -> str:
    folder = paths.ontology_dir() / "needs"
    return fingerprint([folder / "train.yaml", folder / "dev.yaml"], index)


def fingerprint(files: list[Path], index: KnowledgeIndex) -> str:
    """What the weights depend on: the need corpus's train and dev splits, the label space and the features."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    digest.update(json.dumps(label_space(index), sort_keys=True).encode())
    digest.update(json.dumps(OUT_OF_SCOPE).encode())                # the features: their kinds and texts,
    digest.update(f"words {NGRAMS} {WORD_WEIGHT} C {HEAD_C}".encode())   # the word features, the fit
    return digest.hexdigest()[:16]


def admits(group: str, label: str, p: float, ruled: bool, question: str) -> bool:
    """Whether a head's label may stand: a constraint only on a resource the question speaks of, a priority
    only where the rule reading found it worded or the head is all but sure, a task only where the rule
    reading matched it too or the head is fairly sure (no invented needs)."""
    if group == "constraints":
        if label == "latency-critical" and latency_waived(question):
            return False
        return ruled or states_resource(question, label.split("-")[0])
    if group == "priorities":
        return ruled or p >= UNWORDED_PRIORITY
    if group == "use_cases":
        return ruled or p >= UNMATCHED_TASK
    return True


def only_a_change(rules: Needs, read: Needs | None = None) -> bool:
    """A short message that changes priorities or limits and names no task ("if only quality matters,
    nothing else", "what if we had more data?"): the task is the one before, not a guess. `read`: the
    needs the heads found in it, beside the rule reading's."""
    stated = [n.priorities or n.constraints or n.indifferent for n in (rules, read) if n is not None]
    return any(stated) and not rules.task_named and len(rules.text.split()) <= MAX_FOLLOW_UP_WORDS \
        and opens_as_change(rules.text)


def _head_declines(probs: dict[str, dict[str, float]], rules: Needs, thresholds: dict[str, float]) -> bool:
    """The decline head is over its threshold, and not outweighed by a task the heads are all but sure of
    that the rule reading matched too ("neural radiance field for scanning my apartment?")."""
    if probs["decline"]["yes"] < thresholds["decline"]:
        return False
    return not any(p >= SURE_TASK and u in rules.use_cases for u, p in probs["use_cases"].items())


def declines(probs: dict[str, dict[str, float]], rules: Needs, thresholds: dict[str, float]) -> bool:
    """Whether the need is declined: by the decline head (see _head_declines), as a question about the families,
    or as a request plainly of a kind not served; never a comparison of named families ("GAN or VAE for …")."""
    return (_head_declines(probs, rules, thresholds) or asks_about(rules.text) or bool(rules.out_of_scope)) \
        and not rules.candidates


def decode(probs: dict[str, dict[str, float]], rules: Needs, thresholds: dict[str, float],
           index: KnowledgeIndex) -> Needs:
    """Needs from the heads' probabilities (see the module doc)."""
    needs = Needs(question=rules.question, read_as=rules.read_as, avoid=set(rules.avoid),
                  candidates=list(rules.candidates), first=rules.first, demoted=set(rules.demoted) - {rules.first})
    if declines(probs, rules, thresholds):
        needs.declined = True
        needs.decline_kind = rules.decline_kind or rules.out_of_scope      # a plain kind says more than none
        # the limits and wishes it states stay: as a follow-up ("and if GPUs were unlimited?") they change the
        # need before it rather than decline it (kg.reasoning.conversation.merge)
        needs.constraints, needs.indifferent = set(rules.constraints), set(rules.indifferent)
        needs.priorities = dict(rules.priorities)
        return needs
    unwanted = rules.unwanted | {u for u, prop in PROPERTY_TASKS.items() if prop in rules.indifferent | rules.demoted}
    use = {u: p for u, p in probs["use_cases"].items() if p >= thresholds["use_cases"] and u not in unwanted
           and admits("use_cases", u, p, u in rules.use_cases, rules.text)}
    if not use and (max(probs["use_cases"].values()) >= BARE_TASK or not (rules.priorities or rules.constraints)):
        options = {u: p for u, p in probs["use_cases"].items() if u not in unwanted} or probs["use_cases"]
        best = max(options, key=options.get)                            # a bare need: its likeliest task
        use = {best: probs["use_cases"][best]}
    top = sorted(use.items(), key=lambda kv: -kv[1])[:3]
    needs.use_cases = {u: 0.9 - USE_CASE_SPREAD * (1 - p) for u, p in top}
    needs.modalities = {m: p for m, p in probs["modalities"].items() if p >= thresholds["modalities"]}
    constraints = {c for c, p in probs["constraints"].items()
                   if (p >= thresholds["constraints"] or (c in rules.constraints and p >= RULED_CONSTRAINT))
                   and admits("constraints", c, p, c in rules.constraints, rules.text)}
    for a, b in EXCLUSIVE:
        if a in constraints and b in constraints:
            constraints.discard(a if probs["constraints"][a] < probs["constraints"][b] else b)
    needs.constraints = constraints
    # a property the rules read as wanted ("which one is less painful to train?") is not waved off by the heads
    needs.indifferent = {p for p, v in probs["indifferent"].items() if v >= thresholds["indifferent"]
                         and (p in rules.indifferent or p not in rules.priorities)}
    needs.priorities = _priorities(probs["priorities"], rules, needs, thresholds["priorities"], index)
    if only_a_change(rules, needs):
        needs.use_cases, needs.modalities = {}, {}
    return needs


def _priorities(probs: dict[str, float], rules: Needs, needs: Needs, threshold: float,
                index: KnowledgeIndex) -> dict[str, float]:
    """The wanted properties, weighted by rank: one put above all first, the rule reading's strong ones next,
    then in the order the question names them; one put below others ("quality is secondary") last, and not
    at all when nothing else is wanted."""
    wanted = [p for p, v in probs.items() if p not in needs.indifferent
              and (v >= threshold or (p in rules.priorities and v >= RULED_PRIORITY))
              and admits("priorities", p, v, p in rules.priorities, rules.text)]
    if needs.first and needs.first not in wanted:
        wanted.append(needs.first)
    demoted = rules.demoted - {needs.first}
    named = mention_order(rules.text, index, wanted)
    ranked = sorted((p for p in wanted if p not in demoted),
                    key=lambda p: (p != needs.first, -rules.priorities.get(p, 0.0), named.get(p, len(rules.text)),
                                   -probs[p]))
    out = {p: ORDER_WEIGHTS[min(i, len(ORDER_WEIGHTS) - 1)] for i, p in enumerate(ranked)}
    if "latency-critical" in needs.constraints and "generation-speed" not in needs.indifferent:
        out.setdefault("generation-speed", ORDER_WEIGHTS[1])
    if out:
        out.update((p, ORDER_WEIGHTS[-1]) for p in wanted if p in demoted and p not in out)
    return out


def read_needs(question: str, index: KnowledgeIndex, matcher, parser: NeedParser | None) -> Needs:
    """The needs of a question: the hand-written reading, refined by the learned heads when fitted."""
    rules = map_needs(question, index, matcher, keep_on_decline=parser is not None)
    if parser is None:
        return rules
    x = features(rules.text, index, matcher, rules)
    probs = parser.probabilities(x, rule_vector(rules, parser.space), rules.text)
    needs = decode(probs, rules, parser.thresholds, index)
    if needs.declined and not asks_about(rules.text):     # the kind of request it is, when plain, says more
        needs.decline_kind = nearest_kind(score_texts(matcher, [rules.text], "out_of_scope")) or needs.decline_kind
    return needs


__all__ = ["NeedParser", "Example", "load_examples", "label_space", "label_matrix", "features", "rule_vector",
           "decode", "read_needs", "rule_flags", "fingerprint", "current_fingerprint", "neighbour_labels",
           "MIN_POSITIVES", "ORDER_WEIGHTS", "PARSER_FILE", "GROUPS", "admits", "declines"]
