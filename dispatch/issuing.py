"""The calendar's only door into notices/: turn a rule firing into a drafted (and, per kind,
issued) notice, and read back whether a letter has been answered.

Each notice carries `source_key` = the firing's natural key, and notices.services makes the draft
idempotent on it; the call runs inside the firing's transaction, so a firing and its notice are
committed together or not at all.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dispatch.models import Rule, RuleFiring
from dispatch.rules import Finding, cn_date, cn_month
from notices import composers
from notices import services as notice_services
from notices.models import AnswerStatus, NoticeAnswer, NoticeKind, NoticeState
from tracker.models import AdministrativeUnit, Department
from tracker.workdays import working_days_between as working_days_after

NOTICE_KIND_FOR_RULE = {
    Rule.URGE_REPORT: NoticeKind.URGE_REPORT,
    Rule.WEEKLY_REPORT: NoticeKind.WEEKLY_REPORT,
    Rule.MONTHLY_CIRCULAR: NoticeKind.MONTHLY_CIRCULAR,
    Rule.R1_WARNING: NoticeKind.WARNING,
    Rule.R2_REMINDER: NoticeKind.REMINDER,
    Rule.R3_SUPERVISION: NoticeKind.SUPERVISION,
    Rule.R5_SUMMONS: NoticeKind.SUMMONS,
    Rule.R6_LISTED: NoticeKind.LISTED_SUPERVISION,
}

# The rule each letter cites (DOMAIN: The cadence); letter_blocks prints "根据{reason}，…".
RULE_REASONS = {
    Rule.URGE_REPORT: "专班周调度制度关于每周报送工程手续、进度和资金到位情况的要求",
    Rule.R1_WARNING: (
        "专班月初预警制度（计划本月或下月开工而手续未全部办结的项目、"
        "计划两个月内完工而进度灯未亮绿灯的项目，月初发预警函）"
    ),
    Rule.R2_REMINDER: "专班月度通报制度（排名后四分之一或有红灯项目的县（市、区）和部门，月初发提醒函）",
    Rule.R3_SUPERVISION: "专班督办制度（近四期周调度进度增幅不足5个百分点或亮红灯的项目，发督办函）",
    Rule.R5_SUMMONS: "专班督办约谈制度（连续一个月无明显进展的县（市、区），由专班会同市政府督查室约谈）",
    Rule.R6_LISTED: "专班考核问责制度（本季度被约谈或两件督办函逾期未答复的县（市、区），实行挂牌督办）",
}

REQUIREMENTS = {
    Rule.URGE_REPORT: "请于收到本通知后1个工作日内补报上周调度信息，今后每周按时报送。",
    Rule.R1_WARNING: "请你单位高度重视，逐项分析风险成因，采取有效措施，于10个工作日内书面反馈。",
    Rule.R2_REMINDER: "请你单位认真分析原因，倒排工期，加快推进，确保完成年度目标任务。",
    Rule.R3_SUPERVISION: "请你单位于1个工作日内签收，10个工作日内书面反馈整改情况。",
    Rule.R5_SUMMONS: "请你单位主要负责同志按专班办通知时间参加约谈，并准备书面情况说明。",
    Rule.R6_LISTED: "挂牌督办期间，请你单位每周报送整改进展，整改到位后申请摘牌。",
}


def notice_for_firing(*, firing: RuleFiring, finding: Finding, on_date: dt.date, acting_user) -> int | None:
    """Draft the notice a firing calls for and advance it (issue or queue for sign-off); its id.

    With a broker, the monthly circular is drafted and issued in a task of its own
    (`dispatch.issue_circular`, enqueued when the firing commits; the firing gets its notice id
    then): composing it reads the whole portfolio twice, and the month's letters need not wait."""
    kind = NOTICE_KIND_FOR_RULE.get(firing.rule)
    if kind is None:
        return None
    if firing.rule == Rule.MONTHLY_CIRCULAR and not notice_services.tasks_run_in_process():
        from dispatch.tasks import issue_circular

        transaction.on_commit(lambda: issue_circular.delay(firing.pk))
        return None
    notice = _notice_draft(firing=firing, finding=finding, on_date=on_date, acting_user=acting_user)
    # Issued (or queued for sign-off) dated the job's date, in a task of its own once the firing
    # commits (in-process and at once when there is no broker).
    notice_services.notice_advance_later(notice_id=notice.pk, issued_on=on_date)
    return notice.pk


def circular_for_firing(*, firing_id: int) -> int:
    """The circular task's one call: draft the firing's 月度通报 (once: keyed on the firing),
    advance it dated the firing's date, and record it on the firing. Its notice id."""
    with transaction.atomic():
        firing = RuleFiring.objects.select_for_update().get(pk=firing_id)
        finding = Finding(rule=firing.rule, subject=firing.subject, period=firing.period, facts=firing.facts,
                          data=firing.data)
        notice = _notice_draft(firing=firing, finding=finding, on_date=firing.fired_on, acting_user=None)
        notice_services.notice_advance_after_draft(
            notice_id=notice.pk, acting_user=None, issued_on=firing.fired_on
        )
        if firing.notice_id != notice.pk:
            firing.notice_id = notice.pk
            firing.save(update_fields=["notice_id", "updated_at"])
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
        if firing.unit_id:
            units = [firing.unit_id]
        if firing.department_id:
            departments = [firing.department_id]
        context = {
            "opening": f"经{cn_date(on_date)}调度分析：{finding.facts}。",
            "reason": RULE_REASONS[firing.rule],
            "items": list(finding.items),
            "requirements": REQUIREMENTS[firing.rule],
            "rule": firing.rule,
            "facts": finding.facts,
            "period": firing.period,
            "fired_on": on_date.isoformat(),
        }
        if firing.answer_due_on:
            # Relative, not dated: the letter's deadlines run from the day a leader signs it.
            ack_days = working_days_after(firing.fired_on, firing.ack_due_on)
            answer_days = working_days_after(firing.fired_on, firing.answer_due_on)
            context["requirements"] = (
                f"请你单位于收到本函后{ack_days}个工作日内签收，{answer_days}个工作日内书面反馈整改情况。"
            )
            # The notice's own deadlines follow the same thresholds, counted from its issue date.
            context["deadline_workdays"] = {"acknowledge": ack_days, "answer": answer_days}
        if firing.rule == Rule.URGE_REPORT:
            period_start = dt.date.fromisoformat(finding.data["week_start"])
        elif firing.rule == Rule.R5_SUMMONS:
            context["opening"] = (
                f"经调度分析，{cn_month(dt.date.fromisoformat(finding.data['month']))}：{finding.facts}。"
            )
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


def drafts_left_behind(*, on_date: dt.date) -> None:
    """Advance again the notices of the date's firings still in draft, and send again the
    circulars not drafted yet: the task that should have done it was lost (a worker killed
    between the commit and the enqueue). Harmless twice."""
    from dispatch.tasks import issue_circular
    from notices.models import Notice

    for firing_id in RuleFiring.objects.filter(
        fired_on=on_date, rule=Rule.MONTHLY_CIRCULAR, notice_id__isnull=True
    ).values_list("pk", flat=True):
        if notice_services.tasks_run_in_process():
            circular_for_firing(firing_id=firing_id)
        else:
            transaction.on_commit(lambda firing_id=firing_id: issue_circular.delay(firing_id))

    firing_notices = RuleFiring.objects.filter(fired_on=on_date, notice_id__isnull=False).values("notice_id")
    for notice_id in Notice.objects.filter(pk__in=firing_notices, state=NoticeState.DRAFT).values_list(
        "pk", flat=True
    ):
        notice_services.notice_advance_later(notice_id=notice_id, issued_on=on_date)


# Longer than the circular's task may run (dispatch.tasks.issue_circular: 15 minutes).
STALLED_CIRCULAR_MINUTES = 20


def circulars_stalled(*, now: dt.datetime | None = None) -> list[int]:
    """Monthly firings whose circular is still undrafted though its task was sent longer ago
    than it may run: the message was lost (a broker restarted without its data). The periodic
    sweep sends them again — a missed monthly circular is a failure of the office."""
    now = now or timezone.now()
    return list(
        RuleFiring.objects.filter(rule=Rule.MONTHLY_CIRCULAR, notice_id__isnull=True,
                                  created_at__lt=now - dt.timedelta(minutes=STALLED_CIRCULAR_MINUTES))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


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
    from notices.models import Notice

    answered |= set(
        Notice.objects.filter(
            pk__in=notice_ids, state__in=[NoticeState.CLOSED, NoticeState.VOIDED]
        ).values_list("pk", flat=True)
    )
    return answered


def answer_deadlines(*, notice_ids: list[int]) -> dict[int, dt.date]:
    """{notice id: its answer deadline} for the notices actually sent (issued, not voided) that
    require an answer. A letter still waiting for sign-off owes nothing yet."""
    from notices.models import Notice

    if not notice_ids:
        return {}
    return dict(
        Notice.objects.filter(pk__in=notice_ids, answer_deadline__isnull=False, issued_at__isnull=False)
        .exclude(state=NoticeState.VOIDED)
        .values_list("pk", "answer_deadline")
    )


def notice_summary(notice_id: int | None) -> str:
    """How a notice stands, for run_cycle's printout: its number or its queue."""
    if notice_id is None:
        return ""
    from notices.models import Notice

    notice = Notice.objects.filter(pk=notice_id).only("number", "state", "title").first()
    if notice is None:
        return ""
    return f"{notice.number or notice.get_state_display()} {notice.title}"
