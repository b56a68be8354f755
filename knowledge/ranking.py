"""Weighing the features of :mod:`knowledge.features`: a ranking of a question's candidates and a calibrated
decision between a confident answer, "您是不是想问" and "not found".

The model lives in ``knowledge/data/ranking.json`` (the decisions' weights and thresholds), with
``ranking.trees.txt`` (the ranking's trees, LightGBM's text format) and ``ranking.phrasing.json`` (the phrasing
model's n-gram table) beside it. All are fitted on question files in the format of :mod:`knowledge.evaluate`
(``python -m bot eval --fit FILE.jsonl ...``):

- ranking: gradient-boosted trees with LightGBM's LambdaRank objective over each question's candidates, the
  right clauses as the relevant ones. Trees weigh a feature by the others (a clause that covers the question
  in a place's own plan, not the same cover in another place's); on held-out questions about the shipped
  documents they put the right clause first about 3 points more often than the linear softmax ranking used
  before; on the province-scale corpus they do no better (README, "Matching" and "Accuracy");
- decision: a logistic model of "the question is in scope" over what is known of the best candidate (how much
  of the question it covers, its lead over the runner-up) and of the question (chit-chat words, words no
  clause has, domain terms, no question form, how much it reads like the in-scope questions fitted on:
  :mod:`knowledge.phrasing`); its probability is the answer's ``confidence``. It is fitted on ranking and
  phrasing scores each question gets from models fitted without it, as a new question will;
- rightness: a logistic model over the same decision features, fitted on the in-scope questions only, of "the
  best candidate is a right one" (its ``sureness``).

An answer is given outright from ``thresholds.answer`` up when the best candidate leads the runner-up by
``thresholds.lead`` and its sureness reaches ``thresholds.sure`` (else the top candidates are offered),
candidates from ``thresholds.choices`` up, and below that the question is declined.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import lightgbm
import numpy as np

from knowledge.features import COLUMN, FEATURES
from knowledge.phrasing import PhrasingModel

MAX_LEAD = 3.0
# Features the decision reads but the ranking does not weigh: a 0/1 "first on one index" would turn a near tie
# between two places' identical measures into a clear lead.
DECISION_ONLY = ("top_of_clause_index", "top_of_everyday_index")
MODEL_FILE = Path(__file__).resolve().parent / "data" / "ranking.json"
RANKED = np.array([name not in DECISION_ONLY for name in FEATURES])  # the feature columns the ranking reads
RANKED_NAMES = [name for name, ranked in zip(FEATURES, RANKED) if ranked]  # the trees' columns, in order
TREE_PARAMETERS = {
    "objective": "lambdarank",
    "lambdarank_truncation_level": 10,  # only the top of the list matters: one answer, three choices
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_child_samples": 20,
    "deterministic": True,  # the same question files give the same trees
    "force_row_wise": True,
    "num_threads": 2,
    "seed": 0,
    "verbose": -1,
}
TREE_ROUNDS = 200
DECISION_FOLDS = 5  # the decision is fitted on ranking scores from trees fitted on the other folds
DECISION_FEATURES: tuple[str, ...] = (
    "word_cover",  # of the best candidate
    "bigram_cover",
    "fuzzy",
    "lead",  # the best candidate's ranking score minus the runner-up's
    "asked_alike",  # how close the question is to one of the best candidate's similar questions
    "agreement",  # the best candidate is also first on the clause index and on the everyday-words index
    "covered_idf",  # the idf mass of the question's words the best candidate contains
    "missing_idf",  # the idf of the most specific question word it lacks
    "words",  # how many content words the question has
    "unstated",  # the question asks for an amount, head count or time the best candidate does not state
    "chitchat",  # the question has a chit-chat word (chitchat.txt)
    "small_talk",  # ... and few lexicon terms
    "lookup",  # the question asks for a fact policies do not hold (lookups.txt)
    "unknown",  # share of the question's words that no clause has
    "domain",  # the share of the question's words that are lexicon terms (userdict.txt, synonyms.tsv)
    "telling",  # the message has no question form at all (收到，马上转给财务; 俺们厂今天开工了)
    "phrasing",  # how much the message reads like the in-scope questions fitted on (knowledge.phrasing)
)


@dataclass
class Thresholds:
    answer: float = 0.5  # confidence from which a question is answered outright ...
    lead: float = 0.2  # ... when its best candidate leads the runner-up by this much in ranking score
    sure: float = 0.0  # ... and the probability that the best candidate is the right one is at least this
    choices: float = 0.3  # confidence from which candidates are offered


@dataclass
class RankingModel:
    """The ranking (fitted trees; without them, a few fixed weights), the decision's weights and its thresholds."""

    trees: lightgbm.Booster | None = None
    decision: dict[str, float] = field(default_factory=lambda: {"word_cover": 4.0, "bigram_cover": 2.0, "chitchat": -4.0})
    bias: float = -2.0
    thresholds: Thresholds = field(default_factory=Thresholds)
    fallback: dict[str, float] = field(default_factory=lambda: {"word_cover": 3.0, "bigram_cover": 3.0, "recall": 2.0})
    phrasing: PhrasingModel = field(default_factory=PhrasingModel)
    rightness: dict[str, float] = field(default_factory=dict)  # the logistic "the best candidate is right" ...
    rightness_bias: float = 0.0  # ... of an in-scope question, over the decision features

    def __post_init__(self) -> None:
        self._fallback = np.array([self.fallback.get(name, 0.0) for name in FEATURES], dtype=np.float32)
        self._decision = np.array([self.decision.get(name, 0.0) for name in DECISION_FEATURES], dtype=np.float64)
        self._rightness = np.array([self.rightness.get(name, 0.0) for name in DECISION_FEATURES], dtype=np.float64)
        self._lock = threading.Lock()  # one prediction at a time on a booster shared by the web workers' threads

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "RankingModel":
        """The model in ``path`` (and its trees beside it); the built-in default when there is no such file."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("trees") and data.get("features") != RANKED_NAMES:
            raise ValueError(f"{path}: fitted on other features than knowledge.features has; refit (python -m bot eval --fit)")
        trees = lightgbm.Booster(model_file=str(trees_file(path))) if data.get("trees") else None
        phrasing = PhrasingModel.load(phrasing_file(path)) if data.get("phrasing") else PhrasingModel()
        return cls(
            trees,
            data["decision"],
            float(data["bias"]),
            Thresholds(**data["thresholds"]),
            phrasing=phrasing,
            rightness=data.get("rightness", {}),
            rightness_bias=float(data.get("rightness_bias", 0.0)),
        )

    def save(self, path: Path = MODEL_FILE) -> None:
        """Write the model to ``path`` and its trees to :func:`trees_file` of it."""
        if self.trees is not None:
            self.trees.save_model(str(trees_file(path)))
        if self.phrasing.weights:
            self.phrasing.save(phrasing_file(path))
        data = {
            "trees": trees_file(path).name if self.trees is not None else None,
            "phrasing": phrasing_file(path).name if self.phrasing.weights else None,
            "features": RANKED_NAMES,
            "decision": {k: round(float(v), 4) for k, v in self.decision.items()},
            "bias": round(self.bias, 4),
            "rightness": {k: round(float(v), 4) for k, v in self.rightness.items()},
            "rightness_bias": round(self.rightness_bias, 4),
            "thresholds": asdict(self.thresholds),
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    def scores(self, features: np.ndarray) -> np.ndarray:
        """The ranking score of each candidate (a row of ``features``)."""
        if self.trees is None:
            return features @ self._fallback
        if len(features) == 0:
            return np.zeros(0)
        with self._lock:
            return np.asarray(self.trees.predict(features[:, RANKED], num_threads=1))

    def confidence(self, decision_features: np.ndarray) -> float:
        """The probability that the question is in scope (one the knowledge base answers)."""
        return float(logistic(decision_features, self._decision, self.bias))

    def sureness(self, decision_features: np.ndarray) -> float:
        """The probability that the best candidate of an in-scope question is a right one (1 when not fitted)."""
        if not self.rightness:
            return 1.0
        return float(logistic(decision_features, self._rightness, self.rightness_bias))


def logistic(rows: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    """The probability a logistic model (the decision, the rightness) gives each of ``rows``."""
    return 1.0 / (1.0 + np.exp(-(rows @ weights + bias)))


def lead_of(scores: np.ndarray, best: int, runner_up: int | None) -> float:
    """How far the best candidate's ranking score is above the runner-up's (capped: a lone candidate leads by 3)."""
    return min(float(scores[best] - scores[runner_up]), MAX_LEAD) if runner_up is not None else MAX_LEAD


def decision_row(
    features: np.ndarray, scores: np.ndarray, best: int, runner_up: int | None, question: dict[str, float], best_evidence: dict[str, float]
) -> np.ndarray:
    """The decision features of a question whose candidates have ``features`` and ranking ``scores``."""
    values = {
        **best_evidence,
        "word_cover": float(features[best, COLUMN["word_cover"]]),
        "bigram_cover": float(features[best, COLUMN["bigram_cover"]]),
        "fuzzy": float(features[best, COLUMN["fuzzy"]]),
        "asked_alike": float(features[best, COLUMN["asked_alike"]]),
        "agreement": float(features[best, COLUMN["top_of_clause_index"]] + features[best, COLUMN["top_of_everyday_index"]]) / 2,
        "lead": lead_of(scores, best, runner_up),
        **question,
    }
    return np.array([values.get(name, 0.0) for name in DECISION_FEATURES], dtype=np.float64)


# -- fitting ------------------------------------------------------------------------------------------------


@dataclass
class Example:
    """One question for fitting: its candidates' features, which candidates are right, its question features."""

    features: np.ndarray
    right: np.ndarray  # bool per candidate
    question: dict[str, float]
    in_scope: bool
    evidence_of: list[dict[str, float]]  # of every candidate, for refitting
    text: str = ""  # the question as the phrasing model reads it (Query.plain: folded, without place names)


def trees_file(model_path: Path) -> Path:
    """Where the trees of the model in ``model_path`` live: ``ranking.json`` → ``ranking.trees.txt``."""
    return model_path.with_name(model_path.stem + ".trees.txt")


def phrasing_file(model_path: Path) -> Path:
    """Where the phrasing model of the model in ``model_path`` lives: ``ranking.json`` → ``ranking.phrasing.json``."""
    return model_path.with_name(model_path.stem + ".phrasing.json")


def fit_ranking(examples: Sequence[Example]) -> lightgbm.Booster | None:
    """LambdaRank trees over the candidates of the in-scope questions that have a right one recalled."""
    usable = [e for e in examples if e.in_scope and e.right.any() and len(e.features) > 1]
    if not usable:
        return None
    rows = np.vstack([e.features[:, RANKED] for e in usable])
    relevant = np.concatenate([e.right.astype(np.int32) for e in usable])
    data = lightgbm.Dataset(rows, relevant, group=[len(e.features) for e in usable], free_raw_data=True)
    return lightgbm.train(TREE_PARAMETERS, data, num_boost_round=TREE_ROUNDS)


def _out_of_fold_scores(examples: Sequence[Example], folds: int = DECISION_FOLDS) -> list[np.ndarray]:
    """Each example's ranking scores from trees fitted on the other folds (dealt round-robin): the scores, and
    so the leads, a question the trees have never seen gets."""
    scores: list[np.ndarray] = [np.zeros(0)] * len(examples)
    for fold in range(folds):
        model = RankingModel(fit_ranking([e for i, e in enumerate(examples) if i % folds != fold]))
        for i in range(fold, len(examples), folds):
            scores[i] = model.scores(examples[i].features)
    return scores


def fit_decision(rows: np.ndarray, labels: np.ndarray, l2: float = 0.002, iterations: int = 4000, rate: float = 1.0) -> tuple[np.ndarray, float]:
    """Weights and bias of the logistic decision model."""
    weights = np.zeros(rows.shape[1])
    bias = 0.0
    for _ in range(iterations):
        probability = logistic(rows, weights, bias)
        error = probability - labels
        weights -= rate * (rows.T @ error / len(labels) + l2 * weights)
        bias -= rate * float(error.mean())
    return weights, bias


def fit(examples: Sequence[Example], declined_at_least: float = 0.9) -> RankingModel:
    """Fit the models and choose thresholds: ``answer`` answers as many in-scope questions as it can while
    declining at least ``declined_at_least`` of the out-of-scope ones; ``lead`` and ``sure`` each balance the
    wrong answers they turn into choices against the right ones."""
    rows, labels, first_right = _decision_material(examples)
    decision, bias = fit_decision(rows, labels)
    confidences = _out_of_fold_confidences(rows, labels)
    answer = _answer_threshold(confidences, labels, declined_at_least)
    leads = rows[:, DECISION_FEATURES.index("lead")]
    inside = labels == 1
    lead = _holding_threshold(leads, inside & (confidences >= answer), first_right, decimals=2)
    rightness, rightness_bias = fit_decision(rows[inside], first_right[inside].astype(np.float64))
    sureness = np.zeros(len(rows))
    sureness[inside] = _out_of_fold_confidences(rows[inside], first_right[inside].astype(np.float64))
    sure = _holding_threshold(sureness, inside & (confidences >= answer) & (leads >= lead), first_right)
    return RankingModel(
        fit_ranking(examples),
        dict(zip(DECISION_FEATURES, decision)),
        bias,
        Thresholds(answer=round(answer, 4), lead=lead, choices=round(answer * 0.6, 4), sure=round(sure, 4)),
        phrasing=PhrasingModel.fit([e.text for e in examples], [e.in_scope for e in examples]),
        rightness=dict(zip(DECISION_FEATURES, rightness)),
        rightness_bias=rightness_bias,
    )


def _decision_material(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The decision rows of the examples that recall anything (scored by trees and a phrasing model fitted
    without them), whether each is in scope, and whether its best candidate is right."""
    rows: list[np.ndarray] = []
    labels, first_right = [], []
    for example, scores, phrasing in zip(examples, _out_of_fold_scores(examples), _out_of_fold_phrasing(examples)):
        if len(example.features) == 0:
            continue  # nothing recalled: declined whatever the model says
        order = np.argsort(-scores)
        best = int(order[0])
        runner = int(order[1]) if len(order) > 1 else None
        question = {**example.question, "phrasing": phrasing}
        rows.append(decision_row(example.features.astype(np.float64), scores, best, runner, question, example.evidence_of[best]))
        labels.append(1.0 if example.in_scope else 0.0)
        first_right.append(bool(example.right[best]) if example.in_scope else False)
    return np.array(rows).reshape(-1, len(DECISION_FEATURES)), np.array(labels), np.array(first_right, dtype=bool)


def _out_of_fold_phrasing(examples: Sequence[Example], folds: int = DECISION_FOLDS) -> list[float]:
    """Each example's phrasing score from a phrasing model fitted on the other folds: fitted on all, it would
    know every fitted question's words, and the decision would trust it more than a new question deserves."""
    scores = [0.0] * len(examples)
    for fold in range(folds):
        others = [e for i, e in enumerate(examples) if i % folds != fold]
        model = PhrasingModel.fit([e.text for e in others], [e.in_scope for e in others])
        for i in range(fold, len(examples), folds):
            scores[i] = model.score(examples[i].text)
    return scores


def _out_of_fold_confidences(rows: np.ndarray, labels: np.ndarray, folds: int = DECISION_FOLDS) -> np.ndarray:
    """Each row's probability from a logistic model (the decision, or the rightness) fitted on the other folds:
    the thresholds are chosen on these, so that "declines 90% of the out-of-scope questions" holds for
    questions the model has not seen, not only for the ones it was fitted on (those it would decline more of)."""
    confidences = np.zeros(len(rows))
    for fold in range(folds):
        held = np.arange(len(rows)) % folds == fold
        weights, bias = fit_decision(rows[~held], labels[~held])
        confidences[held] = logistic(rows[held], weights, bias)
    return confidences


def _answer_threshold(confidences: np.ndarray, labels: np.ndarray, declined_at_least: float) -> float:
    """The lowest confidence (the most questions answered) that still declines ``declined_at_least`` of the
    out-of-scope questions."""
    out_of_scope = confidences[labels == 0]
    if not len(out_of_scope) or not (labels == 1).any():
        return 0.5
    for threshold in np.unique(np.round(confidences, 3)):
        if float(np.mean(out_of_scope < threshold)) >= declined_at_least:
            return float(threshold)
    return 1.0


def _holding_threshold(values: np.ndarray, answered: np.ndarray, first_right: np.ndarray, decimals: int = 3) -> float:
    """The value (a lead, a sureness) below which a question that would be ``answered`` is offered candidates
    instead: where the wrong answers avoided outnumber the right answers held back the most (0: hold none)."""
    best, best_gain = 0.0, 0
    values, right = np.asarray(values)[answered], np.asarray(first_right)[answered]
    for threshold in np.unique(np.round(values, decimals)):
        held = values < threshold
        gain = int(np.sum(~right[held])) - int(np.sum(right[held]))
        if gain > best_gain:
            best, best_gain = float(threshold), gain
    return best
