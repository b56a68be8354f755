"""`python -m bot reminders list|tasks|cancel|snooze|correct|notice|status`."""

from __future__ import annotations

import pytest

import bot.commands.reminders as command
from bot.cli import main


@pytest.fixture
def cli(sched, monkeypatch, capsys):
    """Run ``python -m bot reminders ...`` in-process at 22 October 10:00 against the test's database."""
    monkeypatch.setenv("ZQT_INSTANCE_PATH", sched.runtime.config["instance_path"])
    monkeypatch.setenv("ZQT_KNOWLEDGE__PATH", sched.runtime.config["knowledge"]["path"])
    monkeypatch.setattr(command, "utcnow", lambda: sched.at("2026-10-22T10:00"))
    sched.run("2026-10-20T09:00")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["reminders", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def _label(out: str, text: str) -> str:
    return next(line.split()[0] for line in out.splitlines() if text in line)


def test_list_shows_pending_reminders_soonest_first(cli) -> None:
    code, out, _ = cli("list")
    lines = out.splitlines()
    assert code == 0 and lines[0].endswith("2026-10-21 09:00  T6 10月28日前7天  梳理服务企业名单（责任单位未注明）")
    assert any(line.endswith("2026-10-23 09:00  T4 10月31日前7天  优化政策供给（区营商环境办）") for line in lines)
    assert [line.split()[1] for line in lines] == sorted(line.split()[1] for line in lines)
    _, mine, _ = cli("list", "--department", "区营商环境办")
    assert mine and all("区营商环境办" in line for line in mine.splitlines())


def test_tasks_show_where_each_year_came_from(cli) -> None:
    _, out, _ = cli("tasks")
    assert "T4  2026-10-31  优化政策供给（区营商环境办）  《滨海新区" in out and "年份取自收录年份" in out
    assert "T1  2021-05-31  制定细化的工作方案" in out and "年份取自文件年份" in out
    assert "周期 每月25日前；每季末（至2024-12-31）  填报工作进展情况表" in out


def test_snooze_cancel_and_correct(cli) -> None:
    label = _label(cli("list")[1], "T4 10月31日前7天")
    assert cli("snooze", label, "--by", "2h")[1].strip() == f"已将提醒 {label} 推迟到 2026-10-23 11:00"
    assert cli("snooze", label, "--until", "2026-10-26T09:00")[1].strip() == f"已将提醒 {label} 推迟到 2026-10-26 09:00"
    assert cli("cancel", label)[1].strip() == f"已取消提醒 {label}（优化政策供给）"
    code, _, err = cli("cancel", label)
    assert code == 1 and f"{label} 已取消" in err
    code, out, _ = cli("correct", "T5", "--due", "2026-11-06", "--department", "区营商环境办")
    assert code == 0 and "T5  2026-11-06  总结优秀案例（区营商环境办）" in out and "人工更正" in out
    assert cli("correct", "T12", "--due", "2026-11-06")[2].strip().startswith("任务 T12 是周期性任务")
    assert cli("correct", "T5", "--due", "06/11/2026")[0] == 1
    assert f"{label} " not in cli("list")[1]


def test_a_notice_at_a_chosen_time(cli) -> None:
    code, out, _ = cli("notice", "d01fafa5b", "--at", "2026-11-02T09:30")
    assert code == 0 and out.startswith("已安排：N1  2026-11-02 09:30  政策通知《滨海新区")
    assert "N1  2026-11-02 09:30" in cli("list")[1]
    assert cli("notice", "no-such-document")[0] == 1
    assert cli("snooze", "N1", "--by", "1d")[1].strip() == "已将通知 N1 推迟到 2026-11-03 09:30"
    assert cli("cancel", "N1")[1].strip().startswith("已取消通知 N1")


def test_status_names_no_running_scheduler_and_the_last_calendar_runs(cli) -> None:
    _, out, _ = cli("status")
    assert out.splitlines()[0] == "没有调度器在运行。"
    assert "weekly-digest" in out and "2026-10-19 09:00" in out
