"""What each message says: short Chinese text with an absolute link; SMS only title and deadline.

Pure functions of plain values (no queries), so the scan composes 10,000 messages cheaply.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse

from outreach.models import MessageKind

SMS_TITLE_MAX = 30  # an SMS template variable is short (Alibaba Cloud: at most 35 characters)


def absolute(path: str) -> str:
    return settings.YIHONG_SITE_URL.rstrip("/") + path


def notice_link(notice_id: int) -> str:
    # reverse() once: the scan builds thousands of links.
    global _notice_prefix
    if _notice_prefix is None or not _notice_prefix[0] == settings.YIHONG_SITE_URL:
        _notice_prefix = (settings.YIHONG_SITE_URL, absolute(reverse("notices:detail", args=[0]))[:-2])
    return f"{_notice_prefix[1]}{notice_id}/"


_notice_prefix: tuple[str, str] | None = None


def open_link(message) -> str:
    """The link a message carries: its own token (outreach:open marks it read and forwards to the
    item), or the item's plain link for a message planned before links were tracked."""
    if not message.token:
        return message.link
    global _open_prefix
    if _open_prefix is None or not _open_prefix[0] == settings.YIHONG_SITE_URL:
        _open_prefix = (settings.YIHONG_SITE_URL, absolute(reverse("outreach:open", args=["-"]))[:-2])
    return f"{_open_prefix[1]}{message.token}/"


_open_prefix: tuple[str, str] | None = None


def unit_link() -> str:
    # The site's root sends each signed-in person to their own work page (a county liaison to
    # the county's weekly form and letters), so the message needs no page of a higher app.
    return absolute("/")


def project_link(project_id: int) -> str:
    return absolute(reverse("tracker:project", args=[project_id]))


def cn_day(day: dt.date | None) -> str:
    return f"{day.month}月{day.day}日" if day else ""


def _short(title: str) -> str:
    return title if len(title) <= SMS_TITLE_MAX else title[: SMS_TITLE_MAX - 1] + "…"


def letter_message(*, kind: str, recipient: str, kind_label: str, number: str, title: str,
                   ack_deadline: dt.date | None, answer_deadline: dt.date | None) -> tuple[str, str, dict]:
    """(heading, text, SMS params) of a message about a letter."""
    what = f"{kind_label}《{title}》（{number}）"
    if kind == MessageKind.NEW_LETTER:
        heading = f"新公文：{kind_label}"
        asks = [f"请于{cn_day(ack_deadline)}前签收"] if ack_deadline else []
        if answer_deadline:
            asks.append(f"{cn_day(answer_deadline)}前反馈整改情况")
        text = f"{recipient}：专班办印发{what}，" + "，".join(asks or ["请查阅"]) + "。"
        deadline = ack_deadline
    elif kind in (MessageKind.ACK_DUE, MessageKind.ACK_OVERDUE):
        deadline = ack_deadline
        if kind == MessageKind.ACK_DUE:
            heading, text = "签收提醒", f"{recipient}：{what}签收期限为{cn_day(deadline)}，尚未签收，请及时签收。"
        else:
            heading, text = "签收逾期", f"{recipient}：{what}已超过签收期限（{cn_day(deadline)}），请立即签收。"
    else:
        deadline = answer_deadline
        if kind == MessageKind.ANSWER_DUE:
            heading, text = "反馈提醒", f"{recipient}：{what}反馈期限为{cn_day(deadline)}，尚未反馈整改情况，请按期反馈。"
        else:
            heading, text = "反馈逾期", f"{recipient}：{what}已超过反馈期限（{cn_day(deadline)}），请立即反馈整改情况。"
    params = {"title": _short(title), "deadline": cn_day(deadline)}
    return f"【一泓】{heading}", text, params


def weekly_message(*, recipient: str, count: int, week_start: dt.date,
                   deadline: dt.date) -> tuple[str, str, dict]:
    heading = "【一泓】本周未报提醒"
    text = (f"{recipient}：尚有{count}个项目未报送{cn_day(week_start)}当周调度信息，"
            f"请于{cn_day(deadline)}调度前填报。")
    return heading, text, {"title": f"{cn_day(week_start)}当周调度信息", "deadline": cn_day(deadline)}


def instruction_message(*, leader: str, project: str, problem: str, day: dt.date) -> tuple[str, str, dict]:
    heading = "【一泓】市领导批示"
    text = f"专班办：{leader}于{cn_day(day)}对{project}的问题“{problem[:40]}”作出批示，请及时办理。"
    return heading, text, {"title": _short(f"{project}问题批示"), "deadline": cn_day(day)}
