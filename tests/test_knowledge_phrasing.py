"""The phrasing model: how much a message reads like the in-scope questions it was fitted on."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.phrasing import LIMIT, SCALE, PhrasingModel, ngrams
from knowledge.ranking import RankingModel

POLICY = [
    "开公司要跑几个部门", "营业执照网上能办吗", "办电要多少天", "企业开办有补贴吗",
    "公司注销要多久", "企业开办流程是啥", "刻章收费吗", "开公司能网上办吗",
]
CHATTER = ["今天天气咋样", "中午吃啥", "我儿子驾照到期了咋办", "晚上一起吃饭不", "周末去哪玩", "我家孩子上学的事", "明天下雨吗", "吃了吗"]


def test_ngrams_are_the_distinct_folded_characters_pairs_and_triples() -> None:
    assert ngrams("Ａ办电办") == {"a", "办", "电", "a办", "办电", "电办", "a办电", "办电办"}


def test_a_policy_question_reads_more_like_one_than_chatter_it_was_not_fitted_on() -> None:
    model = PhrasingModel.fit(POLICY + CHATTER, [True] * len(POLICY) + [False] * len(CHATTER))
    assert model.score("开个公司要办多少天") > 0 > model.score("今天中午吃啥")


def test_a_score_is_clipped_and_scaled() -> None:
    model = PhrasingModel({"办": 5.0, "电": 5.0, "办电": 5.0}, bias=-1.0)
    assert model.score("办电") == pytest.approx(LIMIT / SCALE)  # 14 clipped to 12
    assert model.score("办") == pytest.approx(4.0 / SCALE)
    assert model.score("无关") == pytest.approx(-1.0 / SCALE)


@pytest.mark.parametrize(
    ("texts", "labels"),
    [
        (POLICY, [True] * len(POLICY)),  # one kind only
        (["甲", "乙"], [True, False]),  # no n-gram two messages share
        (["", ""], [True, False]),
    ],
)
def test_without_material_to_tell_by_the_model_tells_nothing(texts: list[str], labels: list[bool]) -> None:
    model = PhrasingModel.fit(texts, labels)
    assert model.weights == {} and model.score("开公司要跑几个部门") == 0.0


def test_a_phrasing_model_survives_save_and_load(tmp_path: Path) -> None:
    model = PhrasingModel.fit(POLICY + CHATTER, [True] * len(POLICY) + [False] * len(CHATTER))
    model.save(tmp_path / "phrasing.json")
    loaded = PhrasingModel.load(tmp_path / "phrasing.json")
    for message in ("开个公司要办多少天", "今天中午吃啥", "完全无关的话"):
        assert loaded.score(message) == pytest.approx(model.score(message), abs=0.01)


def test_the_shipped_model_tells_a_policy_question_from_an_errand() -> None:
    phrasing = RankingModel.load().phrasing
    assert phrasing.weights, "the shipped model has no phrasing table: refit (python -m bot eval --fit)"
    assert phrasing.score("俺们想在新区盖个厂房，施工许可要等多久") > phrasing.score("俺家闺女的户口迁到新区要带啥")
