"""Run a benchmark's build and measure steps once per size, each on a fresh SQLite file that is
deleted afterwards (the dispatch and outreach benchmarks share this loop)."""
from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path


def run_per_size(name: str, sizes: Iterable[int], build: Callable[[int], None],
                 measure: Callable[[int], None]) -> None:
    sizes = list(sizes)
    for size in sizes:
        path = Path(tempfile.gettempdir()) / f"yihong-bench-{name}-{size}.sqlite3"
        if path.exists():
            path.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        os.environ["YIHONG_VAR_DIR"] = str(Path(tempfile.gettempdir()) / f"yihong-bench-{name}-var")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        os.environ["DJANGO_DEBUG"] = "0"
        import django
        from django.conf import settings

        if not settings.configured or size == sizes[0]:
            django.setup()
        from django.core.management import call_command
        from django.db import connection

        connection.close()
        connection.settings_dict["NAME"] = str(path)
        call_command("migrate", verbosity=0, skip_checks=True)
        started = time.perf_counter()
        build(size)
        print(f"{size:>7} projects  built in {time.perf_counter() - started:.1f} s ({path})")
        measure(size)
        connection.close()
        path.unlink()
