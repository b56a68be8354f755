"""How much a message reads like the policy questions people ask, by its wording alone: a logistic regression
over the character n-grams it contains, fitted on the labelled questions (in scope or not) the ranking model
is fitted on.

The decision (:mod:`knowledge.ranking`) reads it beside how well the best clause covers the question. The two
disagree where it matters: "驾照到期了换证要带啥" is covered well by 无感续证 through synonyms, yet reads like
a personal errand; a question about 企业开办 in unusual words is covered poorly, yet reads like one of ours.

The model is a table of n-gram weights and a bias; a message's score is the bias plus the weights of the
n-grams it contains, a log-odds. It is stored beside the ranking model (``ranking.phrasing.json``) and needs
nothing but this module to apply; scikit-learn fits it. A logistic regression rather than naive Bayes: the
1-, 2- and 3-grams of a text overlap, and naive Bayes, counting each as independent evidence, pinned in-scope
questions that share a few words with the out-of-scope ones (今年…目标多少) at its floor; on the files left out
of the fit the regression declined 1.4 points more of the out-of-scope messages at the same share answered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from knowledge.normal import fold

NGRAM_SIZES = (1, 2, 3)  # character n-grams of these lengths
REGULARIZATION = 0.3  # the regression's C (inverse L2 strength): 0.1, 0.3 and 1 scored alike left out, 0.3 a shade best
MIN_QUESTIONS = 2  # an n-gram is kept only when this many questions have it
LIMIT = 12.0  # a score is clipped to ±LIMIT
SCALE = 4.0  # the score the decision reads is the clipped log-odds divided by this


def ngrams(text: str) -> set[str]:
    """The distinct character n-grams of ``text`` in its folded form (fitting and scoring share this)."""
    folded = fold(text)
    return {folded[i : i + n] for n in NGRAM_SIZES for i in range(len(folded) - n + 1)}


@dataclass
class PhrasingModel:
    """The n-gram weights and the bias of the log-odds of "in scope"."""

    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0

    def score(self, text: str) -> float:
        """The message's log-odds of being an in-scope question, clipped and scaled for the decision."""
        odds = self.bias + sum(self.weights.get(gram, 0.0) for gram in ngrams(text))
        return max(-LIMIT, min(LIMIT, odds)) / SCALE

    @classmethod
    def fit(cls, texts: Sequence[str], in_scope: Sequence[bool]) -> "PhrasingModel":
        """Fit on labelled messages; without both kinds, or without an n-gram two messages share, a model that
        tells nothing (scores 0)."""
        if len(set(in_scope)) < 2:
            return cls()
        from sklearn.feature_extraction.text import CountVectorizer  # fitting only: scoring needs no scikit-learn
        from sklearn.linear_model import LogisticRegression

        vectorizer = CountVectorizer(analyzer=ngrams, min_df=MIN_QUESTIONS, binary=True)
        try:
            present = vectorizer.fit_transform(texts)
        except ValueError:  # scikit-learn's "empty vocabulary" / "no terms remain": no n-gram two messages share
            return cls()
        regression = LogisticRegression(C=REGULARIZATION, max_iter=3000).fit(present, [bool(label) for label in in_scope])
        weights = regression.coef_[0]  # classes_ is [False, True]: the weights are those of "in scope"
        return cls({gram: float(weights[column]) for gram, column in vectorizer.vocabulary_.items()}, float(regression.intercept_[0]))

    @classmethod
    def load(cls, path: Path) -> "PhrasingModel":
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["weights"], float(data["bias"]))

    def save(self, path: Path) -> None:
        weights = {gram: round(weight, 4) for gram, weight in sorted(self.weights.items()) if round(weight, 4)}
        data = {"bias": round(self.bias, 4), "weights": weights}
        path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
