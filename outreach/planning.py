"""Which messages are due: the reminder scan and the announcements, in a constant number of queries.

Pure planning: builds unsaved Message rows; outreach.services saves them under their natural key
(kind, subject, endpoint, due date) and sends them. A scan run twice plans the same rows.

- 签收/反馈 reminders: on the working day before the deadline (deadline in (on_date, next working
  day]) and on the first working day after it (deadline in [previous working day, on_date)), to
  each recipient body that has not signed / answered yet.
- 本周未报: on the working day before the weekly dispatch (the next week's Monday or the next
  working day), to each unit with active projects not reported for the current week.
- New letters and 批示 of the last days not announced yet (the on-commit task may have been lost).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from core import workdays
from notices.models import AnswerStatus, Delivery, NoticeAnswer, NoticeKind, NoticeState
from outreach import texts
from outreach.models import Endpoint, Message, MessageKind, Scope, message_token
from tracker.choices import ACTIVE_STATES, ProjectState
from tracker.models import Project, WeeklyReport
from tracker.portfolio import project_states_as_of

OPEN_STATES = (NoticeState.ISSUED, NoticeState.DELIVERED, NoticeState.ACKNOWLEDGED)
ANNOUNCE_DAYS = 3
KIND_LABELS = dict(NoticeKind.choices)


@dataclass
class Recipients:
    """Enabled endpoints by the body they read for (one query)."""

    by_unit: dict[int, list[Endpoint]] = field(default_factory=lambda: defaultdict(list))
    by_department: dict[int, list[Endpoint]] = field(default_factory=lambda: defaultdict(list))
    office: list[Endpoint] = field(default_factory=list)
    city_government: list[Endpoint] = field(default_factory=list)

    @property
    def has_any(self) -> bool:
        return bool(self.by_unit or self.by_department or self.office or self.city_government)

    def for_delivery(self, unit_id: int | None, department_id: int | None) -> list[Endpoint]:
        """The endpoints of a letter's recipient: its unit's, its department's, or (neither: the
        city government) the city government's."""
        if unit_id:
            endpoints = self.by_unit.get(unit_id, [])
        elif department_id:
            endpoints = self.by_department.get(department_id, [])
        else:
            endpoints = self.city_government
        return _one_per_mailbox(endpoints)

    def reachable(self, recipient_keys) -> set[str]:
        """Of a letter's recipient keys ("city", "unit:<id>", "department:<id>"), those some
        enabled channel reaches."""
        found = set()
        for key in recipient_keys:
            kind, _, pk = key.partition(":")
            if (kind == "unit" and self.by_unit.get(int(pk))) or (
                    kind == "department" and self.by_department.get(int(pk))) or (
                    kind == "city" and self.city_government):
                found.add(key)
        return found


def _mailbox(endpoint: Endpoint) -> frozenset[str]:
    return frozenset(address.lower() for address in endpoint.mail_addresses)


def _one_per_mailbox(endpoints: list[Endpoint]) -> list[Endpoint]:
    """One e-mail per recipient and letter whatever endpoints exist: e-mail endpoints reaching the
    same addresses (a unit's and its liaison's own, say) count once — the first configured."""
    seen: set[frozenset[str]] = set()
    kept = []
    for endpoint in sorted(endpoints, key=lambda e: e.pk or 0):
        if endpoint.channel == "email":
            box = _mailbox(endpoint)
            if box in seen:
                continue
            seen.add(box)
        kept.append(endpoint)
    return kept


def recipients() -> Recipients:
    found = Recipients()
    channels = settings.YIHONG_OUTREACH_CHANNELS
    enabled = (Endpoint.objects.filter(enabled=True, channel__in=channels)
               .select_related("user__staff_profile"))
    for endpoint in enabled:
        # The model's check constraint: a unit's endpoint names its unit, a department's its department.
        if endpoint.scope == Scope.UNIT:
            assert endpoint.unit_id is not None
            found.by_unit[endpoint.unit_id].append(endpoint)
        elif endpoint.scope == Scope.DEPARTMENT:
            assert endpoint.department_id is not None
            found.by_department[endpoint.department_id].append(endpoint)
        elif endpoint.scope == Scope.OFFICE:
            found.office.append(endpoint)
        elif endpoint.scope == Scope.CITY_GOVERNMENT:
            found.city_government.append(endpoint)
        else:
            profile = getattr(endpoint.user, "staff_profile", None)
            if profile is not None and profile.unit_id:
                found.by_unit[profile.unit_id].append(endpoint)
            elif profile is not None and profile.department_id:
                found.by_department[profile.department_id].append(endpoint)
            elif profile is not None and profile.role in ("office_leader", "clerk"):
                found.office.append(endpoint)
            elif profile is not None and profile.role == "city_leader":
                found.city_government.append(endpoint)
    return found


def _message(*, endpoint: Endpoint, kind: str, subject: str, due_on: dt.date, on_date: dt.date, heading: str,
             text: str, params: dict, link: str, recipient: str, notice_id=None, delivery_id=None) -> Message:
    return Message(kind=kind, subject=subject, endpoint=endpoint, channel=endpoint.channel, due_on=due_on,
                   planned_on=on_date, notice_id=notice_id, delivery_id=delivery_id,
                   recipient_name=recipient[:100], title=heading[:200], text=text, link=link, params=params,
                   token=message_token())


def _letter_messages(rows, *, kind_of, on_date: dt.date, found: Recipients) -> list[Message]:
    planned = []
    for row in rows:
        endpoints = found.for_delivery(row["unit_id"], row["department_id"])
        for kind, due_on in kind_of(row):
            heading, text, params = texts.letter_message(
                kind=kind, recipient=row["recipient_name"],
                kind_label=KIND_LABELS.get(row["notice__kind"], ""), number=row["notice__number"] or "",
                title=row["notice__title"], ack_deadline=row["notice__acknowledge_deadline"],
                answer_deadline=row["notice__answer_deadline"],
            )
            link = texts.notice_link(row["notice_id"])
            for endpoint in endpoints:
                planned.append(_message(
                    endpoint=endpoint, kind=kind, subject=f"notice:{row['notice_id']}", due_on=due_on,
                    on_date=on_date, heading=heading, text=text, params=params, link=link,
                    recipient=row["recipient_name"], notice_id=row["notice_id"], delivery_id=row["id"],
                ))
    return planned


LETTER_FIELDS = ("id", "notice_id", "unit_id", "department_id", "recipient_name", "acknowledged_at",
                 "notice__kind", "notice__number", "notice__title", "notice__acknowledge_deadline",
                 "notice__answer_deadline", "notice__answer_required", "notice__issued_on")


def letter_reminders(*, on_date: dt.date, found: Recipients) -> list[Message]:
    """签收/反馈 reminders due on `on_date` (one query)."""
    next_day = workdays.add_working_days(on_date, 1)
    previous_day = _previous_working_day(on_date)
    answered = NoticeAnswer.objects.filter(delivery=OuterRef("pk"),
                                           status__in=(AnswerStatus.SUBMITTED, AnswerStatus.ACCEPTED))
    rows = (
        Delivery.objects.filter(notice__state__in=OPEN_STATES)
        .filter(
            Q(acknowledged_at__isnull=True, notice__acknowledge_deadline__gte=previous_day,
              notice__acknowledge_deadline__lte=next_day)
            | Q(notice__answer_required=True, notice__answer_deadline__gte=previous_day,
                notice__answer_deadline__lte=next_day)
        )
        .annotate(answered=Exists(answered))
        .values(*LETTER_FIELDS, "answered")
    )

    def kind_of(row):
        ack, answer = row["notice__acknowledge_deadline"], row["notice__answer_deadline"]
        if row["acknowledged_at"] is None and ack is not None:
            if on_date < ack <= next_day:
                yield MessageKind.ACK_DUE, ack
            elif previous_day <= ack < on_date:
                yield MessageKind.ACK_OVERDUE, ack
        if row["notice__answer_required"] and answer is not None and not row["answered"]:
            if on_date < answer <= next_day:
                yield MessageKind.ANSWER_DUE, answer
            elif previous_day <= answer < on_date:
                yield MessageKind.ANSWER_OVERDUE, answer

    return _letter_messages(rows, kind_of=kind_of, on_date=on_date, found=found)


def new_letters(*, on_date: dt.date, found: Recipients, notice_id: int | None = None) -> list[Message]:
    """新公文 to each recipient body: one letter (notice_id), or those issued in the last days."""
    rows = Delivery.objects.filter(notice__state__in=(*OPEN_STATES, NoticeState.ANSWERED))
    if notice_id is not None:
        rows = rows.filter(notice_id=notice_id)
    else:
        rows = rows.filter(notice__issued_on__gt=on_date - dt.timedelta(days=ANNOUNCE_DAYS),
                           notice__issued_on__lte=on_date)
    rows = rows.values(*LETTER_FIELDS)
    return _letter_messages(
        rows, kind_of=lambda row: [(MessageKind.NEW_LETTER, row["notice__issued_on"] or on_date)],
        on_date=on_date, found=found,
    )


def weekly_deadline(on_date: dt.date) -> dt.date:
    """The day the weekly dispatch closes the week holding `on_date` (next Monday or the next working day)."""
    return workdays.next_working_day(workdays.monday_of(on_date) + dt.timedelta(days=7))


def weekly_unreported(*, on_date: dt.date, found: Recipients) -> list[Message]:
    """本周未报 on the working day before the weekly dispatch (three queries, none on other days)."""
    deadline = weekly_deadline(on_date)
    if not on_date < deadline <= workdays.add_working_days(on_date, 1) or not found.by_unit:
        return []
    week_start = workdays.monday_of(on_date)
    states = project_states_as_of(as_of=on_date)
    reported = set(WeeklyReport.objects.filter(week_start=week_start).values_list("project_id", flat=True))
    missing: dict[int, list[str]] = defaultdict(list)
    names: dict[int, str] = {}
    for pk, unit_id, unit_name in Project.objects.values_list("id", "unit_id", "unit__name"):
        if pk in reported or states.get(pk, ProjectState.PREPARATION.value) not in ACTIVE_STATES:
            continue
        missing[unit_id].append(pk)
        names[unit_id] = unit_name
    planned = []
    link = texts.unit_link()
    for unit_id, projects in missing.items():
        heading, text, params = texts.weekly_message(recipient=names[unit_id], count=len(projects),
                                                     week_start=week_start, deadline=deadline)
        for endpoint in found.by_unit.get(unit_id, []):
            planned.append(_message(endpoint=endpoint, kind=MessageKind.WEEKLY_UNREPORTED,
                                    subject=f"week:{week_start.isoformat()}:unit:{unit_id}", due_on=deadline,
                                    on_date=on_date, heading=heading, text=text, params=params, link=link,
                                    recipient=names[unit_id]))
    return planned


def instructions(*, on_date: dt.date, found: Recipients, instruction_id: int | None = None) -> list[Message]:
    """市领导批示 to the office's endpoints: one (instruction_id), or those of the last days."""
    from tracker.models import ProblemInstruction

    if not found.office:
        return []
    rows = ProblemInstruction.objects.select_related("problem__project")
    if instruction_id is not None:
        rows = rows.filter(pk=instruction_id)
    else:
        rows = rows.filter(instructed_at__date__gt=on_date - dt.timedelta(days=ANNOUNCE_DAYS),
                           instructed_at__date__lte=on_date)
    planned = []
    for row in rows:
        day = row.instructed_at.date()
        project = row.problem.project
        heading, text, params = texts.instruction_message(leader=row.instructed_by_name, project=project.name,
                                                          problem=row.problem.description, day=day)
        for endpoint in found.office:
            planned.append(_message(endpoint=endpoint, kind=MessageKind.INSTRUCTION,
                                    subject=f"instruction:{row.pk}", due_on=day, on_date=on_date,
                                    heading=heading, text=text, params=params,
                                    link=texts.project_link(project.pk), recipient="专班办"))
    return planned


def _previous_working_day(day: dt.date) -> dt.date:
    current = day - dt.timedelta(days=1)
    while not workdays.is_working_day(current):
        current -= dt.timedelta(days=1)
    return current
