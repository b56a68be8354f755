"""`python -m bot bench webhook` on a small load: it serves, measures, and finds nothing lost or doubled."""

import json

from bot.cli import main


def test_small_run_reports_figures_and_no_loss(capsys) -> None:
    assert main(["bench", "webhook", "--messages", "120", "--concurrency", "4", "--no-baseline", "--json"]) == 0
    (figures,) = json.loads(capsys.readouterr().out)
    assert figures["requests"] == 120 + 12 - 50  # retried ones included, warm-up excluded
    assert figures["messages_per_second"] > 0 and figures["p99_ms"] >= figures["p50_ms"]
    assert {figures[key] for key in ("lost", "wrong", "doubled", "retry_answered_differently", "missing_in_db")} == {0}
