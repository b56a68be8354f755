"""`python -m bot tickets list|show|export|report|intents|catalogue` on a real database."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.config import load_config
from bot.runtime import Runtime
from test_tickets_jobs import local
from test_tickets_service import file


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.delenv("BOT_CONFIG", raising=False)
    monkeypatch.setenv("ZQT_INSTANCE_PATH", str(tmp_path / "instance"))
    runtime = Runtime(load_config())
    with runtime.session() as session:
        file(session, runtime.config, now=local(2026, 11, 2))
        file(session, runtime.config, now=local(2026, 11, 3), category="办电")
    runtime.engine.dispose()
    return tmp_path


def test_list_show_and_filters(instance, capsys) -> None:
    assert main(["tickets", "list"]) == 0
    out = capsys.readouterr()
    assert out.out.count("ZQ2026110") == 2 and "共 2 件" in out.err
    assert main(["tickets", "list", "--department", "供电"]) == 0
    assert capsys.readouterr().out.count("ZQ") == 1
    assert main(["tickets", "show", "zq20261102001"]) == 0
    shown = capsys.readouterr().out
    assert "市税务局" in shown and "受理" in shown and "派单" in shown
    assert main(["tickets", "show", "ZQ20990101001"]) == 1


def test_export_and_a_bad_file_name(instance, capsys) -> None:
    assert main(["tickets", "export", str(instance / "台账.xlsx"), "--overdue"]) == 0
    assert "已导出 2 件" in capsys.readouterr().out
    assert load_workbook(instance / "台账.xlsx").active.max_row == 3
    assert main(["tickets", "export", str(instance / "台账.txt")]) == 2


def test_monthly_report(instance, capsys) -> None:
    assert main(["tickets", "report", "--month", "2026-11"]) == 0
    out = capsys.readouterr().out
    assert "受理2件" in out and "市供电公司" in out and "响应率0.0%" in out
    assert main(["tickets", "report", "--month", "2026-11", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["new"] == 2 and set(figures["by_department"]) == {"市税务局", "市供电公司"}
    assert main(["tickets", "report", "--month", "11/2026"]) == 2
