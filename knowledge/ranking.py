"""Weighing the features of :mod:`knowledge.features`: a ranking of a question's candidates and a calibrated
decision between a confident answer, "您是不是想问" and "not found".

The model lives in ``knowledge/data/ranking.json`` (the decision's weights and thresholds) and
``ranking.trees.txt`` beside it (the ranking's trees, LightGBM's text format). Both are fitted on question
files in the format of :mod:`knowledge.evaluate` (``python -m bot eval --fit FILE.jsonl ...``):

- ranking: gradient-boosted trees with LightGBM's LambdaRank objective over each question's candidates, the
  right clauses as the relevant ones. Trees weigh a feature by the others (a clause that covers the question
  in a place's own plan, not the same cover in another place's); on held-out questions about the shipped
  documents they put the right clause first about 3 points more often than the linear softmax ranking used
  before; on the province-scale corpus they do no better (README, "Matching" and "Accuracy");
- decision: a logistic model of "the question is in scope" over what is known of the best candidate (how much
  of the question it covers, its lead over the runner-up) and of the question (chit-chat words, words no
  clause has, domain terms, no question form); its probability is the answer's ``confidence``. It is fitted
  on ranking scores each question gets from trees fitted without it, as a new question will.

An answer is given outright from ``thresholds.answer`` up when the best candidate leads the runner-up by
``thresholds.lead`` (else the top candidates are offered), candidates from ``thresholds.choices`` up, and
below that the question is declined.
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
)


@dataclass
class Thresholds:
    answer: float = 0.5  # confidence from which a question is answered outright ...
    lead: float = 0.2  # ... when its best candidate leads the runner-up by this much in ranking score
    choices: float = 0.3  # confidence from which candidates are offered


@dataclass
class RankingModel:
    """The ranking (fitted trees; without them, a few fixed weights), the decision's weights and its thresholds."""

    trees: lightgbm.Booster | None = None
    decision: dict[str, float] = field(default_factory=lambda: {"word_cover": 4.0, "bigram_cover": 2.0, "chitchat": -4.0})
    bias: float = -2.0
    thresholds: Thresholds = field(default_factory=Thresholds)
    fallback: dict[str, float] = field(default_factory=lambda: {"word_cover": 3.0, "bigram_cover": 3.0, "recall": 2.0})

    def __post_init__(self) -> None:
        self._fallback = np.array([self.fallback.get(name, 0.0) for name in FEATURES], dtype=np.float32)
        self._decision = np.array([self.decision.get(name, 0.0) for name in DECISION_FEATURES], dtype=np.float64)
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
        return cls(trees, data["decision"], float(data["bias"]), Thresholds(**data["thresholds"]))

    def save(self, path: Path = MODEL_FILE) -> None:
        """Write the model to ``path`` and its trees to :func:`trees_file` of it."""
        if self.trees is not None:
            self.trees.save_model(str(trees_file(path)))
        data = {
            "trees": trees_file(path).name if self.trees is not None else None,
            "features": RANKED_NAMES,
            "decision": {k: round(float(v), 4) for k, v in self.decision.items()},
            "bias": round(self.bias, 4),
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
        """The probability that the question is in scope and its best candidate answers it."""
        return float(in_scope_probability(decision_features, self._decision, self.bias))


def in_scope_probability(rows: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    """The logistic decision: the probability that a question with decision features ``rows`` is in scope."""
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


def trees_file(model_path: Path) -> Path:
    """Where the trees of the model in ``model_path`` live: ``ranking.json`` → ``ranking.trees.txt``."""
    return model_path.with_name(model_path.stem + ".trees.txt")


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
        probability = in_scope_probability(rows, weights, bias)
        error = probability - labels
        weights -= rate * (rows.T @ error / len(labels) + l2 * weights)
        bias -= rate * float(error.mean())
    return weights, bias


def fit(examples: Sequence[Example], declined_at_least: float = 0.85) -> RankingModel:
    """Fit both models and choose thresholds: ``answer`` answers as many in-scope questions as it can while
    declining at least ``declined_at_least`` of the out-of-scope ones; ``lead`` balances wrong answers against
    choices."""
    rows, labels, first_right = [], [], []
    for example, scores in zip(examples, _out_of_fold_scores(examples)):
        if len(example.features) == 0:
            continue  # nothing recalled: declined whatever the model says
        order = np.argsort(-scores)
        best = int(order[0])
        runner = int(order[1]) if len(order) > 1 else None
        rows.append(decision_row(example.features.astype(np.float64), scores, best, runner, example.question, example.evidence_of[best]))
        labels.append(1.0 if example.in_scope else 0.0)
        first_right.append(bool(example.right[best]) if example.in_scope else False)
    decision, bias = fit_decision(np.array(rows), np.array(labels))
    model = RankingModel(fit_ranking(examples), dict(zip(DECISION_FEATURES, decision)), bias)
    confidences = _out_of_fold_confidences(np.array(rows), np.array(labels))
    answer = _answer_threshold(confidences, np.array(labels), declined_at_least)
    lead = _lead_threshold([row[DECISION_FEATURES.index("lead")] for row in rows], labels, first_right, confidences, answer)
    model.thresholds = Thresholds(answer=round(answer, 4), lead=lead, choices=round(answer * 0.6, 4))
    return model


def _out_of_fold_confidences(rows: np.ndarray, labels: np.ndarray, folds: int = DECISION_FOLDS) -> np.ndarray:
    """Each question's confidence from a decision fitted on the other folds: the thresholds are chosen on these,
    so that "declines 85% of the out-of-scope questions" holds for questions the decision has not seen, not
    only for the ones it was fitted on (those it would decline more of)."""
    confidences = np.zeros(len(rows))
    for fold in range(folds):
        held = np.arange(len(rows)) % folds == fold
        weights, bias = fit_decision(rows[~held], labels[~held])
        confidences[held] = in_scope_probability(rows[held], weights, bias)
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


def _lead_threshold(leads, labels, first_right, confidences, answer: float) -> float:
    """The lead below which an in-scope question is offered candidates instead of an answer: where the wrong
    answers avoided outnumber the right answers held back the most."""
    best, best_gain = 0.0, 0
    for threshold in sorted({round(float(lead), 2) for lead in leads}):
        held = [f for lead, l, f, c in zip(leads, labels, first_right, confidences) if l and c >= answer and lead < threshold]
        gain = sum(1 for f in held if not f) - sum(1 for f in held if f)
        if gain > best_gain:
            best, best_gain = threshold, gain
    return best
