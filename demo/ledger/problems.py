"""The demo's problems: resolved ones in completed projects' history, open ones at every rung."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from tracker import services


def _add_days(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


PROBLEM_TEXTS = {
    "procedure": "施工许可手续办理周期长，影响开工",
    "funds": "省级专项资金未及时拨付，资金到位率偏低",
    "land": "管网路由涉及基本农田，用地手续办理缓慢",
    "technology": "湿地进水水质波动大，工艺需调整",
    "responsibility": "跨县段责任划分不清，牵头单位未明确",
    "other": "冬季低温影响施工进度",
}


def problems_create(projects, histories, rng, until, clerk) -> None:
    leader = get_user_model().objects.get(username="leader")
    categories = list(PROBLEM_TEXTS)
    open_indices = [i for i, h in enumerate(histories) if h.completion is None]
    closed_indices = [i for i, h in enumerate(histories) if h.completion is not None]
    # Resolved problems in the history of completed projects.
    for i in closed_indices[::4]:
        project, history = projects[i], histories[i]
        category = rng.choice(categories)
        raised = _add_days(history.actual_start, rng.randint(20, 90))
        problem = services.problem_raise(
            project_id=project.pk, acting_user=clerk, description=PROBLEM_TEXTS[category], category=category,
            raised_on=raised,
        )
        if rng.random() < 0.4:
            services.problem_escalate(
                problem_id=problem.pk, acting_user=clerk, reason="专班协调未果，提请市政府领导协调",
                on_date=_add_days(raised, 16), responsible_leader="李副市长",
            )
        services.problem_resolve(
            problem_id=problem.pk, acting_user=clerk, resolution="经协调已解决", on_date=_add_days(raised, 40)
        )
    # Open problems on the projects still under way, at every level of the ladder.
    for n, i in enumerate(open_indices):
        project = projects[i]
        category = categories[n % len(categories)]
        raised = until - dt.timedelta(days=rng.randint(20, 80))
        problem = services.problem_raise(
            project_id=project.pk, acting_user=clerk, description=PROBLEM_TEXTS[category], category=category,
            raised_on=raised, due_on=_add_days(raised, 45),  # some still in time, some overdue
        )
        if n % 3 == 1:
            services.problem_escalate(
                problem_id=problem.pk, acting_user=clerk, reason="专班协调10个工作日未解决，提请市政府领导协调",
                on_date=_add_days(raised, 15), responsible_leader="李副市长",
            )
        if n % 6 == 4:
            services.problem_escalate(
                problem_id=problem.pk, acting_user=leader, reason="市政府协调后仍未解决，提请省专班协调",
                on_date=_add_days(raised, 30),
            )
