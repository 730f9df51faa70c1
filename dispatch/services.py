"""Writes of the calendar: thresholds, rule firings, escalations and the three jobs.

Every job takes its date explicitly ("today" for beat, each simulated day for run_cycle) and
never reads the wall clock. Each firing is written in its own transaction together with what it
causes (the notice, the site-visit task, the escalation and its audit row), under the natural key
(rule, subject, period): a job rerun, run concurrently or restarted after a killed worker creates
nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from core import workdays
from dispatch import letters_for_firings, rules, selectors
from dispatch.models import (
    Rule,
    RuleFiring,
    SiteVisitStatus,
    SiteVisitTask,
)

# Threshold validation and the audited write live in dispatch.thresholds; re-exported here.
from dispatch.thresholds import threshold_set, thresholds_set  # noqa: F401
from offices.keys import SettingGroup, ThresholdKey
from offices.selectors import office_settings
from outreach import services as outreach_services
from tracker import permissions
from tracker.choices import AuditAction, EscalationLevel, Role
from tracker.models import Problem, StaffProfile
from tracker.selectors import city_leader_for_domains
from tracker.services import audit_record, problem_escalate

logger = logging.getLogger(__name__)

NEXT_LEVEL = {EscalationLevel.OFFICE: EscalationLevel.CITY, EscalationLevel.CITY: EscalationLevel.PROVINCE}
LEVEL_LABELS = dict(EscalationLevel.choices)


# --- firings ------------------------------------------------------------------------------


def _site_visit_owners() -> tuple[dict[int, User], User | None]:
    """({domain id: the clerk who owns that domain}, a clerk covering every domain)."""
    by_domain: dict[int, User] = {}
    general = None
    for profile in (
        StaffProfile.objects.filter(role=Role.CLERK)
        .select_related("user")
        .prefetch_related("assigned_domains")
        .order_by("user__username")
    ):
        domains = list(profile.assigned_domains.all())
        if not domains and general is None:
            general = profile.user
        for domain in domains:
            by_domain.setdefault(domain.pk, profile.user)
    return by_domain, general


def finding_fire(
    *, finding: rules.Finding, on_date: dt.date, acting_user, context: dict | None = None
) -> RuleFiring | None:
    """Record a finding under its natural key and do what it calls for, all in one transaction.

    Returns the new firing, or None when that (rule, subject, period) has fired already.
    """
    thresholds = (context or {}).get("thresholds") or office_settings(group=SettingGroup.THRESHOLDS)
    with transaction.atomic():
        firing, created = RuleFiring.objects.get_or_create(
            rule=finding.rule,
            subject=finding.subject,
            period=finding.period,
            defaults={
                "fired_on": on_date,
                "facts": finding.facts,
                "unit_id": finding.unit_id,
                "department_id": finding.department_id,
                "project_id": finding.project_id,
                "data": finding.data,
            },
        )
        if not created:
            return None
        if finding.rule == Rule.R3_SUPERVISION:
            firing.ack_due_on = workdays.add_working_days(
                on_date, int(thresholds[ThresholdKey.R3_ACK_WORKING_DAYS])
            )
            firing.answer_due_on = workdays.add_working_days(
                on_date, int(thresholds[ThresholdKey.R3_ANSWER_WORKING_DAYS])
            )
        if finding.rule == Rule.R4_SITE_VISIT:
            owners = (context or {}).get("owners") or _site_visit_owners()
            by_domain, general = owners
            assert finding.project_id is not None  # R4 is about one project
            domain_id = finding.data.get("domain_id")
            SiteVisitTask.objects.create(
                firing=firing,
                project_id=finding.project_id,
                owner=by_domain.get(domain_id, general) if domain_id is not None else general,
                visit_on=workdays.add_working_days(
                    on_date, int(thresholds[ThresholdKey.R4_VISIT_WORKING_DAYS])
                ),
                reason=finding.facts,
            )
        firing.notice_id = letters_for_firings.notice_for_firing(
            firing=firing, finding=finding, on_date=on_date, acting_user=acting_user
        )
        firing.save(update_fields=["notice_id", "ack_due_on", "answer_due_on", "updated_at"])
    return firing


def _city_leader_name(project) -> str:
    """The city leader a problem of this project goes to: the one in charge of its domain."""
    leaders, general = city_leader_for_domains()
    return leaders.get(project.domain_id, general)


def problem_overdue_escalate(
    *, problem: Problem, on_date: dt.date, working_days: int, acting_user
) -> RuleFiring | None:
    """R7 for a problem: one rung up (expected_level makes it conditional), recorded once per rung."""
    target = NEXT_LEVEL[EscalationLevel(problem.level)]
    waited = workdays.working_days_after(problem.level_since, on_date)
    facts = (
        f"{problem.project.name}的问题“{problem.description[:60]}”自{rules.cn_date(problem.level_since)}起在"
        f"{LEVEL_LABELS[problem.level]}层级协调，已{waited}个工作日未解决（时限{working_days}个工作日），"
        f"提请{LEVEL_LABELS[target]}协调"
    )
    with transaction.atomic():
        firing, created = RuleFiring.objects.get_or_create(
            rule=Rule.R7_ESCALATION,
            subject=f"problem:{problem.pk}",
            period=str(target),
            defaults={
                "fired_on": on_date,
                "facts": facts,
                "unit_id": problem.project.unit_id,
                "project_id": problem.project_id,
                "data": {"from": problem.level, "to": str(target), "problem_id": problem.pk},
            },
        )
        if not created:
            return None
        escalated = problem_escalate(
            problem_id=problem.pk,
            acting_user=acting_user,
            reason=facts,
            on_date=on_date,
            responsible_leader=(
                _city_leader_name(problem.project)
                if target == EscalationLevel.CITY and not problem.responsible_leader
                else ""
            ),
            expected_level=problem.level,
        )
        if escalated is None:
            # Someone escalated it by hand since we looked: nothing to do, record nothing.
            transaction.set_rollback(True)
            return None
    return firing


def supervision_overdue_escalate(
    *, supervision: RuleFiring, level: str, on_date: dt.date, facts: str, acting_user
) -> RuleFiring | None:
    """R7 for a 督办函 whose answer is overdue: recorded once per rung, with an audit row."""
    with transaction.atomic():
        firing, created = RuleFiring.objects.get_or_create(
            rule=Rule.R7_ESCALATION,
            subject=f"firing:{supervision.pk}",
            period=level,
            defaults={
                "fired_on": on_date,
                "facts": facts,
                "unit_id": supervision.unit_id,
                "project_id": supervision.project_id,
                "data": {
                    "supervision_firing_id": supervision.pk,
                    "notice_id": supervision.notice_id,
                    "to": level,
                },
            },
        )
        if not created:
            return None
        audit_record(
            action=AuditAction.NOTICE,
            acting_user=acting_user,
            project=supervision.project,
            unit=supervision.unit,
            object_type="supervision_escalation",
            object_id=supervision.notice_id or supervision.pk,
            from_state=EscalationLevel.OFFICE if level == EscalationLevel.CITY else EscalationLevel.CITY,
            to_state=level,
            effective_on=on_date,
            reason=facts,
            data={"rule_firing_id": firing.pk, "supervision_firing_id": supervision.pk},
        )
    return firing


def site_visit_record(
    *, task_id: int, acting_user, outcome: str, owner_id: int | None = None
) -> SiteVisitTask:
    """The office records what it found on site (现场督导情况); the task is then done. Audited."""
    permissions.require(permissions.is_office_staff(acting_user), "只有专班办人员可以登记现场督导情况")
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError("请填写督导情况")
    with transaction.atomic():
        task = SiteVisitTask.objects.select_for_update(of=("self",)).select_related("project").get(pk=task_id)
        before = task.status
        task.outcome = outcome
        task.status = SiteVisitStatus.DONE
        if owner_id is not None:
            task.owner_id = owner_id
        task.save()
        audit_record(
            action=AuditAction.OTHER,
            acting_user=acting_user,
            project=task.project,
            object_type="site_visit",
            object_id=task.pk,
            from_state=before,
            to_state=task.status,
            reason=outcome,
            effective_on=task.visit_on,
        )
    return task


# --- the scans ----------------------------------------------------------------------------


def _fire_all(
    findings: list[rules.Finding], *, on_date: dt.date, acting_user, context: dict
) -> list[RuleFiring]:
    fired = []
    for finding in findings:
        firing = finding_fire(finding=finding, on_date=on_date, acting_user=acting_user, context=context)
        if firing is not None:
            fired.append(firing)
    return fired


def last_working_day_of_quarter(day: dt.date) -> dt.date:
    _, end = rules.quarter_bounds(day)
    while not workdays.is_working_day(end):
        end -= dt.timedelta(days=1)
    return end


def escalations_run(*, on_date: dt.date, thresholds: dict, acting_user) -> list[RuleFiring]:
    """R7: overdue problems and overdue 督办函 answers rise one rung (专班 → 市政府 → 省专班)."""
    limit = int(thresholds[ThresholdKey.R7_ESCALATION_WORKING_DAYS])
    fired = []
    for problem in selectors.overdue_problems(on_date=on_date, working_days=limit):
        firing = problem_overdue_escalate(
            problem=problem, on_date=on_date, working_days=limit, acting_user=acting_user
        )
        if firing is not None:
            fired.append(firing)
    overdue = letters_for_firings.overdue_supervisions(
        supervisions=RuleFiring.objects.filter(rule=Rule.R3_SUPERVISION), on_date=on_date
    )
    rungs = {
        (f.subject, f.period): f
        for f in RuleFiring.objects.filter(rule=Rule.R7_ESCALATION, subject__startswith="firing:")
    }
    for supervision in overdue:
        city = rungs.get((f"firing:{supervision.pk}", EscalationLevel.CITY.value))
        if city is None:
            facts = (
                f"{rules.cn_date(supervision.fired_on)}发出的督办函（{supervision.facts[:80]}）应于"
                f"{rules.cn_date(supervision.deadline)}前书面反馈，截至{rules.cn_date(on_date)}未反馈，提请市政府协调"
            )
            level = EscalationLevel.CITY
        elif (f"firing:{supervision.pk}", EscalationLevel.PROVINCE.value) not in rungs and (
            workdays.working_days_after(city.fired_on, on_date) >= limit
        ):
            facts = (
                f"{rules.cn_date(supervision.fired_on)}发出的督办函（{supervision.facts[:80]}）逾期未反馈，"
                f"{rules.cn_date(city.fired_on)}提请市政府协调后{limit}个工作日仍未反馈，提请省专班协调"
            )
            level = EscalationLevel.PROVINCE
        else:
            continue
        firing = supervision_overdue_escalate(
            supervision=supervision, level=level, on_date=on_date, facts=facts, acting_user=acting_user
        )
        if firing is not None:
            fired.append(firing)
    return fired


def daily_scan_run(*, on_date: dt.date, acting_user) -> list[RuleFiring]:
    """The 07:00 risk and overdue scan (R3, R4, R5, R6 at the quarter's end, R7)."""
    thresholds = office_settings(group=SettingGroup.THRESHOLDS)
    facts = selectors.scan_facts(on_date=on_date, thresholds=thresholds)
    context = {"thresholds": thresholds, "owners": _site_visit_owners()}
    findings = rules.r3_supervisions(projects=facts, on_date=on_date, thresholds=thresholds)
    findings += rules.r4_site_visits(projects=facts, on_date=on_date, thresholds=thresholds)
    previous_month = rules.month_start(on_date) - dt.timedelta(days=1)
    findings += rules.r5_summons(
        activity=selectors.unit_month_activity(month=previous_month),
        month=previous_month,
        thresholds=thresholds,
    )
    fired = _fire_all(findings, on_date=on_date, acting_user=acting_user, context=context)
    fired += escalations_run(on_date=on_date, thresholds=thresholds, acting_user=acting_user)
    if on_date == last_working_day_of_quarter(on_date):
        fired += _fire_all(
            listed_supervision_findings(on_date=on_date, thresholds=thresholds),
            on_date=on_date,
            acting_user=acting_user,
            context=context,
        )
    # The reminders of the day (签收/反馈 deadlines, 本周未报): keyed, so a rerun or a
    # catch-up of this job sends nothing twice.
    outreach_services.reminders_plan(on_date=on_date)
    return fired


def listed_supervision_findings(*, on_date: dt.date, thresholds: dict) -> list[rules.Finding]:
    """R6's facts: the quarter's summonses and overdue unanswered 督办函 per unit."""
    start, end = rules.quarter_bounds(on_date)
    summonses: dict[int, int] = {}
    for unit_id in RuleFiring.objects.filter(
        rule=Rule.R5_SUMMONS, fired_on__gte=start, fired_on__lte=on_date
    ).values_list("unit_id", flat=True):
        summonses[unit_id] = summonses.get(unit_id, 0) + 1
    # Letters, not firings: one 督办函 names all of a county's projects found that day.
    letters: dict[int, set[int]] = {}
    for supervision in letters_for_firings.overdue_supervisions(
        supervisions=selectors.supervision_firings_in(start=start, end=on_date), on_date=on_date
    ):
        # Only a county's letters count towards its listing (each of these firings has its letter).
        if supervision.unit_id is not None and supervision.notice_id is not None:
            letters.setdefault(supervision.unit_id, set()).add(supervision.notice_id)
    unanswered = {unit_id: len(notice_ids) for unit_id, notice_ids in letters.items()}
    from tracker.models import AdministrativeUnit

    units = dict(AdministrativeUnit.objects.values_list("pk", "name"))
    return rules.r6_listed(
        units=units,
        summonses=summonses,
        unanswered_supervisions=unanswered,
        on_date=on_date,
        thresholds=thresholds,
    )


def weekly_dispatch_run(*, on_date: dt.date, acting_user) -> list[RuleFiring]:
    """Close last week's dispatch: 催报 to units with unreported projects, then the 周调度报告."""
    last_week = workdays.monday_of(on_date) - dt.timedelta(days=7)
    findings = []
    for unit_id, missing in selectors.missing_reports(week_start=last_week, on_date=on_date).items():
        unit_name = missing[0][3]
        names = "、".join(name for _, _, name, _ in missing)
        findings.append(
            rules.Finding(
                rule=Rule.URGE_REPORT,
                subject=f"unit:{unit_id}",
                period=rules.week_key(last_week),
                facts=f"{unit_name}有{len(missing)}个项目未报送{rules.cn_date(last_week)}当周调度信息：{names}",
                unit_id=unit_id,
                items=tuple(
                    {
                        "project_id": pk,
                        "project_code": code,
                        "project_name": name,
                        "facts": f"未报送{rules.cn_date(last_week)}当周调度信息",
                        "requirement": "1个工作日内补报",
                    }
                    for pk, code, name, _ in missing
                ),
                data={"week_start": last_week.isoformat()},
            )
        )
    findings.append(
        rules.Finding(
            rule=Rule.WEEKLY_REPORT,
            subject="city",
            period=rules.week_key(last_week),
            facts=f"{rules.cn_date(last_week)}当周调度情况报市政府",
            data={"week_start": last_week.isoformat()},
        )
    )
    return _fire_all(findings, on_date=on_date, acting_user=acting_user, context={})


def monthly_dispatch_run(*, on_date: dt.date, acting_user) -> list[RuleFiring]:
    """The month's start: the 月度通报 on last month, R1 预警函 and R2 提醒函."""
    thresholds = office_settings(group=SettingGroup.THRESHOLDS)
    previous_month = rules.month_start(rules.month_start(on_date) - dt.timedelta(days=1))
    findings = [
        rules.Finding(
            rule=Rule.MONTHLY_CIRCULAR,
            subject="city",
            period=rules.month_key(previous_month),
            facts=f"{rules.cn_month(previous_month)}全市工程进展情况通报",
            data={"month": previous_month.isoformat()},
        )
    ]
    facts = selectors.scan_facts(on_date=on_date, thresholds=thresholds)
    findings += rules.r1_warnings(projects=facts, on_date=on_date, thresholds=thresholds)
    findings += rules.r2_reminders(projects=facts, on_date=on_date, thresholds=thresholds)
    return _fire_all(findings, on_date=on_date, acting_user=acting_user, context={"thresholds": thresholds})
