"""Demo notices from the demo ledger: every kind, issued with PDFs, some acknowledged/answered.

Idempotent: every notice has a source_key, so a second run returns the existing ones.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from notices import composers, services
from notices.models import Contact, Notice, NoticeKind, NoticeState
from tracker.models import AdministrativeUnit, Department, Role, StaffProfile
from tracker.selectors import portfolio_as_of
from tracker.workdays import week_start as monday_of

PNG_EVIDENCE = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15"
                b"\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def contacts_from_demo_users() -> int:
    """One contact per liaison user (their unit or department) and one for the city government."""
    created = 0
    for profile in StaffProfile.objects.select_related("user").filter(
            role__in=[Role.COUNTY_LIAISON, Role.DEPARTMENT_LIAISON, Role.CITY_LEADER]):
        user = profile.user
        lookup = {"user": user}
        defaults = {
            "name": profile.full_name or user.get_username(),
            "phone": profile.phone,
            "email": user.email or f"{user.get_username()}@linfen.example.gov.cn",
            "unit": profile.unit if profile.role == Role.COUNTY_LIAISON else None,
            "department": profile.department if profile.role == Role.DEPARTMENT_LIAISON else None,
            "for_city_government": profile.role == Role.CITY_LEADER,
        }
        _, was_created = Contact.objects.get_or_create(**lookup, defaults=defaults)
        created += was_created
    return created


def _letter(kind, unit, as_of, reason, requirement, office):
    context = composers.compose_unit_letter(unit=unit, as_of=as_of, reason=reason, requirement=requirement, limit=4)
    notice = services.notice_draft_create(
        kind=kind, recipient_units=[unit], context=context,
        source_key=f"demo:{kind}:{unit.code}:{as_of:%Y-%m}", period_start=as_of.replace(day=1), acting_user=office,
    )
    return notice


def _calendar_notice(kind: str, period_start: dt.date) -> Notice | None:
    """The notice of this kind and period the calendar already made, if any."""
    return (Notice.objects.filter(kind=kind, period_start=period_start).exclude(state=NoticeState.VOIDED)
            .order_by("pk").first())


def generate_demo_notices() -> dict:
    """Create (once) at least one issued notice of every kind, and run part of the loop."""
    users = get_user_model().objects
    leader, clerk = users.get(username="leader"), users.get(username="clerk")
    as_of = dt.date.fromisoformat(settings.YIHONG_DEMO_DATE)
    contacts = contacts_from_demo_users()
    units = list(AdministrativeUnit.objects.order_by("display_order"))
    # Letters go to the units with the most unfinished projects, so that they list real facts.
    tallies = {t.name: t for t in portfolio_as_of(as_of=as_of).units}
    lagging = sorted(units, key=lambda u: (-(tallies[u.name].projects - tallies[u.name].completed), u.display_order))
    departments = list(Department.objects.order_by("display_order"))
    notices: list[Notice] = []

    # The last full week's report and the last full month's circular — the very ones the
    # calendar issued when the demo history ran (`run_cycle`), else drafted here.
    week = monday_of(as_of) - dt.timedelta(days=7)
    weekly = _calendar_notice(NoticeKind.WEEKLY_REPORT, week) or services.notice_draft_create(
        kind=NoticeKind.WEEKLY_REPORT, to_city_government=True,
        context=composers.compose_weekly_report(week_start=week), source_key=f"demo:weekly:{week}",
        period_start=week, acting_user=clerk)
    notices.append(weekly)
    month = (as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    circular = _calendar_notice(NoticeKind.MONTHLY_CIRCULAR, month) or services.notice_draft_create(
        kind=NoticeKind.MONTHLY_CIRCULAR, recipient_units=units, recipient_departments=departments,
        context=composers.compose_monthly_circular(month=month),
        source_key=f"demo:circular:{month:%Y-%m}", period_start=month, acting_user=clerk)
    notices.append(circular)
    letters = [
        (NoticeKind.WARNING, lagging[0], "“计划开工日期已过仍未开工”预警规则", "请于10个工作日内报送开工计划和手续办理时间表。"),
        (NoticeKind.REMINDER, lagging[1], "“县(市、区)完工率低于全市平均水平”提醒规则", "请加快推进，按月进展计划完成节点。"),
        (NoticeKind.SUPERVISION, lagging[2], "“形象进度低于月进展计划20个百分点”督办规则", "请倒排工期，于反馈期限前报送整改情况。"),
        (NoticeKind.SUMMONS, lagging[3], "“连续一个月无明显进展”约谈规则", "请县政府分管负责同志按时参加约谈。"),
        (NoticeKind.LISTED_SUPERVISION, lagging[4], "年度考核挂牌督办规定", "请制定整改方案，每周报送进展，整改到位后申请销号。"),
        (NoticeKind.URGE_REPORT, lagging[5], "“本周未报送周调度信息”催报规则", "请于今日17时前在系统中补报。"),
    ]
    for kind, unit, reason, requirement in letters:
        notices.append(_letter(kind, unit, as_of, reason, requirement, clerk))
    # Dated the demo's date, like the rest of the demo history (not the day the demo is built).
    for notice in notices:
        if notice.state == NoticeState.DRAFT:
            notice = services.notice_advance_after_draft(notice_id=notice.pk, acting_user=clerk,
                                                         issued_on=as_of)
        if notice.state == NoticeState.PENDING_SIGNOFF:
            services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader, issued_on=as_of)
    circular = Notice.objects.get(pk=circular.pk)
    if not Notice.objects.filter(kind=NoticeKind.CORRECTION).exists():
        correction = services.notice_correct(notice_id=circular.pk, acting_user=clerk,
                                             correction_text="表1中部分县（市、区）“较上月”一栏数据有误，以本通知所附数据为准。")
        services.notice_advance_after_draft(notice_id=correction.pk, acting_user=clerk, issued_on=as_of)
        services.notice_sign_and_issue(notice_id=correction.pk, acting_user=leader, issued_on=as_of)
    _demo_loop(units, as_of)
    return {"contacts_created": contacts, "notices": Notice.objects.count(),
            "issued": Notice.objects.exclude(number=None).count()}


def _demo_loop(units, as_of: dt.date) -> None:
    """Some letters acknowledged, one answered with evidence, one closed."""
    users = get_user_model().objects
    with transaction.atomic():
        for kind in (NoticeKind.WARNING, NoticeKind.SUPERVISION, NoticeKind.LISTED_SUPERVISION):
            notice = Notice.objects.filter(kind=kind, source_key__startswith="demo:").first()
            if notice is None or notice.state not in (NoticeState.ISSUED, NoticeState.DELIVERED):
                continue
            unit = notice.recipient_units.first()
            liaison = users.get(username=f"county_{unit.code}")
            services.notice_acknowledge(notice_id=notice.pk, acting_user=liaison, on_date=as_of)
            if kind != NoticeKind.LISTED_SUPERVISION:
                services.notice_answer(
                    notice_id=notice.pk, acting_user=liaison,
                    text="已召开专题会议研究部署，明确责任人和完成时限，用地手续已提交审批，预计本月底开工。",
                    files=[services.UploadedAttachment(name="现场照片.png", content=PNG_EVIDENCE)],
                    on_date=as_of,
                )
            if kind == NoticeKind.WARNING:
                services.notice_close(notice_id=notice.pk, acting_user=users.get(username="clerk"),
                                      comment="整改措施可行，予以办结。", on_date=as_of)


# --- the people around the calendar's letters, for run_cycle's simulated history ----------------
# How each unit's liaison deals with letters in the demo history (deterministic, by the unit's
# place in the list): most sign for them the next working day and answer within 6 working days
# (the office then closes the letter 2 working days later); a few sign but never answer, and a
# few never even sign — their 督办函 go overdue and the daily scan escalates them (R7), and
# two unanswered 督办函 in a quarter bring 挂牌督办 (R6).
PROMPT, SIGNS_ONLY, SILENT = "prompt", "signs_only", "silent"
ANSWER_AFTER_WORKDAYS = 6
CLOSE_AFTER_WORKDAYS = 2
OPEN_LETTER_STATES = (NoticeState.ISSUED, NoticeState.DELIVERED, NoticeState.ACKNOWLEDGED,
                      NoticeState.ANSWERED)
DEMO_ANSWER_TEXT = ("已召开专题会议研究部署，逐项明确责任人和完成时限，倒排工期、加快推进；"
                    "相关手续已提交审批，整改情况附后。")


def demo_behaviour(display_order: int) -> str:
    """Two units in three answer on time; of the rest, half sign only and half stay silent."""
    if display_order % 3:
        return PROMPT
    return SIGNS_ONLY if display_order % 2 else SILENT


def _liaisons() -> dict[str, object]:
    """{"unit:<id>" / "department:<id>": the liaison user who signs and answers for it}."""
    liaisons: dict[str, object] = {}
    for profile in StaffProfile.objects.select_related("user").filter(
            role__in=[Role.COUNTY_LIAISON, Role.DEPARTMENT_LIAISON]).order_by("user__username"):
        key = (f"unit:{profile.unit_id}" if profile.role == Role.COUNTY_LIAISON
               else f"department:{profile.department_id}")
        liaisons.setdefault(key, profile.user)
    return liaisons


def demo_day_act(*, on_date: dt.date) -> dict[str, int]:
    """What the office and the recipients do on a simulated working day, after the day's jobs:
    the office leader signs the letters waiting for sign-off (dated that day); liaisons sign for
    and answer letters as their unit's behaviour says; the office closes answered letters.

    Everything is decided from dates already stored (issue date, answer date), so running the same
    day again — or the whole range again — does nothing new."""
    from tracker import workdays

    counts = {"signed": 0, "acknowledged": 0, "answered": 0, "closed": 0}
    if not workdays.is_working_day(on_date):
        return counts
    users = get_user_model().objects
    leader, clerk = users.get(username="leader"), users.get(username="clerk")
    contacts_from_demo_users()
    for notice_id in Notice.objects.filter(
            source_key__startswith="dispatch:", state=NoticeState.PENDING_SIGNOFF).order_by("pk").values_list(
            "pk", flat=True):
        services.notice_sign_and_issue(notice_id=notice_id, acting_user=leader, issued_on=on_date)
        counts["signed"] += 1
    liaisons = _liaisons()
    orders = {f"unit:{pk}": order
              for pk, order in AdministrativeUnit.objects.values_list("pk", "display_order")}
    orders |= {f"department:{pk}": order
               for pk, order in Department.objects.values_list("pk", "display_order")}
    letters = (Notice.objects.filter(source_key__startswith="dispatch:", state__in=OPEN_LETTER_STATES,
                                     notice_format="letter", issued_on__lt=on_date)
               .prefetch_related("deliveries__answers").order_by("issued_on", "pk"))
    for notice in letters:
        for delivery in notice.deliveries.all():
            liaison = liaisons.get(delivery.recipient_key)
            if liaison is None:
                continue
            behaviour = demo_behaviour(orders.get(delivery.recipient_key, 0))
            if behaviour == SILENT:
                continue
            if delivery.acknowledged_at is None:
                services.notice_acknowledge(notice_id=notice.pk, acting_user=liaison, on_date=on_date)
                counts["acknowledged"] += 1
                continue  # the answer comes on a later day
            if (behaviour == PROMPT and notice.answer_required and not delivery.answers.all()
                    and on_date >= workdays.add_working_days(notice.issued_on, ANSWER_AFTER_WORKDAYS)):
                evidence = services.UploadedAttachment(name="整改佐证.png", content=PNG_EVIDENCE)
                services.notice_answer(notice_id=notice.pk, acting_user=liaison, text=DEMO_ANSWER_TEXT,
                                       files=[evidence], on_date=on_date)
                counts["answered"] += 1
    for notice in Notice.objects.filter(source_key__startswith="dispatch:", state=NoticeState.ANSWERED,
                                        issued_on__lt=on_date).prefetch_related("answers"):
        answered_on = max(timezone.localtime(a.submitted_at).date() for a in notice.answers.all())
        if on_date >= workdays.add_working_days(answered_on, CLOSE_AFTER_WORKDAYS):
            services.notice_close(notice_id=notice.pk, acting_user=clerk, comment="整改措施具体可行，予以办结。",
                                  on_date=on_date)
            counts["closed"] += 1
    return counts
