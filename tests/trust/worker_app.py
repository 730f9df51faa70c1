"""The test worker of tests/dispatch/worker_app.py, plus, when asked, a pause inside the
rendering of each letter (after WeasyPrint has produced it, before the issue commits) so that
a test can SIGKILL the worker in the middle of issuing. Test-only: never imported by the product."""

from __future__ import annotations

import os
import sys
import time

from celery.signals import worker_process_init

from tests.dispatch.worker_app import app

# Look for a killed worker's unacknowledged messages every second (kombu scans on every tenth
# look): the message comes back ~10 s after the visibility timeout instead of ~100 s.
app.conf.broker_transport_options = {**app.conf.broker_transport_options, "unacked_restore_interval": 1}

RENDER_PAUSE = float(os.environ.get("YIHONG_TEST_PAUSE_IN_RENDER", "0"))


@worker_process_init.connect
def _pause_in_each_render(**kwargs) -> None:
    if not RENDER_PAUSE:
        return
    from notices import rendering

    real_render = rendering.render_pdf

    def render_slowly(*args, **kw):
        pdf = real_render(*args, **kw)
        print(f"YIHONG-TEST rendered, pausing {RENDER_PAUSE}s", file=sys.stderr, flush=True)
        time.sleep(RENDER_PAUSE)
        return pdf

    rendering.render_pdf = render_slowly
