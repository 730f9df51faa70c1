"""The rules of the calendar as pure functions: facts in, findings out (no I/O).

The domain behind the rules and their default thresholds is DOMAIN: The cadence. Selectors gather
the facts set-based; services record each finding under its natural key (rule, subject, period)
and issue what it calls for.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from dispatch.models import Rule
from offices.keys import ThresholdKey
from tracker.choices import COMPLETED_STATES, STARTED_STATES, ProjectState
from tracker.lights import (  # noqa: F401  (the lights are the domain's; the rules read them)
    CENT,
    GREEN,
    HUNDRED,
    LIGHT_LABELS,
    RED,
    YELLOW,
    Lights,
    add_months,
    expected_progress,
    lights_compute,
    month_start,
)
from tracker.portfolio import shared_ranks


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def quarter_key(day: dt.date) -> str:
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first_month = (day.month - 1) // 3 * 3 + 1
    start = dt.date(day.year, first_month, 1)
    return start, add_months(start, 3) - dt.timedelta(days=1)


def week_key(week_start: dt.date) -> str:
    return f"week:{week_start.isoformat()}"


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cn_month(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"


def pct(value: Decimal) -> str:
    return f"{value.quantize(CENT).normalize():f}%"


def points(value: Decimal) -> str:
    return f"{value.quantize(CENT).normalize():f}个百分点"


def short_date(day: dt.date, *, year: int) -> str:
    """M月D日 within `year`, with the year otherwise (an office writes 截至9月21日 in its own year)."""
    return f"{day.month}月{day.day}日" if day.year == year else cn_date(day)


# --- facts and findings ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectFacts:
    """What the rules know about one project on the scan date (state and figures as of that date)."""

    id: int
    code: str
    name: str
    unit_id: int
    unit_name: str
    department_id: int
    department_name: str
    domain_id: int
    state: str
    planned_start: dt.date
    planned_completion: dt.date
    actual_start: dt.date | None
    progress: Decimal
    recent_progress: tuple[Decimal, ...]  # last weekly reports on or before the date, latest first
    pending_procedures: tuple[str, ...]  # labels of the procedures not settled by the date
    lights: Lights

    @property
    def is_started(self) -> bool:
        return self.state in STARTED_STATES

    @property
    def is_completed(self) -> bool:
        return self.state in COMPLETED_STATES

    def lag(self) -> Decimal | None:
        """How many points the progress is behind what the schedule asks by now (None: not behind)."""
        expected = self.lights.expected_progress
        if expected is None or expected <= self.progress:
            return None
        return expected - self.progress

    def schedule_facts(self, on_date: dt.date) -> str:
        """The project against its schedule in plain words, each fact said once: "形象进度30.9%，
        较工期要求滞后31.4个百分点；已超计划完工日期47天" or "计划2025年3月开工，至今未开工"."""
        if not self.is_started:
            if on_date >= self.planned_start:
                return f"计划{cn_month(self.planned_start)}开工，至今未开工"
            return f"计划{cn_month(self.planned_start)}开工，尚未开工"
        text = f"形象进度{pct(self.progress)}"
        lag = self.lag()
        if lag is not None:
            text += f"，较工期要求滞后{points(lag)}"
        return text + self.completion_facts(on_date)

    def completion_facts(self, on_date: dt.date) -> str:
        """"；已超计划完工日期47天" / "，距计划完工日期还有20天" (only when it is near), or ""."""
        if self.is_completed:
            return ""
        if self.planned_completion < on_date:
            return f"；已超计划完工日期{(on_date - self.planned_completion).days}天"
        days_left = (self.planned_completion - on_date).days
        if days_left <= 92:
            return f"，距计划完工日期（{short_date(self.planned_completion, year=on_date.year)}）还有{days_left}天"
        return ""


@dataclass(frozen=True)
class Finding:
    """One firing a rule calls for: its natural key, the facts text and what to issue."""

    rule: str
    subject: str
    period: str
    facts: str
    unit_id: int | None = None
    department_id: int | None = None
    project_id: int | None = None
    items: tuple[dict, ...] = ()
    data: dict = field(default_factory=dict)


def _item(project: ProjectFacts, facts: str, requirement: str) -> dict:
    return {
        "project_id": project.id,
        "project_code": project.code,
        "project_name": project.name,
        "facts": facts,
        "requirement": requirement,
    }


def _by_unit(pairs: list[tuple[ProjectFacts, dict]]) -> dict[int, list[tuple[ProjectFacts, dict]]]:
    grouped: dict[int, list[tuple[ProjectFacts, dict]]] = defaultdict(list)
    for project, item in pairs:
        grouped[project.unit_id].append((project, item))
    return grouped


def r1_warnings(
    *, projects: list[ProjectFacts], on_date: dt.date, thresholds: dict[str, Decimal]
) -> list[Finding]:
    """R1 预警函, at the month's start, one letter per unit listing its projects at risk.

    At risk of not starting: planned start this month or next, procedures not all settled.
    At risk of not finishing: started, planned completion within N months (or already past),
    progress light not green.
    """
    this_month = month_start(on_date)
    next_month_end = add_months(this_month, 2)
    completion_horizon = add_months(on_date, int(thresholds[ThresholdKey.R1_COMPLETION_MONTHS]))
    flagged: list[tuple[ProjectFacts, dict]] = []
    for project in projects:
        if not project.is_started:
            if this_month <= project.planned_start < next_month_end and project.pending_procedures:
                facts = (
                    f"计划{cn_month(project.planned_start)}开工，"
                    f"{'、'.join(project.pending_procedures)}尚未办结"
                )
                flagged.append((project, _item(project, facts, "加快办理前期手续，确保按计划开工")))
        elif not project.is_completed and project.planned_completion <= completion_horizon:
            if project.lights.progress != GREEN:
                facts = project.schedule_facts(on_date)
                flagged.append((project, _item(project, facts, "倒排工期、挂图作战，确保按期完工")))
    findings = []
    for unit_id, pairs in _by_unit(flagged).items():
        unit_name = pairs[0][0].unit_name
        facts = f"{unit_name}有{len(pairs)}个工程存在不能按期开工或完工的风险：" + "；".join(
            f"{p.name}{item['facts']}" for p, item in pairs
        )
        findings.append(
            Finding(
                rule=Rule.R1_WARNING,
                subject=f"unit:{unit_id}",
                period=month_key(on_date),
                facts=facts,
                unit_id=unit_id,
                items=tuple(item for _, item in pairs),
            )
        )
    return findings


def ranking_score(project: ProjectFacts, on_date: dt.date) -> Decimal:
    """Actual minus planned progress: 0 when on plan or done; negative when behind.

    A project not started after its planned start is as far behind as the plan from its
    planned start says it should be by now.
    """
    if project.is_completed:
        return Decimal("0")
    if project.is_started:
        return (
            -(project.lights.expected_progress - project.progress)
            if project.lights.expected_progress is not None
            else Decimal("0")
        )
    if on_date < project.planned_start:
        return Decimal("0")
    return -expected_progress(
        start=project.planned_start, planned_completion=project.planned_completion, on_date=on_date
    )


@dataclass(frozen=True)
class RankingRow:
    group_id: int
    name: str
    score: Decimal  # mean of the projects' ranking scores, two places
    rank: int  # shared by equal scores (1, 1, 3): a tie is never broken by the name
    project_count: int
    red_projects: tuple[dict, ...]  # letter items: the projects far behind their schedule
    tied: bool = False


def ranking(*, projects: list[ProjectFacts], on_date: dt.date, by: str) -> list[RankingRow]:
    """Units (by="unit") or departments (by="department") ranked best first by mean progress gap;
    equal scores share a rank (competition ranking: 1, 1, 3)."""
    groups: dict[int, list[ProjectFacts]] = defaultdict(list)
    for project in projects:
        groups[project.unit_id if by == "unit" else project.department_id].append(project)
    scored = []
    for group_id, members in groups.items():
        score = (sum((ranking_score(p, on_date) for p in members), Decimal("0")) / len(members)).quantize(
            CENT
        )
        name = members[0].unit_name if by == "unit" else members[0].department_name
        reds = tuple(
            _item(p, p.schedule_facts(on_date), "倒排工期、加快推进") for p in members if p.lights.any_red
        )
        scored.append((score, name, group_id, len(members), reds))
    scored.sort(key=lambda row: (-row[0], row[1]))
    ranks = shared_ranks((row[2], row[0]) for row in scored)
    return [
        RankingRow(group_id=g, name=n, score=s, rank=ranks[g][0], project_count=c, red_projects=r,
                   tied=ranks[g][1])
        for s, n, g, c, r in scored
    ]


def r2_reminders(
    *, projects: list[ProjectFacts], on_date: dt.date, thresholds: dict[str, Decimal]
) -> list[Finding]:
    """R2 提醒函: units and departments in the bottom quarter of the ranking, or with any red light."""
    share = thresholds[ThresholdKey.R2_BOTTOM_SHARE] / HUNDRED
    findings = []
    for by, label in (("unit", "县（市、区）"), ("department", "市直部门")):
        rows = ranking(projects=projects, on_date=on_date, by=by)
        bottom_from = len(rows) - math.ceil(len(rows) * share) + 1
        for row in rows:
            # Behind is behind: a group on schedule (score 0) is never "at the bottom", however
            # the others rank.
            bottom = row.rank >= bottom_from and row.score < 0
            if not bottom and not row.red_projects:
                continue
            reasons = []
            if bottom:
                reasons.append(
                    f"工程平均进度较工期要求滞后{points(-row.score)}，在全市{len(rows)}个{label}中"
                    f"{'并列' if row.tied else ''}第{row.rank}位"
                )
            if row.red_projects:
                reasons.append(f"{len(row.red_projects)}个工程严重滞后")
            findings.append(
                Finding(
                    rule=Rule.R2_REMINDER,
                    subject=f"{by}:{row.group_id}",
                    period=month_key(on_date),
                    facts=f"{row.name}" + "，".join(reasons),
                    unit_id=row.group_id if by == "unit" else None,
                    department_id=row.group_id if by == "department" else None,
                    items=row.red_projects,
                    data={"rank": row.rank, "of": len(rows), "score": str(row.score), "tied": row.tied,
                          "bottom": bottom, "label": label, "as_of": on_date.isoformat()},
                )
            )
    return findings


def r3_supervisions(
    *, projects: list[ProjectFacts], on_date: dt.date, thresholds: dict[str, Decimal]
) -> list[Finding]:
    """R3 督办函 per project: progress rose less than 5 points over its last 4 reports, or a red light.

    At most one per project per month (period = the month): the letter asks for an answer within
    10 working days, which the next month's scan sees.
    """
    min_rise = thresholds[ThresholdKey.R3_MIN_RISE]
    count = int(thresholds[ThresholdKey.R3_REPORT_COUNT])
    findings = []
    for project in projects:
        if project.is_completed:
            continue
        recent = project.recent_progress[:count]
        slow = (
            project.state == ProjectState.UNDER_CONSTRUCTION
            and len(recent) >= count
            and project.progress < HUNDRED
            and recent[0] - recent[-1] < min_rise
        )
        if not slow and not project.lights.any_red:
            continue
        facts = _supervision_facts(project, on_date=on_date, recent=recent if slow else ())
        findings.append(
            Finding(
                rule=Rule.R3_SUPERVISION,
                subject=f"project:{project.id}",
                period=month_key(on_date),
                facts=f"{project.name}：{facts}",
                unit_id=project.unit_id,
                project_id=project.id,
                items=(_item(project, facts, "制定整改措施，限期加快推进"),),
            )
        )
    return findings


def _supervision_facts(project: ProjectFacts, *, on_date: dt.date, recent: tuple[Decimal, ...]) -> str:
    """Why a project is supervised, each fact once: where it stands against its schedule and, when
    it barely moved, over how many reports."""
    if not project.is_started:
        return project.schedule_facts(on_date)
    rise = recent[0] - recent[-1] if recent else None
    lag = project.lag() if project.lights.progress == RED else None
    if rise is None:
        return project.schedule_facts(on_date)
    moved = (f"近{len(recent)}期周调度形象进度均为{pct(recent[0])}，没有进展" if rise == 0
             else f"近{len(recent)}期周调度形象进度由{pct(recent[-1])}升至{pct(recent[0])}，仅提高{points(rise)}")
    if lag is not None:
        moved += f"，较工期要求滞后{points(lag)}"
    return moved + project.completion_facts(on_date)


def r4_site_visits(
    *, projects: list[ProjectFacts], on_date: dt.date, thresholds: dict[str, Decimal]
) -> list[Finding]:
    """R4 现场督导: planned completion within 30 days with progress below 90%, or already past."""
    horizon = on_date + dt.timedelta(days=int(thresholds[ThresholdKey.R4_DAYS_BEFORE_COMPLETION]))
    min_progress = thresholds[ThresholdKey.R4_MIN_PROGRESS]
    findings = []
    for project in projects:
        if not project.is_started or project.is_completed:
            continue
        if project.planned_completion < on_date:
            late_days = (on_date - project.planned_completion).days
            facts = (
                f"计划{cn_date(project.planned_completion)}完工，已逾期{late_days}天仍未完工，"
                f"形象进度{pct(project.progress)}"
            )
        elif project.planned_completion <= horizon and project.progress < min_progress:
            days_left = (project.planned_completion - on_date).days
            facts = (
                f"计划{cn_date(project.planned_completion)}完工，距完工仅{days_left}天，"
                f"形象进度{pct(project.progress)}（低于{pct(min_progress)}）"
            )
        else:
            continue
        findings.append(
            Finding(
                rule=Rule.R4_SITE_VISIT,
                subject=f"project:{project.id}",
                period=month_key(on_date),
                facts=f"{project.name}：{facts}，存在超期风险，需现场督导",
                unit_id=project.unit_id,
                project_id=project.id,
                data={"domain_id": project.domain_id},
            )
        )
    return findings


@dataclass(frozen=True)
class UnitMonthActivity:
    """What a unit's active projects did over one calendar month (for R5)."""

    unit_id: int
    unit_name: str
    active_projects: int
    best_advance: Decimal  # the largest progress rise of any of its active projects
    transitions: int  # state changes of its projects effective in the month


def r5_summons(
    *, activity: list[UnitMonthActivity], month: dt.date, thresholds: dict[str, Decimal]
) -> list[Finding]:
    """R5 约谈通知: a unit none of whose active projects advanced ≥1 point or changed state all month."""
    min_advance = thresholds[ThresholdKey.R5_MIN_ADVANCE]
    findings = []
    for unit in activity:
        if unit.active_projects == 0 or unit.transitions > 0 or unit.best_advance >= min_advance:
            continue
        if unit.active_projects == 1:
            # One project: "该工程", not "增幅最大的工程" of one, and no "没有工程开工或完工".
            advance = "未提高" if unit.best_advance <= 0 else f"仅提高{points(unit.best_advance)}"
            facts = (f"{unit.unit_name}尚未完工的1个工程{cn_month(month)}整月无明显进展，"
                     f"该工程形象进度{advance}")
        else:
            advance = (
                "各工程形象进度均未提高" if unit.best_advance <= 0
                else f"形象进度增幅最大的工程仅提高{points(unit.best_advance)}"
            )
            facts = (
                f"{unit.unit_name}在建和未开工的{unit.active_projects}个工程{cn_month(month)}整月无明显进展，"
                f"{advance}，没有工程开工或完工"
            )
        findings.append(
            Finding(
                rule=Rule.R5_SUMMONS,
                subject=f"unit:{unit.unit_id}",
                period=month_key(month),
                facts=facts,
                unit_id=unit.unit_id,
                data={"month": month_start(month).isoformat(), "active_projects": unit.active_projects,
                      "best_advance": str(unit.best_advance)},
            )
        )
    return findings


def r6_listed(
    *,
    units: dict[int, str],
    summonses: dict[int, int],
    unanswered_supervisions: dict[int, int],
    on_date: dt.date,
    thresholds: dict[str, Decimal],
) -> list[Finding]:
    """R6 挂牌督办 at the quarter's end: a unit summoned, or with two unanswered 督办函, in the quarter."""
    needed = int(thresholds[ThresholdKey.R6_UNANSWERED_SUPERVISIONS])
    findings = []
    for unit_id, name in units.items():
        reasons = []
        if summonses.get(unit_id, 0):
            reasons.append(f"本季度被约谈{summonses[unit_id]}次")
        if unanswered_supervisions.get(unit_id, 0) >= needed:
            reasons.append(f"本季度有{unanswered_supervisions[unit_id]}件督办函逾期未答复")
        if not reasons:
            continue
        findings.append(
            Finding(
                rule=Rule.R6_LISTED,
                subject=f"unit:{unit_id}",
                period=quarter_key(on_date),
                facts=f"{name}" + "，".join(reasons) + "，列入挂牌督办",
                unit_id=unit_id,
            )
        )
    return findings
