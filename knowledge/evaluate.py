"""Scoring a question file against a knowledge base: top-1, top-3, share of in-scope questions answered and of
out-of-scope questions declined. The file is JSON lines: ``{"id", "q", "accept": [phrases], "kind": "policy"|"oos",
"scope"?}``; a match is right when its clause (heading and text, folded: NFKC, no white space or quotation marks)
contains one of the ``accept`` phrases (folded the same way)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from knowledge.analyzer import fold
from knowledge.match import Answer, Match, Matcher
from knowledge.model import Clause
from knowledge.places import Places
from knowledge.ranking import Example, RankingModel, fit

Ask = Callable[[str, str | None], Answer]


@dataclass
class Question:
    id: str
    text: str
    accept: list[str]
    kind: str = "policy"
    scope: str | None = None


@dataclass
class Miss:
    question: Question
    answer: Answer
    why: str


@dataclass
class Scores:
    """The figures of one evaluation run."""

    policy: int = 0
    oos: int = 0
    top1: int = 0
    top3: int = 0
    answered: int = 0
    answered_wrong: int = 0
    declined: int = 0
    misses: list[Miss] = field(default_factory=list)

    def share(self, count: int, total: int) -> float:
        return count / total if total else 0.0

    def summary(self) -> dict[str, float | int]:
        return {
            "policy_questions": self.policy,
            "oos_questions": self.oos,
            "top1": round(self.share(self.top1, self.policy), 4),
            "top3": round(self.share(self.top3, self.policy), 4),
            "answered": round(self.share(self.answered, self.policy), 4),
            "answered_wrong": self.answered_wrong,
            "oos_declined": round(self.share(self.declined, self.oos), 4),
        }


def read_questions(path: str | Path) -> list[Question]:
    """Read a question file; a malformed line is an error naming the file and line."""
    questions = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            questions.append(
                Question(str(item["id"]), item["q"], list(item.get("accept", [])), item.get("kind", "policy"), item.get("scope"))
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a question line ({exc})") from exc
    return questions


def names_a_place(question: Question, places: Places) -> bool:
    """Whether ``question`` is region-named: its text names a place (长春, 朝阳区, 北京 …) or it is asked in a
    chat bound to one (``scope``)."""
    return bool(question.scope) or bool(places.named(question.text))


def is_right(match: Match, accept: Iterable[str]) -> bool:
    """Whether the clause of ``match`` contains one of the accepted phrases."""
    return answers(match.clause, accept)


def answers(clause: Clause, accept: Iterable[str]) -> bool:
    """Whether ``clause`` (heading and text, folded) contains one of the accepted phrases."""
    text = fold(clause.heading + clause.text)
    return any(fold(phrase) in text for phrase in accept if phrase)


def evaluate(questions: Iterable[Question], ask: Ask) -> Scores:
    """Ask every question and score the answers."""
    scores = Scores()
    for question in questions:
        answer = ask(question.text, question.scope)
        if question.kind == "oos":
            scores.oos += 1
            if answer.answered:
                scores.misses.append(Miss(question, answer, "out of scope but answered"))
            else:
                scores.declined += 1
            continue
        scores.policy += 1
        first = bool(answer.matches) and is_right(answer.matches[0], question.accept)
        third = any(is_right(match, question.accept) for match in answer.matches[:3])
        scores.top1 += first
        scores.top3 += third
        scores.answered += answer.answered
        if answer.answered and not first:
            scores.answered_wrong += 1
        if not first:
            scores.misses.append(Miss(question, answer, "right clause in top 3" if third else "wrong clause"))
        elif not answer.answered:
            scores.misses.append(Miss(question, answer, f"right but not confident ({answer.outcome})"))
    return scores


def examples(matcher: Matcher, questions: Iterable[Question], out_of_scope: bool = True) -> list[Example]:
    """The questions as material for fitting the ranking model (without the out-of-scope ones when
    ``out_of_scope`` is false: against a larger library some of them are answered)."""
    found = []
    for question in questions:
        if question.kind == "oos":
            if out_of_scope:
                found.append(matcher.example(question.text, question.scope, None))
        else:
            found.append(matcher.example(question.text, question.scope, lambda clause, q=question: answers(clause, q.accept)))
    return found


def fit_model(
    matcher: Matcher, questions: list[Question], folds: int = 0, extra: Sequence[Example] = ()
) -> tuple[RankingModel, list[dict[str, float | int]]]:
    """Fit the ranking model on ``questions`` (and ``extra`` examples, e.g. from a province-scale library);
    with ``folds`` ≥ 2 also score a model fitted on the other folds on each fold of ``questions`` (dealt
    round-robin), which tells how well the fit carries over to questions it has not seen."""
    material = examples(matcher, questions)
    held_out: list[dict[str, float | int]] = []
    if folds >= 2:
        original = matcher.model
        for fold_number in range(folds):
            training = [e for i, e in enumerate(material) if i % folds != fold_number] + list(extra)
            testing = [q for i, q in enumerate(questions) if i % folds == fold_number]
            matcher.model = fit(training)
            held_out.append(evaluate(testing, lambda text, scope: matcher.search(text, scope=scope)).summary())
        matcher.model = original
    return fit(material + list(extra)), held_out
