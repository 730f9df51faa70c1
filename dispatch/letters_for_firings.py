"""The calendar's only door into notices/: turn a rule firing into a drafted notice handed to
notices' one issuing path, and read back whether a letter has been answered.

Each notice carries `source_key` = the firing's natural key, and notices.services makes the draft
idempotent on it; the draft is made inside the firing's transaction, so a firing and its notice
are committed together or not at all. Issuing — every kind, the monthly circular included — is
notices.services.notice_advance_later: the `notices.advance_notice` task once the firing commits
(in-process when there is no broker).
"""

from __future__ import annotations

import datetime as dt

from core.workdays import working_days_after
from dispatch.models import Rule, RuleFiring
from dispatch.rules import Finding, quarter_bounds
from notices import composers
from notices import services as notice_services
from notices.models import AnswerStatus, Notice, NoticeAnswer, NoticeKind, NoticeState
from tracker.models import AdministrativeUnit, Department

NOTICE_KIND_FOR_RULE: dict[str, NoticeKind] = {
    Rule.URGE_REPORT: NoticeKind.URGE_REPORT,
    Rule.WEEKLY_REPORT: NoticeKind.WEEKLY_REPORT,
    Rule.MONTHLY_CIRCULAR: NoticeKind.MONTHLY_CIRCULAR,
    Rule.R1_WARNING: NoticeKind.WARNING,
    Rule.R2_REMINDER: NoticeKind.REMINDER,
    Rule.R3_SUPERVISION: NoticeKind.SUPERVISION,
    Rule.R5_SUMMONS: NoticeKind.SUMMONS,
    Rule.R6_LISTED: NoticeKind.LISTED_SUPERVISION,
}

def notice_for_firing(*, firing: RuleFiring, finding: Finding, on_date: dt.date, acting_user) -> int | None:
    """Draft the notice a firing calls for and hand it to notices' issuing path, dated the
    job's date (issued, or queued for sign-off, by the kind's setting); its id."""
    if firing.rule not in NOTICE_KIND_FOR_RULE:
        return None
    notice = _notice_draft(firing=firing, finding=finding, on_date=on_date, acting_user=acting_user)
    notice_services.notice_advance_later(notice_id=notice.pk, issued_on=on_date)
    return notice.pk


def _notice_draft(*, firing: RuleFiring, finding: Finding, on_date: dt.date, acting_user):
    """The firing's notice as a draft, with the content its rule calls for (idempotent)."""
    kind = NOTICE_KIND_FOR_RULE[firing.rule]
    source_key = f"dispatch:{firing.rule}:{firing.subject}:{firing.period}"
    units: list = []
    departments: list = []
    to_city = False
    period_start = on_date
    if firing.rule == Rule.WEEKLY_REPORT:
        week = dt.date.fromisoformat(finding.data["week_start"])
        context = composers.compose_weekly_report(week_start=week)
        to_city, period_start = True, week
    elif firing.rule == Rule.MONTHLY_CIRCULAR:
        month = dt.date.fromisoformat(finding.data["month"])
        context = composers.compose_monthly_circular(month=month)
        units = list(AdministrativeUnit.objects.all())
        departments = list(Department.objects.all())
        to_city, period_start = True, month
    else:
        return _letter_draft(firing=firing, finding=finding, on_date=on_date, acting_user=acting_user)
    notice = notice_services.notice_draft_create(
        kind=kind,
        recipient_units=units,
        recipient_departments=departments,
        to_city_government=to_city,
        context=context,
        source_key=source_key,
        period_start=period_start,
        acting_user=acting_user,
    )
    return notice


def _letter_draft(*, firing: RuleFiring, finding: Finding, on_date: dt.date, acting_user):
    """A letter to one county or department. One letter per recipient, kind and day: a firing
    about one project (R3: subject `project:<id>`) joins the letter its county already has that
    day while it is still unsigned, so a county gets one 督办函 naming its three lagging projects,
    not three letters. The firings keep their own natural keys; only the notice is shared."""
    kind = NOTICE_KIND_FOR_RULE[firing.rule]
    recipient = firing.department if firing.department_id else firing.unit
    assert recipient is not None  # a letter's firing names its county or department
    items = [_plain_item(item) for item in finding.items]
    data = dict(finding.data)
    period_start = on_date
    if firing.rule == Rule.URGE_REPORT:
        period_start = dt.date.fromisoformat(finding.data["week_start"])
    elif firing.rule == Rule.R6_LISTED:
        assert firing.unit_id is not None  # 挂牌督办 is a county's
        data |= _listed_supervision_data(unit_id=firing.unit_id, on_date=on_date)
    context = composers.compose_letter(kind=kind, recipient=recipient.name, as_of=on_date, items=items,
                                       data=data, facts=finding.facts)
    context |= {"rule": firing.rule, "facts": finding.facts, "period": firing.period,
                "fired_on": on_date.isoformat()}
    if firing.answer_due_on:
        assert firing.ack_due_on is not None  # set together with answer_due_on (dispatch.services)
        # The thresholds fix the working days; the calendar dates are counted when it is issued.
        context["deadline_workdays"] = {
            "acknowledge": working_days_after(firing.fired_on, firing.ack_due_on),
            "answer": working_days_after(firing.fired_on, firing.answer_due_on),
        }
    source_key = f"dispatch:{firing.rule}:{firing.subject}:{firing.period}"
    if firing.subject.startswith("project:"):
        owner = f"department:{firing.department_id}" if firing.department_id else f"unit:{firing.unit_id}"
        base = f"dispatch:{firing.rule}:{owner}:{on_date.isoformat()}"
        for attempt in range(1, 100):
            source_key = base if attempt == 1 else f"{base}:{attempt}"
            shared = Notice.objects.select_for_update().filter(source_key=source_key).first()
            if shared is None:
                break
            if shared.state in (NoticeState.DRAFT, NoticeState.PENDING_SIGNOFF):
                shared.context = composers.letter_items_merge(shared.context, items)
                shared.save(update_fields=["context", "updated_at"])
                return shared
    return notice_services.notice_draft_create(
        kind=kind,
        recipient_units=[firing.unit_id] if firing.unit_id and not firing.department_id else [],
        recipient_departments=[firing.department_id] if firing.department_id else [],
        context=context,
        source_key=source_key,
        period_start=period_start,
        acting_user=acting_user,
    )


def _plain_item(item: dict) -> dict:
    """A project as a letter names it: by its name, never its ledger code."""
    return {key: value for key, value in item.items() if key != "project_code"}


QUARTERS = "一二三四"


def _listed_supervision_data(*, unit_id: int, on_date: dt.date) -> dict:
    """What a 挂牌督办通知 rests on, by 文号: the quarter's overdue 督办函 and 约谈通知 of the unit;
    and the 挂牌 period (to the end of the next quarter)."""
    from dispatch import selectors

    start, end = quarter_bounds(on_date)
    overdue = overdue_supervisions(
        supervisions=selectors.supervision_firings_in(start=start, end=on_date).filter(unit_id=unit_id),
        on_date=on_date,
    )
    letters = Notice.objects.filter(pk__in={f.notice_id for f in overdue}).order_by("issued_on", "pk")
    summonses = Notice.objects.filter(
        pk__in=RuleFiring.objects.filter(rule=Rule.R5_SUMMONS, unit_id=unit_id, fired_on__gte=start,
                                         fired_on__lte=on_date, notice_id__isnull=False).values("notice_id")
    ).order_by("pk")
    _, until = quarter_bounds(end + dt.timedelta(days=1))
    return {
        "quarter_label": f"{on_date.year}年第{QUARTERS[(on_date.month - 1) // 3]}季度",
        "overdue_letters": [{"number": n.number, "title": n.title, "deadline": n.answer_deadline.isoformat()}
                            for n in letters if n.number and n.answer_deadline],
        "summonses": [{"number": n.number or "", "title": n.title} for n in summonses],
        "until": until.isoformat(),
    }


def drafts_left_behind(*, on_date: dt.date) -> None:
    """Advance again the notices of the date's firings still in draft: the task that should have
    done it was lost (a worker killed between the commit and the enqueue). Harmless twice."""
    firing_notices = RuleFiring.objects.filter(fired_on=on_date, notice_id__isnull=False).values("notice_id")
    for notice_id in Notice.objects.filter(pk__in=firing_notices, state=NoticeState.DRAFT).values_list(
        "pk", flat=True
    ):
        notice_services.notice_advance_later(notice_id=notice_id, issued_on=on_date)


def answered_notice_ids(*, notice_ids: list[int], on_date: dt.date) -> set[int]:
    """Of these notices, those answered by the end of the date (or closed or voided: nothing owed)."""
    if not notice_ids:
        return set()
    answered = set(
        NoticeAnswer.objects.filter(
            notice_id__in=notice_ids,
            status__in=[AnswerStatus.SUBMITTED, AnswerStatus.ACCEPTED],
            submitted_at__date__lte=on_date,
        ).values_list("notice_id", flat=True)
    )
    answered |= set(
        Notice.objects.filter(
            pk__in=notice_ids, state__in=[NoticeState.CLOSED, NoticeState.VOIDED]
        ).values_list("pk", flat=True)
    )
    return answered


def answer_deadlines(*, notice_ids: list[int]) -> dict[int, dt.date]:
    """{notice id: its answer deadline (the new one after a 退回)} for the notices actually sent
    (issued, not voided) that require an answer. A letter still waiting for sign-off owes nothing yet."""
    if not notice_ids:
        return {}
    # A returned 反馈 is due by its new deadline (resubmit_deadline), not the letter's own.
    return {
        pk: resubmit or answer
        for pk, answer, resubmit in Notice.objects.filter(
            pk__in=notice_ids, answer_deadline__isnull=False, issued_at__isnull=False
        ).exclude(state=NoticeState.VOIDED).values_list("pk", "answer_deadline", "resubmit_deadline")
        if answer is not None  # answer_deadline__isnull=False: always
    }


def notice_summary(notice_id: int | None) -> str:
    """How a notice stands, for run_cycle's printout: its number or its queue."""
    if notice_id is None:
        return ""
    notice = Notice.objects.filter(pk=notice_id).only("number", "state", "title").first()
    if notice is None:
        return ""
    return f"{notice.number or notice.get_state_display()} {notice.title}"


def overdue_supervisions(*, supervisions, on_date: dt.date) -> list[RuleFiring]:
    """The 督办函 firings whose letter was sent, whose answer deadline has passed by the date and
    which no answer has reached (each gets `.deadline`, the letter's answer deadline)."""
    candidates = [f for f in supervisions.select_related("project", "unit") if f.notice_id]
    deadlines = answer_deadlines(notice_ids=[f.notice_id for f in candidates])
    late = [f for f in candidates if f.notice_id in deadlines and deadlines[f.notice_id] < on_date]
    answered = answered_notice_ids(notice_ids=[f.notice_id for f in late], on_date=on_date)
    result = []
    for firing in late:
        if firing.notice_id not in answered:
            firing.deadline = deadlines[firing.notice_id]
            result.append(firing)
    return result
