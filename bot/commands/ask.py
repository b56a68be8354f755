"""`python -m bot ask [--json] [--scope REGION] QUESTION`: ask the knowledge base from the command line.

``QUESTION`` ``-`` reads one question per line from standard input and writes one JSON object per line.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.runtime import Runtime
from handlers.policy import compose_reply
from knowledge.match import Answer


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ask", help="ask a policy question")
    parser.add_argument("question", metavar="QUESTION", help="the question, or - for one question per line on stdin")
    parser.add_argument("--json", action="store_true", help="print a JSON object instead of the chat reply")
    parser.add_argument("--scope", metavar="REGION", help="prefer this region's documents, as a group bound to it would")
    parser.add_argument("--limit", type=int, default=5, help="matches listed in --json output")
    parser.set_defaults(handler=ask)


def answer_as_json(result: Answer, reply: str) -> dict[str, Any]:
    """The JSON form of an answer: ``matches`` best first, ``text`` each clause's full text."""
    return {
        "question": result.question,
        "answered": result.answered,
        "outcome": result.outcome,
        "reply": reply,
        "matches": [
            {
                "doc": match.document.doc_id,
                "title": match.document.title,
                "clause": match.clause.number,
                "heading": match.clause.heading,
                "text": match.clause.text,
                "score": match.score,
                "department": "、".join(match.clause.departments),
            }
            for match in result.matches
        ],
    }


def ask(args: argparse.Namespace) -> int:
    knowledge = Runtime().knowledge
    if args.question == "-":
        for line in sys.stdin:
            question = line.strip()
            if not question:
                continue
            result = knowledge.ask(question, scope=args.scope, limit=args.limit)
            reply = compose_reply(result, knowledge.analyzer)
            print(json.dumps(answer_as_json(result, reply), ensure_ascii=False), flush=True)
        return 0
    result = knowledge.ask(args.question, scope=args.scope, limit=args.limit)
    reply = compose_reply(result, knowledge.analyzer)
    if args.json:
        print(json.dumps(answer_as_json(result, reply), ensure_ascii=False, indent=2))
    else:
        print(reply)
    return 0
