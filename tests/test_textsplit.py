import pytest

from bot.textsplit import byte_length, split_text


def test_short_text_is_untouched() -> None:
    assert split_text("办电时间压减至10个工作日。") == ["办电时间压减至10个工作日。"]


@pytest.mark.parametrize("limit", [60, 100, 2048])
def test_parts_fit_and_keep_every_character(limit: int) -> None:
    text = "".join(f"第{i}句话说明办理时限和材料要求，请企业按时提交。" for i in range(200))
    parts = split_text(text, limit)
    assert len(parts) > 1
    assert all(byte_length(part) <= limit for part in parts)
    assert all(part.startswith(f"({i}/{len(parts)})\n") for i, part in enumerate(parts, start=1))
    body = "".join(part.split("\n", 1)[1] for part in parts)
    assert body == text


def test_breaks_at_sentence_end_when_possible() -> None:
    text = "一" * 20 + "。" + "二" * 20 + "。"
    parts = split_text(text, 80)
    assert parts[0].endswith("。")


def test_one_long_word_is_cut_between_characters() -> None:
    text = "长" * 1000
    parts = split_text(text, 100)
    assert all(byte_length(part) <= 100 for part in parts)
    assert "".join(part.split("\n", 1)[1] for part in parts) == text
