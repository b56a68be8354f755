"""The whole loop end to end through the router (``Runtime.handle`` with ``Incoming`` values): an enterprise files
in chat, staff dispatch, answer and close from the WeChat Work app, the enterprise rates, 不满意 reopens.
(The webhook is built on another branch; these tests stop at the router, which the webhook calls.)"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

import bot.runtime
from bot.runtime import Runtime
from bot.store.base import utcnow
from bot.store.tickets import Ticket, TicketLink
from handlers.tickets.chat import CONFIRM_TEXT, GROUP_ACK
from handlers.types import Incoming
from ticket_helpers import STAFF, sent_to

EXTRA_STAFF = [{"user": "jw1", "name": "纪检承办", "role": "handler", "department": "市纪检监察委"}]


@pytest.fixture(scope="session")
def knowledge_path(tmp_path_factory):
    return str(tmp_path_factory.mktemp("knowledge"))


@pytest.fixture
def config(make_config, knowledge_path):
    return make_config(staff=STAFF + EXTRA_STAFF, tickets={"leaders_robot": "leaders"}, knowledge={"path": knowledge_path})


@pytest.fixture
def runtime(config):
    runtime = Runtime(config)
    yield runtime
    runtime.engine.dispose()


def say(runtime, user, text, channel="work", group=None):
    return runtime.handle(Incoming(channel=channel, user=user, text=text, group=group, msg_id=f"{user}-{text}"))


def tickets(runtime):
    with runtime.session() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def outbox_for(runtime, user):
    with runtime.session() as session:
        return sent_to(session, user)


def file_power_complaint(runtime, user="boss"):
    assert "企业" in say(runtime, user, "供电公司接电拖了两个月还没接上，厂子没法开工").text
    assert "电话" in say(runtime, user, "长春市宏达机械有限公司").text
    assert "哪里" in say(runtime, user, "13812345678").text
    return say(runtime, user, "高新区硅谷大街1号").text


def test_the_closed_loop_from_the_first_message_to_the_satisfaction_check(runtime, config, caplog) -> None:
    caplog.set_level(logging.INFO)
    assert "企业" in say(runtime, "boss", "供电公司接电拖了两个月还没接上，厂子没法开工").text
    say(runtime, "boss", "长春市宏达机械有限公司")
    say(runtime, "boss", "13812345678")
    restarted = Runtime(config)  # the dialogue survives a restart: its state is in the database
    filed = say(restarted, "boss", "高新区硅谷大街1号").text
    (ticket,) = tickets(restarted)
    number = ticket.number
    assert number in filed and "市供电公司" in filed and "承诺答复" in filed and f"查询 {number}" in filed and "我的诉求" in filed
    assert ticket.company == "长春市宏达机械有限公司" and ticket.contact == "13812345678" and ticket.state == "已派单"
    assert any(number in text for text in outbox_for(restarted, "power1"))

    assert number in say(restarted, "power1", "待办").text
    assert "已签收" in say(restarted, "power1", f"签收 {number}").text
    assert any("已签收您的诉求" in text for text in outbox_for(restarted, "boss"))
    assert "已回复" in say(restarted, "power1", f"回复 {number} 已协调施工队，本周五送电").text
    assert "已办结" in say(restarted, "disp", f"办结 {number}").text
    assert any("请对办理结果评价" in text for text in outbox_for(restarted, "boss"))

    reopened = say(restarted, "boss", "不满意，周五也没来送电").text
    assert "重新交市供电公司办理" in reopened
    assert any("【重办】" in text and "周五也没来送电" in text for text in outbox_for(restarted, "power1"))
    say(restarted, "power1", f"回复 {number} 已于周一送电")
    say(restarted, "disp", f"办结 {number}")
    assert "感谢您的评价（满意）" in say(restarted, "boss", "满意").text
    (ticket,) = tickets(restarted)
    assert ticket.state == "已办结" and ticket.rating == "满意" and ticket.reopen_count == 1

    status = say(restarted, "boss", f"查询 {number}").text
    assert "已办结（满意）" in status and "已于周一送电" in status
    assert "只能查询本人" in say(restarted, "stranger", f"查询 {number}").text
    assert number in say(restarted, "boss", "我的诉求").text
    assert "还没有提交过" in say(restarted, "stranger", "我的诉求").text
    assert "13812345678" not in caplog.text
    restarted.engine.dispose()


def test_a_policy_question_is_answered_not_filed(runtime) -> None:
    reply = say(runtime, "boss", "小微企业办电要多少天？").text
    assert reply != CONFIRM_TEXT and "诉求" not in reply
    assert tickets(runtime) == []


def test_an_unsure_message_gets_one_confirming_question(runtime) -> None:
    text = "窗口说我们的材料要公证，其他区都不用"
    assert say(runtime, "boss", text).text == CONFIRM_TEXT
    assert "不是" in CONFIRM_TEXT and tickets(runtime) == []
    assert "企业" in say(runtime, "boss", "是").text  # the dialogue begins with the original message
    assert say(runtime, "boss2", text).text == CONFIRM_TEXT
    assert "诉求" not in say(runtime, "boss2", "不是").text[:6]  # answered as a policy question
    assert tickets(runtime) == []


def test_an_explicit_complaint_with_its_details_is_filed_at_once(runtime) -> None:
    reply = say(runtime, "boss", "投诉：税务局退税拖了三个月，宏达机械有限公司，电话13900001111").text
    assert "哪里" in reply  # only the location is missing
    assert "ZQ" in say(runtime, "boss", "跳过").text
    (ticket,) = tickets(runtime)
    assert ticket.kind == "投诉" and ticket.department == "市税务局" and ticket.contact == "13900001111"


def test_a_group_complaint_is_acknowledged_and_continued_one_to_one_anonymously(runtime) -> None:
    text = "举报：某部门工作人员暗示给好处才给办证"
    group_reply = say(runtime, "exec1", text, channel="aibot", group="g1")
    assert group_reply.text == GROUP_ACK and group_reply.mention == "exec1"
    assert "好处" not in group_reply.text
    private = outbox_for(runtime, "exec1")
    assert len(private) == 1 and "匿名" in private[0]
    assert "哪里" in say(runtime, "exec1", "匿名").text  # no company or phone asked of an anonymous reporter
    filed = say(runtime, "exec1", "朝阳区政务大厅").text
    (ticket,) = tickets(runtime)
    assert ticket.anonymous and ticket.complainant == "work:exec1" and ticket.number in filed
    assert ticket.department == "市纪检监察委"
    detail = say(runtime, "jw1", f"查看 {ticket.number}").text
    assert "匿名举报" in detail and "exec1" not in detail
    assert all("exec1" not in text for text in outbox_for(runtime, "jw1"))
    assert "承办部门不可见身份" in say(runtime, "lead1", f"查看 {ticket.number}").text


def test_follow_ups_are_appended_and_other_enterprises_look_alikes_linked(runtime) -> None:
    file_power_complaint(runtime)
    reply = say(runtime, "boss", "供电公司还是没来接电，厂子都停工两个多月了").text
    assert "已把这条补充到您的诉求" in reply
    assert len(tickets(runtime)) == 1
    assert any("企业补充" in text for text in outbox_for(runtime, "power1"))
    file_power_complaint(runtime, user="neighbour")
    first, second = tickets(runtime)
    with runtime.session() as session:
        links = list(session.scalars(select(TicketLink)))
    assert [(link.ticket_id, link.other_id) for link in links] == [(second.id, first.id)]
    assert first.number in say(runtime, "disp", f"查看 {second.number}").text


def test_supplying_material_resumes_the_clock(runtime) -> None:
    file_power_complaint(runtime)
    (ticket,) = tickets(runtime)
    say(runtime, "power1", f"补材料 {ticket.number} 用电报装申请表")
    assert any("需要您补充" in text for text in outbox_for(runtime, "boss"))
    assert "继续计算" in say(runtime, "boss", "补充：报装申请表已经发到邮箱了").text
    (ticket,) = tickets(runtime)
    assert not ticket.paused


def test_the_dialogue_times_out_politely(runtime, monkeypatch) -> None:
    say(runtime, "boss", "供电公司接电拖了两个月还没接上，厂子没法开工")
    monkeypatch.setattr(bot.runtime, "utcnow", lambda: utcnow() + timedelta(minutes=31))
    reply = say(runtime, "boss", "13812345678").text
    assert "已自动取消" in reply and tickets(runtime) == []


def test_staff_commands_are_checked_against_role_and_department(runtime) -> None:
    file_power_complaint(runtime)
    (ticket,) = tickets(runtime)
    number = ticket.number
    assert "没有找到您可以查看的工单" in say(runtime, "tax1", f"签收 {number}").text
    assert "派单员不能回复" in say(runtime, "disp", f"回复 {number} 好的").text
    assert "不能办结" in say(runtime, "disp", f"办结 {number}").text
    assert "退单需要写明原因" in say(runtime, "power1", f"退单 {number}").text
    assert "承办人不能派单" in say(runtime, "power1", f"派单 {number} 市税务局").text
    assert "没有“火星局”" in say(runtime, "disp", f"改派 {number} 火星局 原因").text
    assert "请写上工单编号" in say(runtime, "power1", "签收").text
    assert "工单命令" in say(runtime, "power1", "工单帮助").text
    say(runtime, "boss", f"派单 {number} 市税务局")  # not staff: no command at all
    (ticket,) = tickets(runtime)
    assert ticket.state == "已派单" and ticket.department == "市供电公司"
    assert "已退单" in say(runtime, "power1", f"退单 {number} 属于外线施工，不是供电公司").text
    assert "已派单" in say(runtime, "disp", f"派单 {number} 住建 外线施工归住建").text
    assert "市住房城乡建设局" in say(runtime, "build1", f"查看 {number}").text
    assert "已督办" in say(runtime, "lead1", f"督办 {number} 请本周内答复").text
