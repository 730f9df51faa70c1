"""CPU time spent by groups of processes (gunicorn, postgres, celery, the load generator)
during a benchmark, read from /proc: what a figure was limited by.

Processes come and go during a run (PostgreSQL backends, spawned clerks), so /proc is sampled
every half second and each process counts with the last CPU time seen for it.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
GROUPS = {
    "gunicorn": ("gunicorn",),
    "postgres": ("postgres",),
    "celery": ("celery",),
    "redis": ("redis-server",),
    "wrk": ("wrk",),
    "bench": ("bench_load", "multiprocessing"),
}


def _process_cpu() -> dict[int, tuple[str, float]]:
    seen = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        group = next((name for name, needles in GROUPS.items() if any(n in command for n in needles)), None)
        if group:
            seen[int(entry.name)] = (group, (int(fields[11]) + int(fields[12])) / TICKS)
    return seen


def _machine_busy_seconds() -> float:
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICKS


class CpuWindow:
    """with CpuWindow() as window: …; window.report() → the machine's and each group's CPU share."""

    def __enter__(self):
        self.started, self.busy_before = time.monotonic(), _machine_busy_seconds()
        self.first = _process_cpu()
        self.last = dict(self.first)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.5):
            self.last.update(_process_cpu())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.last.update(_process_cpu())
        self.elapsed = time.monotonic() - self.started
        self.busy = _machine_busy_seconds() - self.busy_before

    def seconds_by_group(self) -> dict[str, float]:
        totals = dict.fromkeys(GROUPS, 0.0)
        for pid, (group, seconds) in self.last.items():
            totals[group] += seconds - (self.first[pid][1] if pid in self.first else 0.0)
        return totals

    def report(self) -> str:
        capacity = self.elapsed * (os.cpu_count() or 1)
        by_group = self.seconds_by_group()
        parts = [f"{group} {seconds / capacity:.0%}"
                 for group, seconds in by_group.items() if seconds > 0.01 * capacity]
        # The machine is shared: whatever is not ours (other engineers' test runs) shows here.
        parts.append(f"其他进程 {max(self.busy - sum(by_group.values()), 0) / capacity:.0%}")
        return (f"CPU（{os.cpu_count()} 核，{self.elapsed:.0f} s）：整机 {self.busy / capacity:.0%}；"
                + "，".join(parts))
