"""The Celery app as a test worker runs it: the project's app, with a private queue, a short
broker visibility timeout (so a killed worker's unacknowledged job comes back within seconds,
not the default hour) and, when asked, a pause after each rule firing is written so that a
test can kill the worker in the middle of a job. Test-only: never imported by the product."""

from __future__ import annotations

import os
import time

from celery.signals import worker_process_init

from config.celery_app import app

app.conf.task_default_queue = os.environ["YIHONG_TEST_QUEUE"]
app.conf.broker_transport_options = {
    "visibility_timeout": float(os.environ.get("YIHONG_TEST_VISIBILITY", "10"))
}

PAUSE = float(os.environ.get("YIHONG_TEST_PAUSE_AFTER_FIRING", "0"))


@worker_process_init.connect
def _pause_after_each_firing(**kwargs) -> None:
    if not PAUSE:
        return
    from django.db.models.signals import post_save

    from dispatch.models import RuleFiring

    def pause(sender, instance, created, **kw):
        if created:
            time.sleep(PAUSE)

    post_save.connect(pause, sender=RuleFiring, weak=False)
