"""Demo notices from the demo ledger: every kind, issued with PDFs, some acknowledged/answered.

Idempotent: every notice has a source_key, so a second run returns the existing ones.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.workdays import monday_of
from notices import composers, services
from notices.models import Notice, NoticeKind, NoticeState
from outreach.models import Channel, Endpoint, Scope
from tracker.choices import Role
from tracker.models import AdministrativeUnit, Department, StaffProfile

PNG_EVIDENCE = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
                b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
                b"\x00\x00IEND\xaeB`\x82")


def email_endpoints_from_demo_users() -> int:
    """One e-mail endpoint per liaison and city leader (their own mailbox: the letters of their
    unit, department or the city government reach them with the PDF attached). Returns how many
    were created; a second run creates none."""
    created = 0
    for profile in StaffProfile.objects.select_related("user").filter(
            role__in=[Role.COUNTY_LIAISON, Role.DEPARTMENT_LIAISON, Role.CITY_LEADER]):
        user = profile.user
        _, was_created = Endpoint.objects.get_or_create(
            channel=Channel.EMAIL, scope=Scope.PERSON, user=user,
            defaults={"label": f"{profile.full_name or user.get_username()}（邮箱）",
                      "address": user.email or f"{user.get_username()}@linfen.example.gov.cn"})
        created += was_created
    return created


def office_contact_demo_set() -> None:
    """The contact printed on the office's letters: the clerk who keeps them, set by the leader
    (audited), once."""
    if services.office_contact() is not None:
        return
    users = get_user_model().objects
    leader = users.filter(username="leader").first()
    clerk = StaffProfile.objects.filter(user__username="clerk").first()
    if leader is None or clerk is None:
        return
    services.office_contact_set(acting_user=leader, name=clerk.full_name or "刘志强",
                                phone=clerk.phone or "0357-2010002")


def _demo_findings(as_of: dt.date) -> dict[str, list]:
    """What the calendar's rules find on the demo's date, per letter kind: the demo's own letters
    are written only where a rule really holds for that unit on that date."""
    from dispatch import rules
    from dispatch import selectors as dispatch_selectors
    from offices.keys import SettingGroup
    from offices.selectors import office_settings

    thresholds = office_settings(group=SettingGroup.THRESHOLDS)
    facts = dispatch_selectors.scan_facts(on_date=as_of, thresholds=thresholds)
    previous_month = (as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    week = monday_of(as_of) - dt.timedelta(days=7)
    urges = [
        rules.Finding(rule="urge_report", subject=f"unit:{unit_id}", period=rules.week_key(week), facts="",
                      unit_id=unit_id, data={"week_start": week.isoformat()},
                      items=tuple({"project_id": pk, "project_name": name} for pk, _, name, _ in missing))
        for unit_id, missing in dispatch_selectors.missing_reports(week_start=week, on_date=as_of).items()
    ]
    return {
        NoticeKind.WARNING: rules.r1_warnings(projects=facts, on_date=as_of, thresholds=thresholds),
        NoticeKind.REMINDER: [f for f in rules.r2_reminders(projects=facts, on_date=as_of,
                                                            thresholds=thresholds)
                              if f.unit_id],
        NoticeKind.SUPERVISION: rules.r3_supervisions(projects=facts, on_date=as_of, thresholds=thresholds),
        NoticeKind.SUMMONS: rules.r5_summons(
            activity=dispatch_selectors.unit_month_activity(month=previous_month),
            month=previous_month, thresholds=thresholds,
        ),
        NoticeKind.URGE_REPORT: urges,
    }


def _demo_letter(kind: str, findings: list, as_of: dt.date, office) -> Notice | None:
    """The demo's letter of a kind: to the unit the rule finds most to say about on the date
    (a 督办函 names all of that unit's projects the rule holds for), or None where it holds nowhere."""
    by_unit: dict[int, list] = {}
    for finding in findings:
        if finding.unit_id:
            by_unit.setdefault(finding.unit_id, []).append(finding)
    if not by_unit:
        return None
    unit_id = max(by_unit, key=lambda pk: (sum(len(f.items) or 1 for f in by_unit[pk]), -pk))
    unit = AdministrativeUnit.objects.get(pk=unit_id)
    chosen = by_unit[unit_id]
    items = [{k: v for k, v in item.items() if k != "project_code"} for f in chosen for item in f.items]
    context = composers.compose_letter(kind=kind, recipient=unit.name, as_of=as_of, items=items,
                                       data=dict(chosen[0].data), facts=chosen[0].facts)
    return services.notice_draft_create(
        kind=kind, recipient_units=[unit], context=context,
        source_key=f"demo:{kind}:{unit.code}:{as_of:%Y-%m}", period_start=as_of.replace(day=1),
        acting_user=office,
    )


def _demo_meeting(notice: Notice, office, on_date: dt.date) -> None:
    """The office fills in the summons's meeting before the leader signs it."""
    from core import workdays

    if (notice.kind != NoticeKind.SUMMONS
            or notice.state not in (NoticeState.DRAFT, NoticeState.PENDING_SIGNOFF)):
        return
    if notice.meeting_at:
        return
    day = workdays.add_working_days(on_date, 3)
    unit = notice.recipient_units.first()
    services.notice_summons_arrange(
        notice_id=notice.pk, acting_user=office,
        meeting_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0))),
        place="市政府第三会议室",
        convener="专班办主任（会同市政府督查室）",
        attendees=(f"{unit.name}{'管委会' if unit.name.endswith('开发区') else '人民政府'}分管负责同志，"
                   "有关部门和项目单位主要负责同志") if unit else "有关部门和项目单位主要负责同志",
        materials="工程推进情况书面汇报材料（含存在问题、整改措施和完成时限）",
    )


def _calendar_notice(kind: str, period_start: dt.date) -> Notice | None:
    """The notice of this kind and period the calendar already made, if any."""
    return (Notice.objects.filter(kind=kind, period_start=period_start).exclude(state=NoticeState.VOIDED)
            .order_by("pk").first())


def generate_demo_notices() -> dict:
    """Create (once) at least one issued notice of every kind, and run part of the loop."""
    users = get_user_model().objects
    leader, clerk = users.get(username="leader"), users.get(username="clerk")
    as_of = dt.date.fromisoformat(settings.YIHONG_DEMO_DATE)
    email_endpoints = email_endpoints_from_demo_users()
    office_contact_demo_set()
    units = list(AdministrativeUnit.objects.order_by("display_order"))
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
    # The letters: the calendar's own where its history issued one of the kind; otherwise one the
    # rule really calls for on the demo's date (a kind no rule calls for that day is not made up).
    findings = _demo_findings(as_of)
    for kind in (NoticeKind.WARNING, NoticeKind.REMINDER, NoticeKind.SUPERVISION, NoticeKind.SUMMONS,
                 NoticeKind.URGE_REPORT):
        if Notice.objects.filter(kind=kind, source_key__startswith="dispatch:").exists():
            continue
        letter = _demo_letter(kind, findings[kind], as_of, clerk)
        if letter is not None:
            _demo_meeting(letter, clerk, as_of)
            notices.append(letter)
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
                                             corrections=_demo_corrections(circular))
        services.notice_advance_after_draft(notice_id=correction.pk, acting_user=clerk, issued_on=as_of)
        services.notice_sign_and_issue(notice_id=correction.pk, acting_user=leader, issued_on=as_of)
    # A 通知 and a 函 the office wrote by hand (拟稿 → 核稿 → 签发).
    from demo.hand_letters import hand_letters_generate

    hand_letters_generate(as_of=as_of)
    _demo_loop(units, as_of)
    return {"email_endpoints_created": email_endpoints, "notices": Notice.objects.count(),
            "issued": Notice.objects.exclude(number=None).count()}


def _demo_corrections(circular: Notice) -> list[dict]:
    """A correction that says where, what was printed and what is right: the investment completion
    rate of the circular's first county, as a late report revised it (the demo's example)."""
    table = next((b for b in circular.context.get("blocks", []) if b.get("kind") == "table"), None)
    if not table or not table.get("rows"):
        return [{"where": "正文“一、总体进展”中的工程总数", "wrong": "95个", "right": "95个省定工程"}]
    column = table["header"].index("投资完成率")
    row = table["rows"][0]
    printed = str(row[column])
    value = Decimal(printed.rstrip("%")) + Decimal("1.5")
    right = f"{min(value, Decimal('100')).normalize():f}%"
    return [{"where": f"表1中{row[0]}的投资完成率", "wrong": printed, "right": right}]


def _demo_loop(units, as_of: dt.date) -> None:
    """Some letters acknowledged, one answered with evidence, one closed."""
    users = get_user_model().objects
    with transaction.atomic():
        # Which letters exist depends on what the rules find on the demo date; the 提醒函 (no
        # answer owed) is signed for only.
        for kind in (NoticeKind.WARNING, NoticeKind.SUPERVISION, NoticeKind.LISTED_SUPERVISION,
                     NoticeKind.REMINDER):
            notice = Notice.objects.filter(kind=kind, source_key__startswith="demo:").first()
            if notice is None or notice.state not in (NoticeState.ISSUED, NoticeState.DELIVERED):
                continue
            unit = notice.recipient_units.first()
            assert unit is not None  # the calendar writes each of these to one county
            liaison = users.get(username=f"county_{unit.code}")
            services.notice_acknowledge(notice_id=notice.pk, acting_user=liaison, on_date=as_of)
            if kind not in (NoticeKind.LISTED_SUPERVISION, NoticeKind.REMINDER):
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
    from core import workdays

    counts = {"signed": 0, "acknowledged": 0, "answered": 0, "closed": 0}
    if not workdays.is_working_day(on_date):
        return counts
    users = get_user_model().objects
    leader, clerk = users.get(username="leader"), users.get(username="clerk")
    email_endpoints_from_demo_users()
    office_contact_demo_set()
    for notice_id in Notice.objects.filter(
            source_key__startswith="dispatch:", state=NoticeState.PENDING_SIGNOFF).order_by("pk").values_list(
            "pk", flat=True):
        _demo_meeting(Notice.objects.get(pk=notice_id), clerk, on_date)
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
        assert notice.issued_on is not None  # issued_on__lt above
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
