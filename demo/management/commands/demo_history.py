"""`run_cycle` with the demo's people (for `make demo` only): after each working day's jobs they act
as demo.notices.demo_day_act says — the office leader signs the letters, most county liaisons sign
for and answer them on time, the office closes the answered ones, and a few units let theirs go
overdue, which the following days' scans escalate. Rerunnable: nothing new the second time."""
from __future__ import annotations

import datetime as dt

from demo.notices import demo_day_act
from dispatch.management.commands.run_cycle import Command as RunCycleCommand


class Command(RunCycleCommand):
    help = "演示：按调度日历模拟历史，每个工作日任务运行后，模拟专班办领导签发、县级联络员签收和反馈、专班办办结"

    def handle(self, *args, **options):
        self.acts = {"signed": 0, "acknowledged": 0, "answered": 0, "closed": 0}
        super().handle(*args, **options)

    def after_day(self, day: dt.date) -> None:
        for key, count in demo_day_act(on_date=day).items():
            self.acts[key] += count

    def after_run(self) -> None:
        self.stdout.write(
            f"演示人员操作：签发{self.acts['signed']}份，签收{self.acts['acknowledged']}次，"
            f"反馈{self.acts['answered']}次，办结{self.acts['closed']}份"
        )
