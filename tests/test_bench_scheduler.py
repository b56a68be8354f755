"""`python -m bot bench scheduler` runs at a small size and reports every figure it promises."""

from __future__ import annotations

import json

from bot.cli import main


def test_the_scheduler_benchmark_reports_its_figures(capsys) -> None:
    assert main(["bench", "scheduler", "--tasks", "60", "--subscribers", "20", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["reminders_planned"] > 60
    assert figures["notice_messages"] == 10  # the 滨海新区 notice: its region's and every region's subscribers
    assert figures["busy_tick_queued"] > 0 and figures["catch_up_tick_queued"] > 0
    for name in ("plan_steady_ms", "replan_one_query_per_task_ms", "plan_speedup", "idle_tick_ms", "lease_renew_ms", "rss_mb"):
        assert figures[name] > 0
