from pathlib import Path

import pytest

from bot.config import ConfigError, load_config


def test_defaults_need_no_file(tmp_path: Path) -> None:
    config = load_config(path="", overrides={"instance_path": str(tmp_path)}, environ={})
    assert config["database_url"] == f"sqlite:///{tmp_path / 'zhengqitong.db'}"
    assert config["knowledge"]["path"] == str(tmp_path / "knowledge")
    assert config["wechat"]["replay_window_seconds"] == 300


def test_yaml_file_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "bot.yaml"
    path.write_text("wechat:\n  mp:\n    token: from-file\n    app_id: wx1\n", encoding="utf-8")
    environ = {"BOT_CONFIG": str(path), "ZQT_WECHAT__MP__TOKEN": "from-env", "ZQT_WECHAT__REPLAY_WINDOW_SECONDS": "0"}
    config = load_config(environ=environ)
    assert config["wechat"]["mp"]["token"] == "from-env"
    assert config["wechat"]["mp"]["app_id"] == "wx1"
    assert config["wechat"]["replay_window_seconds"] == 0


def test_database_url_from_environment(tmp_path: Path) -> None:
    config = load_config(path="", environ={"DATABASE_URL": "sqlite:///x.db"})
    assert config["database_url"] == "sqlite:///x.db"


@pytest.mark.parametrize("content", ["- a\n- b\n", "a: [unclosed\n"])
def test_bad_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.yaml"):
        load_config(path=path, environ={})


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(path=tmp_path / "nope.yaml", environ={})
