"""Small question files in the format of ``python -m bot eval`` for the command-line tests."""

import json
from pathlib import Path

# One policy question the shipped documents answer and one out-of-scope message.
TWO_QUESTIONS = [
    {"id": "a", "q": "机关单位买中小企业的东西最晚多少天付款", "accept": ["30日内支付款项"], "kind": "policy"},
    {"id": "b", "q": "今天天气怎么样", "accept": [], "kind": "oos"},
]


def write_questions(path: Path, items: list[dict] = TWO_QUESTIONS) -> Path:
    """Write ``items`` to ``path`` as JSON lines and return it."""
    path.write_text("\n".join(json.dumps(item, ensure_ascii=False) for item in items), encoding="utf-8")
    return path
