"""Fitting the need parser (kg.reasoning.parser) on the need corpus: `whichmodel parser`, `make parser`.

train.yaml fits the heads; dev.yaml chooses, per group of labels, the threshold and whether the heads
beat the hand-written reading at all ("keep a rule only where it beats the model on the dev split").
The frozen test splits (tests/data/needs-test*.yaml) are never read here. Deterministic: the same corpus,
graph and model give the same weights.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from kg import paths
from kg.reasoning.embedding import DIMENSIONS
from kg.reasoning.lexicon import Lexicon
from kg.reasoning.needs import Needs, map_needs
from kg.reasoning.parser import (
    GROUPS,
    HEAD_C,
    MIN_POSITIVES,
    PARSER_FILE,
    Example,
    NeedParser,
    admits,
    current_fingerprint,
    declines,
    features,
    label_matrix,
    label_space,
    load_examples,
    rule_flags,
)

MIN_RULE_FIRES = 10            # a rule judged against the corpus must have fired on this many needs
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.95, 0.05))


def needs_dir() -> Path:
    return paths.ontology_dir() / "needs"


def example_text(example: Example) -> str:
    """A follow-up's text is read with the question before it, unless it is itself declined ("thanks", an
    off-topic question): then it is the follow-up alone that asks for nothing."""
    if example.context and not example.labels["decline"]:
        return f"{example.context} {example.question}"
    return example.question


def featurize(examples: list[Example], index, matcher) -> tuple[np.ndarray, list[Needs]]:
    """Base features (one row per example, ending with the rule reading's flags) and the rule readings."""
    readings = [map_needs(example_text(example), index, matcher, keep_on_decline=True) for example in examples]
    base = [features(reading.text, index, matcher, reading) for reading in readings]
    return np.array(base), readings


def fit(examples: list[Example], base: np.ndarray, texts: list[str], space: dict[str, list[str]],
        c: float = HEAD_C) -> NeedParser:
    """One logistic head per label with at least MIN_POSITIVES training examples (lbfgs: deterministic), on the
    base features, the neighbours' labels and the words of `texts` (the lexicon fitted on them). A label with
    fewer whose rule reading fires on many training needs, and is wrong on most of them, gets a constant head:
    its rule's precision there (the rules' word is not kept where the corpus refutes it)."""
    from sklearn.linear_model import LogisticRegression  # only for fitting: the parser runs on numpy alone

    labels = label_matrix(examples, space)
    single = np.array([not e.context for e in examples])       # a follow-up's combined text is no need to match
    parser = NeedParser(space, {}, {}, {}, base[single, :DIMENSIONS].copy(), labels[single], Lexicon.fit(texts))
    xs = parser.inputs(base, texts, own_rows=np.where(single, np.cumsum(single) - 1, -1))
    rules = rule_flags(base, space)
    column = 0
    for g in GROUPS:
        names = space[g]
        w, b, mask = np.zeros((xs.shape[1], len(names))), np.zeros(len(names)), np.zeros(len(names), dtype=bool)
        for j in range(len(names)):
            y = labels[:, column + j] > 0
            if MIN_POSITIVES <= y.sum() < len(y):
                model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
                model.fit(xs, y)
                w[:, j], b[j], mask[j] = model.coef_[0], model.intercept_[0], True
            elif (precision := _refuted_rule(rules[:, column + j] > 0, y)) is not None:
                b[j], mask[j] = np.log(precision / (1 - precision)), True
        column += len(names)
        parser.weights[g], parser.biases[g], parser.learned[g] = w, b, mask
    return parser


def _refuted_rule(fires: np.ndarray, gold: np.ndarray) -> float | None:
    """The precision of a rule that fires on at least MIN_RULE_FIRES needs and is right on under half of
    them (floored above zero), or None when the rule may stand."""
    if fires.sum() < MIN_RULE_FIRES:
        return None
    precision = float((fires & gold).sum() / fires.sum())
    return max(precision, 0.01) if precision < 0.5 else None


def _accuracy(said: list[bool], gold: list[set]) -> float:
    return sum(s == bool(g) for s, g in zip(said, gold)) / max(len(gold), 1)


def f1(predicted: list[set], gold: list[set]) -> float:
    tp = sum(len(p & g) for p, g in zip(predicted, gold))
    wrong = sum(len(p ^ g) for p, g in zip(predicted, gold))
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def tune(parser: NeedParser, examples: list[Example], base: np.ndarray, readings: list[Needs]) -> dict[str, dict]:
    """Per group, the threshold with the best F1 on these (dev) examples, and whether the heads beat the
    rules; sets parser.thresholds and parser.use_model and returns the figures. The decline threshold is
    the one whose declines, as decode makes them (kg.reasoning.parser.declines), are most often right."""
    figures, offset = {}, 0
    parser.use_model = dict.fromkeys(GROUPS, True)
    rules = rule_flags(base, parser.space)
    probs = [parser.probabilities(x, r, reading.text) for x, r, reading in zip(base, rules, readings)]
    texts = [example_text(e) for e in examples]
    for g in GROUPS:
        names = parser.space[g]
        gold = [set(e.labels[g]) for e in examples]
        by_rules = [{n for n, v in zip(names, r[offset:offset + len(names)]) if v} for r in rules]
        offset += len(names)
        model_f1, threshold = max((f1([{n for n, p in pr[g].items() if p >= t and admits(g, n, p, n in ruled, text)}
                                       for pr, ruled, text in zip(probs, by_rules, texts)], gold), t)
                                  for t in THRESHOLDS)
        if g == "decline":       # a generative need refused costs as much as a decline missed: accuracy
            threshold = max(THRESHOLDS, key=lambda t: (_accuracy(
                [declines(pr, reading, {g: t}) for pr, reading in zip(probs, readings)], gold), t))
        rules_f1 = f1(by_rules, gold)
        parser.use_model[g] = model_f1 > rules_f1
        parser.thresholds[g] = float(threshold) if parser.use_model[g] else 0.5
        figures[g] = {"rules_f1": round(rules_f1, 3), "model_f1": round(model_f1, 3),
                      "threshold": parser.thresholds[g], "uses_model": parser.use_model[g]}
    return figures


def fit_parser(kb, folder: Path | None = None, *, hold_out_dev: bool = False) -> tuple[NeedParser, dict]:
    """Fit on train.yaml and tune on dev.yaml (thresholds, heads or rules per group: the dev figures returned);
    then, unless hold_out_dev, fit the heads again on train and dev together with those choices, so that the
    parser kept has seen every labelled need but the frozen test splits. Saved into the build folder."""
    train, dev = load_examples(needs_dir() / "train.yaml"), load_examples(needs_dir() / "dev.yaml")
    space = label_space(kb.index)
    base_t, readings_t = featurize(train, kb.index, kb.matcher)
    texts_t = [r.text for r in readings_t]
    parser = fit(train, base_t, texts_t, space)
    base_d, readings_d = featurize(dev, kb.index, kb.matcher)
    figures = tune(parser, dev, base_d, readings_d)
    if not hold_out_dev:
        chosen = parser
        parser = fit(train + dev, np.vstack([base_t, base_d]), texts_t + [r.text for r in readings_d], space)
        parser.thresholds, parser.use_model = chosen.thresholds, chosen.use_model
        parser.fitted_on = ["train", "dev"]
    parser.fingerprint = current_fingerprint(kb.index)
    parser.save((folder or kb.folder) / PARSER_FILE)
    return parser, figures


__all__ = ["fit_parser", "fit", "tune", "featurize", "example_text", "needs_dir", "f1"]
