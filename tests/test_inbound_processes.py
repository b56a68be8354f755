"""WeChat's retries landing on two worker processes at once, sharing one SQLite (or PostgreSQL) database:
each message is answered with one answer and handled once."""

import multiprocessing

import pytest
from sqlalchemy import func, select

from bot.runtime import Runtime
from bot.store.inbound import InboundMessage
from bot.store.questions import QuestionLog
from databases import database_params, database_url
from wechat_sim import post_in_process, wechat_config

QUESTIONS = ["小微企业办电要多少天？", "开办企业需要几个工作日", "不动产登记多久办完", "获得用水报装要多久", "帮助"]


@pytest.mark.parametrize("kind", database_params())
def test_retries_on_two_processes_are_answered_once(make_config, tmp_path, kind) -> None:
    config = make_config(database_url=database_url(kind, tmp_path), wechat=wechat_config(rate_limit_per_minute=0))
    runtime = Runtime(config)
    runtime.knowledge  # build the index once, before the workers open it
    messages = [(f"o-{n % 7}", QUESTIONS[n % len(QUESTIONS)], f"mp-{n}") for n in range(40)]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=post_in_process, args=(config, messages, barrier, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    for _sender, _text, msg_id in messages:
        (status_a, text_a), (status_b, text_b) = answers[0][msg_id], answers[1][msg_id]
        assert status_a == status_b == 200
        assert text_a == text_b and text_a
    policy_questions = sum(1 for _s, text, _m in messages if text != "帮助")
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == len(messages)
        assert session.scalar(select(func.count()).select_from(QuestionLog)) == policy_questions
    runtime.engine.dispose()
