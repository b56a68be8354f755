"""`python -m bot chat`: the local REPL through the same router, with no configuration and no WeChat credentials."""

import os
import subprocess
import sys

from bot.cli import main
from tests_paths import PROJECT_ROOT


def test_once_answers_a_policy_question_on_a_fresh_folder(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZQT_") and k not in ("BOT_CONFIG", "DATABASE_URL")}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    result = subprocess.run([sys.executable, "-m", "bot", "chat", "--once", "小微企业办电要多少天？"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "20个工作日" in result.stdout and "出处" in result.stdout
    assert (tmp_path / "instance" / "zhengqitong.db").exists()


def test_repl_keeps_the_conversation_per_group_and_mentions(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ZQT_INSTANCE_PATH", str(tmp_path / "inst"))
    answers = iter(["在长春开个公司，刻章要不要交钱", "相关", "1", "退出"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert main(["chat", "--group", "wrG", "--user", "zhang"]) == 0
    out = capsys.readouterr().out
    replies = out.split("@zhang ")[1:]
    assert len(replies) == 3 and "出处" in replies[0]
    assert replies[1].startswith("相关条款：\n1. ")  # the follow-up knew the last answer of this group's asker
    assert "出处" in replies[2]


def test_staff_flag_registers_an_admin(monkeypatch, tmp_path, capsys) -> None:
    from bot.runtime import Runtime
    from bot.store.staff import find_staff

    monkeypatch.setenv("ZQT_INSTANCE_PATH", str(tmp_path / "inst"))
    assert main(["chat", "--staff", "--user", "boss", "--once", "帮助"]) == 0
    with Runtime().session() as session:
        assert find_staff(session, "boss").role == "admin"
    assert "政企通" in capsys.readouterr().out
