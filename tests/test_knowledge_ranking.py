"""The ranking model: LambdaRank trees fitted on examples, saved and loaded beside the decision's weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from knowledge.features import COLUMN, FEATURES, is_telling
from knowledge.ranking import Example, RankingModel, _holding_threshold, fit, fit_ranking, phrasing_file, trees_file


def _examples(count: int, seed: int = 0) -> list[Example]:
    """Questions with 12 candidates each. The right candidate has the highest word cover *among clauses of the
    asked place* (named_own); another place's clause may cover more. A linear score of the two cannot
    rank that right for every question; trees can."""
    rng = np.random.default_rng(seed)
    found = []
    for number in range(count):
        features = rng.random((12, len(FEATURES))).astype(np.float64) * 0.2
        features[:, COLUMN["named_own"]] = 0.0
        own = rng.choice(12, size=4, replace=False)
        features[own, COLUMN["named_own"]] = 1.0
        cover = rng.random(12)
        cover[np.setdiff1d(np.arange(12), own)[0]] = 1.5  # a better cover in another place's document
        features[:, COLUMN["word_cover"]] = cover
        right = np.zeros(12, dtype=bool)
        right[own[np.argmax(cover[own])]] = True
        in_scope = number % 5 != 0
        question = {"chitchat": 0.0 if in_scope else 1.0}
        found.append(Example(features, right if in_scope else np.zeros(12, dtype=bool), question, in_scope, [{}] * 12))
    return found


def _top1(model: RankingModel, examples: list[Example]) -> float:
    scored = [e for e in examples if e.in_scope]
    return sum(bool(e.right[int(np.argmax(model.scores(e.features)))]) for e in scored) / len(scored)


def test_trees_learn_a_ranking_that_depends_on_two_features_together() -> None:
    model = RankingModel(fit_ranking(_examples(300)))
    assert _top1(model, _examples(100, seed=1)) > 0.8
    assert _top1(RankingModel(), _examples(100, seed=1)) < 0.5  # the fixed fallback weights do not


def test_a_fitted_model_survives_save_and_load(tmp_path: Path) -> None:
    model = fit(_examples(200))
    path = tmp_path / "ranking.json"
    model.save(path)
    assert trees_file(path).exists() and json.loads(path.read_text(encoding="utf-8"))["trees"] == "ranking.trees.txt"
    loaded = RankingModel.load(path)
    probe = _examples(20, seed=2)
    for example in probe:
        assert np.allclose(loaded.scores(example.features), model.scores(example.features))
    assert loaded.thresholds == model.thresholds and loaded.decision == pytest.approx(model.decision, abs=1e-4)


def test_the_phrasing_table_and_the_rightness_survive_save_and_load(tmp_path: Path) -> None:
    examples = _examples(200)
    for number, example in enumerate(examples):
        example.text = "开公司要多久" if example.in_scope else "今天吃啥好"
        example.text += "呢" * (number % 3)
    model = fit(examples)
    assert model.phrasing.weights and model.rightness
    path = tmp_path / "ranking.json"
    model.save(path)
    assert phrasing_file(path).exists()
    loaded = RankingModel.load(path)
    assert loaded.phrasing.score("开公司要多久") == pytest.approx(model.phrasing.score("开公司要多久"), abs=0.01)
    row = np.linspace(0, 1, len(loaded._decision))
    assert loaded.sureness(row) == pytest.approx(model.sureness(row), abs=1e-3)


def test_the_holding_threshold_holds_back_the_answers_that_are_more_often_wrong() -> None:
    sureness = np.array([0.1, 0.2, 0.3, 0.4, 0.8, 0.9, 0.95, 0.5])
    answered = np.array([True] * 7 + [False])
    first_right = np.array([False, False, True, False, True, True, True, False])
    assert _holding_threshold(sureness, answered, first_right) == pytest.approx(0.3)  # holds the two wrong below 0.3
    answered[:2] = False  # holding 0.3 and 0.4 (one right, one wrong) gains nothing
    assert _holding_threshold(sureness, answered, first_right) == 0.0
    assert _holding_threshold(sureness, np.ones(8, dtype=bool), np.ones(8, dtype=bool)) == 0.0  # nothing wrong: nothing held


def test_a_model_fitted_on_other_features_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ranking.json"
    fit(_examples(100)).save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="refit"):
        RankingModel.load(path)


def test_no_candidates_score_nothing() -> None:
    model = RankingModel(fit_ranking(_examples(100)))
    assert model.scores(np.zeros((0, len(FEATURES)))).shape == (0,)


def test_the_shipped_model_loads_with_its_trees() -> None:
    assert RankingModel.load().trees is not None


@pytest.mark.parametrize(
    ("message", "telling"),
    [
        ("收到，马上转给财务", True),
        ("俺们厂今天开工了", True),
        ("开办企业要几天", False),
        ("长春能走简易注销不", False),  # 能…不
        ("招投标乱来有人管没", False),  # 有人管没
        ("政府管不管", False),  # 管不管
        ("企业注销流程", False),  # asks for a rule without a question word
    ],
)
def test_a_message_with_no_question_form_tells_rather_than_asks(message: str, telling: bool) -> None:
    assert is_telling(message) is telling
