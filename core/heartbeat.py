"""A heartbeat that proves the whole chain beat → broker → worker is alive.

Beat sends `core.worker_heartbeat` every YIHONG_HEARTBEAT_SECONDS (default 5 minutes;
the entry is in dispatch/schedule.py with every other);
whichever worker takes it writes the time into the broker's Redis. /healthz/ reports how long ago
that was (for information: a stopped worker must not make the load balancer take the web down),
and the topology test sends one by hand to see a worker run it.
"""
from __future__ import annotations

import socket
import time

from celery import shared_task
from django.conf import settings

# One hash per sender ("beat", or a probe's name), so that a probe never hides beat's last beat.
HEARTBEAT_KEY = "yihong:worker-heartbeat:{source}"


def _redis_broker():
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, decode_responses=True)


@shared_task(name="core.worker_heartbeat", ignore_result=True, time_limit=30, soft_time_limit=20)
def worker_heartbeat(source: str = "beat", token: str = "") -> None:
    """Record that a worker ran this task, which `source` (beat or a probe) sent with `token`."""
    client = _redis_broker()
    if client is None:  # in-process tasks (no broker): there is no separate worker to watch
        return
    try:
        client.hset(
            HEARTBEAT_KEY.format(source=source),
            mapping={"ran_at": f"{time.time():.3f}", "source": source, "token": token,
                     "worker": socket.gethostname()},
        )
    finally:
        client.close()


def worker_heartbeat_last(*, source: str = "beat") -> dict | None:
    """The last heartbeat from `source` a worker recorded, with its age in seconds; None if none."""
    client = _redis_broker()
    if client is None:
        return None
    try:
        beat = client.hgetall(HEARTBEAT_KEY.format(source=source))
    finally:
        client.close()
    if not beat:
        return None
    return {**beat, "seconds_ago": round(time.time() - float(beat["ran_at"]), 1)}
