"""The knowledge-base command line: kb add/list/show/remove, ask (text, --json, stdin), eval."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.store import KnowledgeBase
from question_files import write_questions

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def instance(shipped_knowledge: KnowledgeBase, tmp_path: Path, monkeypatch) -> Path:
    shutil.copytree(shipped_knowledge.path, tmp_path / "instance" / "knowledge")
    monkeypatch.delenv("BOT_CONFIG", raising=False)
    monkeypatch.setenv("ZQT_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_kb_list_and_show(instance: Path, capsys) -> None:
    assert main(["kb", "list"]) == 0
    listing = capsys.readouterr().out
    assert listing.count("\n") == 9 and "优化营商环境条例" in listing
    doc_id = next(line.split()[0] for line in listing.splitlines() if "朝阳区" in line)
    assert main(["kb", "show", doc_id]) == 0
    shown = capsys.readouterr().out
    assert "牵头" in shown and "区政数局" in shown


def test_kb_add_refuses_a_broken_file_with_its_name(instance: Path, tmp_path: Path, capsys) -> None:
    broken = tmp_path / "坏文件.docx"
    broken.write_bytes(b"not a docx")
    assert main(["kb", "add", "--quiet", str(broken)]) == 1
    assert "坏文件.docx" in capsys.readouterr().err
    assert main(["kb", "list"]) == 0
    assert capsys.readouterr().out.count("\n") == 9


def test_kb_remove_unknown_document(instance: Path, capsys) -> None:
    assert main(["kb", "remove", "no-such-doc"]) == 1
    assert "没有这个文件" in capsys.readouterr().err


def test_ask_json_has_the_documented_shape(instance: Path, capsys) -> None:
    assert main(["ask", "--json", "机关单位买中小企业的东西最晚多少天付款"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"question", "answered", "reply", "matches"}
    assert result["answered"] is True
    best = result["matches"][0]
    assert set(best) >= {"doc", "clause", "heading", "text", "score", "department"}
    assert best["clause"].startswith("第") and "30日内" in best["text"]
    assert [m["score"] for m in result["matches"]] == sorted((m["score"] for m in result["matches"]), reverse=True)


def test_ask_reads_questions_from_stdin(instance: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("辽源办电要几天\n\n红烧肉怎么做\n"))
    assert main(["ask", "-"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["question"] for line in lines] == ["辽源办电要几天", "红烧肉怎么做"]
    assert lines[0]["answered"] and not lines[1]["answered"]


def test_ask_gives_the_reply_the_chat_gives(instance: Path, capsys) -> None:
    """Chit-chat gets the one-line hint, not "not found … 已记录" (it is not logged for staff)."""
    from handlers.policy import NOT_FOUND_TEXT, SMALL_TALK_TEXT

    assert main(["ask", "--json", "好的，谢谢啦"]) == 0
    chit_chat = json.loads(capsys.readouterr().out)
    assert main(["ask", "--json", "市图书馆几点关门"]) == 0
    unknown = json.loads(capsys.readouterr().out)
    assert (chit_chat["answered"], chit_chat["reply"]) == (False, SMALL_TALK_TEXT)
    assert (unknown["answered"], unknown["reply"]) == (False, NOT_FOUND_TEXT)


def test_eval_scores_a_question_file(instance: Path, tmp_path: Path, capsys) -> None:
    questions = write_questions(tmp_path / "q.jsonl")
    assert main(["eval", "--json", str(questions)]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["top1"] == 1.0 and figures["oos_declined"] == 1.0


def test_eval_with_its_own_documents(instance: Path, tmp_path: Path, capsys) -> None:
    document = tmp_path / "措施.txt"
    document.write_text("关于支持小店经济的措施\n\n1. 减免小店房租。对租用国有房屋的个体工商户免收三个月租金。（区商务局牵头）\n", encoding="utf-8")
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "a", "q": "小店房租能免吗", "accept": ["免收三个月租金"]}, ensure_ascii=False), encoding="utf-8")
    assert main(["eval", "--json", str(questions), "--kb", str(document)]) == 0
    assert json.loads(capsys.readouterr().out)["top1"] == 1.0


def test_python_m_bot_ask_runs_as_a_command(instance: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "朝阳区有没有知识产权宣传月"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "出处：《" in done.stdout and "朝阳区" in done.stdout
