"""Phone and ID numbers masked in logs."""

from __future__ import annotations

import logging

from handlers.tickets.masking import mask_personal, masked_logger


def test_numbers_are_masked() -> None:
    assert mask_personal("电话13812345678") == "电话138****5678"
    assert mask_personal("座机0431-88886666") == "座机0431-****6666"
    assert mask_personal("身份证220102199001011234") == "身份证220102********1234"
    assert mask_personal("编号ZQ20261118003，金额20000元") == "编号ZQ20261118003，金额20000元"


def test_a_masked_logger_masks_messages_and_arguments(caplog) -> None:
    log = masked_logger("handlers.tickets.test")
    with caplog.at_level(logging.INFO, logger="handlers.tickets.test"):
        log.info("contact %s", "13812345678")
        log.info("id 22010219900101123X")
    assert "13812345678" not in caplog.text and "138****5678" in caplog.text
    assert "22010219900101123X" not in caplog.text
