"""Personal data kept out of logs and out of what a handling department sees of an anonymous 举报:
mobile and landline numbers, resident ID numbers.

``mask_personal("电话13812345678")`` → ``电话138****5678``. :func:`masked_logger` returns a module logger whose
records are masked before any handler formats them (a logger's filters do not reach its children, so each
ticket module asks for its own).
"""

from __future__ import annotations

import logging
import re

_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?\d{3,4}(\d{4})(?!\d)")


def mask_personal(text: str) -> str:
    """``text`` with ID numbers, mobile and landline numbers masked (first and last digits kept)."""
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    return _LANDLINE.sub(lambda m: m.group(1) + "-****" + m.group(2), text)


class PersonalDataFilter(logging.Filter):
    """Masks personal data in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_personal(record.msg)
        if record.args:
            if isinstance(record.args, dict):
                record.args = {k: mask_personal(v) if isinstance(v, str) else v for k, v in record.args.items()}
            else:
                record.args = tuple(mask_personal(a) if isinstance(a, str) else a for a in record.args)
        return True


_FILTER = PersonalDataFilter()


def masked_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with personal data masked in every record it emits."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
