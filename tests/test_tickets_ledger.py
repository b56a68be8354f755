"""The ledger (台账): filters, and the .xlsx and .csv files opened and checked."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from openpyxl import load_workbook

from handlers.tickets.ledger import COLUMNS, LedgerFilter, ledger_rows, select_tickets, write_ledger
from test_tickets_jobs import local
from test_tickets_service import file, runtime  # noqa: F401 - the fixture and helpers


@pytest.fixture
def filed(runtime):
    config = runtime.config
    with runtime.session() as session:
        file(session, config, now=local(2026, 11, 2))
        file(session, config, now=local(2026, 11, 10), category="办电")
        file(session, config, now=local(2026, 11, 12), category=None, confident=False, anonymous=True)
    return runtime


def rows(runtime, **wanted):
    with runtime.session() as session:
        now = local(2026, 11, 20)
        return ledger_rows(select_tickets(session, LedgerFilter(**wanted), now, runtime.config), now, runtime.config)


def test_filters(filed) -> None:
    assert len(rows(filed)) == 3
    assert [r[4] for r in rows(filed, department="税务")] == ["市税务局"]
    assert [r[2] for r in rows(filed, state="已受理")] == ["已受理"]
    assert len(rows(filed, since=date(2026, 11, 10))) == 2 and len(rows(filed, until=date(2026, 11, 2))) == 1
    # On 20 Nov: the tax ticket (due 16 Nov) and the power ticket (due 17 Nov) are overdue, the third is due 26 Nov.
    assert [r[4] for r in rows(filed, overdue=True)] == ["市税务局", "市供电公司"]


def test_xlsx_and_csv_hold_the_same_rows_and_hide_anonymous_reporters(filed, tmp_path) -> None:
    data = rows(filed)
    write_ledger(tmp_path / "ledger.xlsx", data)
    sheet = load_workbook(tmp_path / "ledger.xlsx").active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert tuple(values[0]) == COLUMNS and len(values) == 4
    assert values[1][0].startswith("ZQ20261102") and values[1][4] == "市税务局" and values[1][6] == "13812345678"
    assert values[3][5].startswith("匿名举报") and not values[3][6]
    write_ledger(tmp_path / "ledger.csv", data)
    with open(tmp_path / "ledger.csv", encoding="utf-8-sig", newline="") as handle:
        read = list(csv.reader(handle))
    assert tuple(read[0]) == COLUMNS and [r[0] for r in read[1:]] == [v[0] for v in values[1:]]
    assert [r[13] for r in read[1:]] == ["是", "是", "否"]


def test_an_unknown_format_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match=".xlsx 或 .csv"):
        write_ledger(tmp_path / "ledger.pdf", [])
    assert not (tmp_path / "ledger.pdf").exists()
