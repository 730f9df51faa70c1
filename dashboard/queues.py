"""Each role's work queue: what is due, counted once per request in a constant number of queries.

The landing pages show the queues with their items; the navigation shows the same counts as
badges (dashboard.templatetags.work_queues). Both read `queues_for_request`, which computes them
once per request. Nothing here decides anything: the inbox's flags are notices.selectors', the
lights tracker.portfolio's (through dashboard.selectors.lights_as_of), the notices' states the
Notice model's — the queues only count and list them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from core import workdays
from dashboard.selectors import lights_as_of
from dispatch.models import SiteVisitStatus, SiteVisitTask
from notices.models import (
    READ_ONLY_KINDS,
    AnswerStatus,
    Delivery,
    Notice,
    NoticeAnswer,
    NoticeKind,
    NoticeState,
)
from notices.selectors import inbox_for
from tracker import permissions
from tracker.choices import ACTIVE_STATES, EscalationLevel, ProblemStatus, Role, RollbackStatus
from tracker.lights import RED
from tracker.models import Problem, ProblemInstruction, Project, RollbackRequest

ITEMS_SHOWN = 5  # the first few on the landing page; each list links to all of them
WEEKDAYS = "一二三四五六日"
# The weekly job closes a week at 08:30 on the next week's first working day and sends 催报 for
# every project still unreported (dispatch.schedule, dispatch.services.weekly_dispatch_run).
WEEK_CLOSES_AT = "8:30"
# A 批示 stays "new" for the unit this many days.
NEW_INSTRUCTION_DAYS = 14


@dataclass(frozen=True)
class QueueItem:
    """One thing due: what it is, where to act on it, and how late it is."""

    text: str
    url: str
    meta: str = ""
    days_overdue: int = 0


@dataclass(frozen=True)
class Queue:
    """A count of things due and the list it stands for."""

    key: str
    label: str
    count: int
    url: str
    all_url: str = ""  # the complete list when the landing page shows only the first items
    overdue: int = 0  # of `count`, how many are past their deadline
    note: str = ""
    items: tuple[QueueItem, ...] = ()
    # Whether the count is work waiting (a badge), or a watch list (red lights).
    due: bool = True
    complete: bool = False  # the items stand for the whole count (grouped), nothing more to see


    @property
    def more(self) -> int:
        return 0 if self.complete else max(0, self.count - len(self.items))

    @property
    def listed_here(self) -> bool:
        """The list is a section of the landing page itself (it must exist even when empty)."""
        return self.url.endswith(f"#{self.key}")


@dataclass
class WorkQueues:
    role: str
    home_url: str
    queues: list[Queue] = field(default_factory=list)
    # Letters needing a reply (签收 or 反馈, counted once even when both are due): the 收文 badge.
    inbox_due: int = 0

    @property
    def by_key(self) -> dict[str, Queue]:
        return {queue.key: queue for queue in self.queues}

    @property
    def problems_badge(self) -> Queue | None:
        """The navigation's 升级问题 badge: the leader's 待批示, or what the office waits on."""
        return self.by_key.get("instruct") or self.by_key.get("escalated")

    @property
    def inbox_badge(self) -> int:
        """The 收文 badge: letters to reply to, and (for the 市领导) reports not read yet."""
        reports = self.by_key.get("reports")
        return self.inbox_due + (reports.count if reports else 0)

    @property
    def due_total(self) -> int:
        """Everything waiting, each thing once: the overdue are among the others, and a letter
        waiting for both 签收 and 反馈 is one letter."""
        counted = sum(queue.count for queue in self.queues
                      if queue.due and queue.key not in ("overdue", "ack", "answer"))
        return counted + self.inbox_due

    @property
    def overdue_total(self) -> int:
        queue = self.by_key.get("overdue")
        return queue.count if queue else 0


def _url(name: str, anchor: str = "", **query) -> str:
    url = reverse(name)
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{anchor}" if anchor else "")


def home_url_for(role: str | None) -> str:
    homes: dict[str | None, str] = {
        Role.COUNTY_LIAISON: _url("dashboard:unit_home"),
        Role.DEPARTMENT_LIAISON: _url("dashboard:department_home"),
        Role.CLERK: _url("dashboard:office_home"),
        Role.OFFICE_LEADER: _url("dashboard:leader_home"),
        Role.CITY_LEADER: _url("dashboard:city_home"),
    }
    return homes.get(role, "/")


def week_deadline(today: dt.date) -> tuple[dt.date, dt.date, str]:
    """(this week's Monday, the day the week closes, the deadline as the page says it)."""
    week = workdays.monday_of(today)
    closes = workdays.next_working_day(week + dt.timedelta(days=7))
    weekday = WEEKDAYS[closes.weekday()]
    return week, closes, f"截止 {closes.month}月{closes.day}日（周{weekday}）{WEEK_CLOSES_AT}，逾期发催报通知"


# --- the pieces --------------------------------------------------------------------------------


def _inbox_queues(user) -> tuple[list[Queue], int]:
    entries = inbox_for(user=user)

    def item(entry) -> QueueItem:
        notice = entry.notice
        deadline = notice.acknowledge_deadline if entry.awaiting_acknowledgement else notice.answer_due
        return QueueItem(
            text=f"{notice.get_kind_display()}：{notice.title}",
            url=reverse("notices:detail", args=[notice.pk]),
            meta=f"{notice.number or ''} · 期限 {deadline:%Y-%m-%d}" if deadline else (notice.number or ""),
            days_overdue=entry.days_overdue,
        )

    def queue(key: str, label: str, chosen: list, filter_key: str) -> Queue:
        chosen = sorted(chosen, key=lambda e: -e.days_overdue)
        return Queue(
            key=key, label=label, count=len(chosen), url=_url("notices:inbox", filter=filter_key),
            overdue=sum(1 for e in chosen if e.overdue), items=tuple(item(e) for e in chosen[:ITEMS_SHOWN]),
        )

    queues = [
        queue("ack", "待签收", [e for e in entries if e.awaiting_acknowledgement], "ack"),
        queue("answer", "待反馈", [e for e in entries if e.awaiting_answer], "answer"),
        queue("overdue", "逾期", [e for e in entries if e.overdue], "overdue"),
    ]
    return queues, sum(1 for e in entries if e.awaiting_acknowledgement or e.awaiting_answer)


def _unreported_queue(projects, *, today: dt.date, url: str, item_url=None, due: bool = True,
                      limit: int = ITEMS_SHOWN) -> Queue:
    """Active projects without this week's report; per project, or (without `item_url`, the
    office's view of the whole city) per unit, linking to the unit's ledger."""
    week, _closes, note = week_deadline(today)
    missing = list(
        projects.filter(state__in=ACTIVE_STATES)
        .exclude(weekly_reports__week_start=week)
        .order_by("unit__display_order", "map_number")
        .values_list("pk", "map_number", "name", "unit__name", "unit__code")
    )
    if item_url is not None:
        items = [QueueItem(text=f"{number}号 {name}", url=item_url(pk), meta=unit)
                 for pk, number, name, unit, _code in missing[:limit]]
    else:
        by_unit: dict[tuple[str, str], list[str]] = {}
        for _pk, number, _name, unit, code in missing:
            by_unit.setdefault((unit, code), []).append(f"{number}号")
        items = [QueueItem(text=f"{unit} {len(numbers)} 个", url=_url("dashboard:ledger", unit=code),
                           meta="、".join(numbers[:12]) + ("等" if len(numbers) > 12 else ""))
                 for (unit, code), numbers in by_unit.items()]
    return Queue(key="unreported", label="本周未报", count=len(missing), url=url, note=note,
                 items=tuple(items), due=due, complete=item_url is None or len(missing) <= limit)


def _red_queue(projects, *, today: dt.date) -> Queue:
    lights = lights_as_of(on_date=today, projects=projects)
    red_ids = [pk for pk, light in lights.items() if light.any_red]
    rows = Project.objects.filter(pk__in=red_ids).order_by("map_number").values_list(
        "pk", "map_number", "name", "unit__name")
    return Queue(
        key="red", label="红灯项目", count=len(red_ids), url=_url("dashboard:ledger", light="red"), due=False,
        items=tuple(
            QueueItem(
                text=f"{number}号 {name}", url=reverse("tracker:project", args=[pk]),
                meta=unit + "".join(
                    f" · {label}红灯" for label, light in (("开工", lights[pk].start),
                                                          ("进度", lights[pk].progress))
                    if light == RED),
            )
            for pk, number, name, unit in rows[:ITEMS_SHOWN]
        ),
    )


def awaiting_instruction(projects) -> Q:
    """Open problems at the 市政府 level of `projects` that no city leader has instructed on yet."""
    return Q(status=ProblemStatus.OPEN, level=EscalationLevel.CITY, project__in=projects.values("pk")) & ~Q(
        Exists(ProblemInstruction.objects.filter(problem=OuterRef("pk"))))


def _escalated_queue(projects, *, today: dt.date, label: str, key: str = "escalated") -> Queue:
    problems = list(
        Problem.objects.filter(awaiting_instruction(projects))
        .select_related("project__unit").order_by("level_since", "pk")
    )
    return Queue(
        key=key, label=label, count=len(problems),
        url=_url("dashboard:escalated_problems", awaiting="instruction"),
        items=tuple(
            QueueItem(
                text=f"{p.project.unit.name} · {p.project.name}：{p.description[:40]}",
                url=reverse("tracker:project", args=[p.project_id]) + f"#problem-{p.pk}",
                meta=f"{p.level_since:%Y-%m-%d} 提请市政府协调（{(today - p.level_since).days} 天）"
                     + (f" · 责任市领导 {p.responsible_leader}" if p.responsible_leader else ""),
            )
            for p in problems[:ITEMS_SHOWN]
        ),
    )


def _instruction_queue(projects, *, today: dt.date) -> Queue:
    since = timezone.now() - dt.timedelta(days=NEW_INSTRUCTION_DAYS)
    rows = list(
        ProblemInstruction.objects
        .filter(problem__project__in=projects.values("pk"), instructed_at__gte=since)
        .select_related("problem__project").order_by("-instructed_at", "-pk")
    )
    return Queue(
        key="instructions", label="市领导批示", count=len(rows),
        url=_url("dashboard:escalated_problems", instructed="recent"), due=False,
        items=tuple(
            QueueItem(
                text=f"{row.problem.project.name}：{row.text[:60]}",
                url=reverse("tracker:project", args=[row.problem.project_id]) + f"#problem-{row.problem_id}",
                meta=f"{row.instructed_by_name} {timezone.localtime(row.instructed_at):%Y-%m-%d %H:%M}",
            )
            for row in rows[:ITEMS_SHOWN]
        ),
    )


def _office_notice_queues(*, today: dt.date, home: str) -> list[Queue]:
    """待核稿, 待签发, 待审核 (answers to review) and recipients overdue, for office staff."""
    waiting = list(
        Notice.objects
        .filter(state__in=[NoticeState.PENDING_REVIEW, NoticeState.PENDING_SIGNOFF, NoticeState.ANSWERED])
        .order_by("created_at", "pk").values_list("pk", "state", "kind", "title", "number", "created_at")
    )
    kinds = dict(NoticeKind.choices)

    def queue(key: str, label: str, state: str, desk_anchor: str = "") -> Queue:
        rows = [row for row in waiting if row[1] == state]

        def item(pk, kind, title, number, created) -> QueueItem:
            drafted = timezone.localtime(created).date()
            waited = (today - drafted).days
            return QueueItem(text=f"{kinds.get(kind, kind)}：{title}",
                             url=reverse("notices:detail", args=[pk]),
                             meta=f"{number or '未编号'} · {drafted:%Y-%m-%d} 拟稿（{waited} 天）")

        # 待核稿 and 待签发 are the 公文办理 desk's lists (notices:desk, always there, empty or not).
        url = f"{reverse('notices:desk')}#{desk_anchor}" if desk_anchor else f"{home}#{key}"
        return Queue(
            key=key, label=label, count=len(rows), url=url,
            all_url=url if desk_anchor else reverse("notices:list"),
            items=tuple(item(pk, kind, title, number, created)
                        for pk, _state, kind, title, number, created in rows[:ITEMS_SHOWN]),
        )

    live_answer = NoticeAnswer.objects.filter(
        delivery=OuterRef("pk"), status__in=[AnswerStatus.SUBMITTED, AnswerStatus.ACCEPTED])
    late = list(
        Delivery.objects
        .filter(notice__state__in=[NoticeState.ISSUED, NoticeState.DELIVERED, NoticeState.ACKNOWLEDGED,
                                   NoticeState.ANSWERED])
        .exclude(notice__kind__in=list(READ_ONLY_KINDS))
        .exclude(recipient_key="city")
        .annotate(answered=Exists(live_answer))
        .filter(
            Q(acknowledged_at__isnull=True, notice__acknowledge_deadline__lt=today)
            # A returned 反馈 is due by its new deadline (resubmit_deadline), not the letter's own.
            | Q(notice__answer_required=True, answered=False, notice__resubmit_deadline__lt=today)
            | Q(notice__answer_required=True, answered=False, notice__resubmit_deadline__isnull=True,
                notice__answer_deadline__lt=today)
        )
        .select_related("notice")
    )

    def days_late(delivery) -> int:
        notice = delivery.notice
        waits = ((delivery.acknowledged_at is None, notice.acknowledge_deadline),
                 (not delivery.answered and notice.answer_required, notice.answer_due))
        missed = [d for waiting_on, d in waits if waiting_on and d and d < today]
        return (today - min(missed)).days if missed else 0

    late.sort(key=lambda d: -days_late(d))
    overdue = Queue(
        key="overdue", label="逾期未签收/未反馈", count=len(late), url=f"{home}#overdue", overdue=len(late),
        all_url=reverse("notices:list"),
        items=tuple(
            QueueItem(
                text=f"{d.recipient_name} · {d.notice.get_kind_display()}：{d.notice.title}",
                url=reverse("notices:detail", args=[d.notice_id]),
                meta=("未签收" if d.acknowledged_at is None else "未反馈") + f" · {d.notice.number or ''}",
                days_overdue=days_late(d),
            )
            for d in late[:ITEMS_SHOWN]
        ),
    )
    return [
        queue("review_draft", "待核稿", NoticeState.PENDING_REVIEW, desk_anchor="reviews"),
        queue("signoff", "待签发", NoticeState.PENDING_SIGNOFF, desk_anchor="signoffs"),
        queue("answers", "待审核反馈", NoticeState.ANSWERED),
        overdue,
    ]


# --- per role ----------------------------------------------------------------------------------


def work_queues(*, user, today: dt.date | None = None, with_watch_lists: bool = True) -> WorkQueues:
    """The user's queues. `with_watch_lists=False` leaves out the red lights (the navigation's
    badges count only what is due, and lights cost more than the counts)."""
    today = today or timezone.localdate()
    role = permissions.role_of(user)
    home = home_url_for(role)
    result = WorkQueues(role=role or "", home_url=home)
    projects = permissions.visible_projects(user)
    if role in (Role.COUNTY_LIAISON, Role.DEPARTMENT_LIAISON):
        inbox_queues, result.inbox_due = _inbox_queues(user)
        result.queues += inbox_queues
        if role == Role.COUNTY_LIAISON:
            result.queues.append(_unreported_queue(
                projects, today=today, url=f"{home}#weekly",
                item_url=lambda pk: f"{home}#weekly"))
        else:
            result.queues.append(_unreported_queue(
                projects, today=today, url=f"{home}#unreported",
                item_url=lambda pk: reverse("tracker:weekly_report", args=[pk]), limit=200))
        if with_watch_lists:
            result.queues.append(_red_queue(projects, today=today))
            result.queues.append(_instruction_queue(projects, today=today))
    elif role in (Role.CLERK, Role.OFFICE_LEADER):
        result.queues += _office_notice_queues(today=today, home=home)
        if role == Role.OFFICE_LEADER:
            pending = list(RollbackRequest.objects.filter(status=RollbackStatus.PENDING)
                           .select_related("project").order_by("requested_at", "pk"))
            result.queues.append(Queue(
                key="rollbacks", label="退回待审批", count=len(pending), url=f"{home}#rollbacks",
                items=tuple(QueueItem(text=f"{r.project.map_number}号 {r.project.name}："
                                           f"{r.get_transition_display()}",
                                      url=f"{home}#rollbacks", meta=r.reason[:40])
                            for r in pending[:ITEMS_SHOWN]),
            ))
        else:
            visits = list(SiteVisitTask.objects.filter(status=SiteVisitStatus.PLANNED)
                          .select_related("project").order_by("visit_on", "pk"))
            result.queues.append(Queue(
                key="site_visits", label="待现场督导", count=len(visits), url=_url("dispatch:site_visits"),
                items=tuple(QueueItem(text=f"{v.project.map_number}号 {v.project.name}",
                                      url=reverse("tracker:project", args=[v.project_id]),
                                      meta=f"督导日期 {v.visit_on:%Y-%m-%d}",
                                      days_overdue=max(0, (today - v.visit_on).days))
                            for v in visits[:ITEMS_SHOWN]),
            ))
        result.queues.append(_escalated_queue(projects, today=today, label="待市领导批示"))
        if with_watch_lists:
            # The office watches it; the reporting is the units' to-do.
            result.queues.append(
                _unreported_queue(projects, today=today, url=f"{home}#unreported", due=False))
            result.queues.append(_red_queue(projects, today=today))
    elif role == Role.CITY_LEADER:
        entries = [e for e in inbox_for(user=user) if e.unread]
        result.queues.append(Queue(
            key="reports", label="未读报告", count=len(entries),
            url=_url("notices:inbox", filter="unread"),
            items=tuple(QueueItem(text=f"{e.notice.get_kind_display()}：{e.notice.title}",
                                  url=reverse("notices:detail", args=[e.notice.pk]),
                                  meta=e.notice.number or "")
                        for e in entries[:ITEMS_SHOWN]),
        ))
        result.queues.append(_escalated_queue(projects, today=today, label="待批示", key="instruct"))
        if with_watch_lists:
            result.queues.append(_red_queue(projects, today=today))
    return result


def queues_for_request(request, *, with_watch_lists: bool = False) -> WorkQueues | None:
    """work_queues for the request's user, computed once per request (the page and its
    navigation share it; the landing page's full version serves the navigation too)."""
    if not request.user.is_authenticated or permissions.role_of(request.user) is None:
        return None
    full = getattr(request, "_work_queues_full", None)
    if full is not None:
        return full
    if with_watch_lists:
        request._work_queues_full = work_queues(user=request.user, with_watch_lists=True)
        return request._work_queues_full
    counts = getattr(request, "_work_queues", None)
    if counts is None:
        counts = request._work_queues = work_queues(user=request.user, with_watch_lists=False)
    return counts
