"""The demo's letters written by hand: a 通知 and a 函 that went through 拟稿 (clerk),
核稿 (clerk_eco, a second member of staff) and 签发 (leader, with an opinion), dated the demo's date."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from notices.models import Notice, NoticeKind
from notices.services import hand_drafting, signoff
from tracker.models import AdministrativeUnit, Department

LETTERS = (
    (
        NoticeKind.GENERAL_NOTICE,
        "关于报送生态保护工程年度资金使用情况的通知",
        "为做好年度资金绩效评价工作，现就有关事项通知如下。\n一、报送内容\n（一）年度资金到位及使用情况。\n"
        "（二）存在问题及下一步措施。\n二、报送要求\n请于10月15日前将书面材料报送专班办。",
    ),
    (
        NoticeKind.GENERAL_LETTER,
        "关于商请提供汾河流域水质监测数据的函",
        "为准确评估生态保护工程成效，商请贵局提供2025年1月至9月汾河流域各断面水质监测数据。\n盼复。",
    ),
)


def hand_letters_generate(*, as_of: dt.date) -> list[Notice]:
    """Once: each letter drafted, reviewed and signed; returns the ones made now."""
    users = get_user_model().objects
    clerk, reviewer, leader = (
        users.get(username="clerk"),
        users.get(username="clerk_eco"),
        users.get(username="leader"),
    )
    made = []
    for kind, title, body in LETTERS:
        if Notice.objects.filter(kind=kind).exists():
            continue
        unit_ids: list[int] = []
        department_ids: list[int] = []
        if kind == NoticeKind.GENERAL_NOTICE:
            unit_ids = list(AdministrativeUnit.objects.values_list("pk", flat=True))
        else:
            department_ids = list(
                Department.objects.filter(name__contains="生态环境").values_list("pk", flat=True)[:1]
            ) or list(Department.objects.values_list("pk", flat=True)[:1])
        notice = hand_drafting.notice_hand_draft(
            acting_user=clerk,
            data=hand_drafting.DraftInput(
                kind=kind, title=title, body=body, copy_to=[hand_drafting.CITY_GOVERNMENT_NAME],
                unit_ids=unit_ids, department_ids=department_ids,
            ),
        )
        signoff.notice_submit(notice_id=notice.pk, acting_user=clerk)
        signoff.notice_review(notice_id=notice.pk, acting_user=reviewer, opinion="核稿无误", approve=True)
        made.append(
            signoff.notice_sign(
                notice_id=notice.pk,
                acting_user=leader,
                opinion="同意，按程序印发",
                require_opened=False,
                issued_on=as_of,
            )
        )
    return made
