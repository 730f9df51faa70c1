"""The health endpoint (/healthz/) for load balancers, `docker compose` and systemd watchdogs.

It answers 200 with a JSON body when the database answers, the broker answers (when one is
configured; without one Celery runs in-process and there is nothing to reach) and the media
directory is writable; otherwise 503. It needs no login: an anonymous caller learns only ok or
not ok (no media path, no versions); staff signed in, or a probe sending the
`X-Health-Token` header equal to YIHONG_HEALTH_TOKEN, get the failing parts and each check's
detail. The full error goes to the log, only its kind to the response.
"""
from __future__ import annotations

import logging
import secrets
import tempfile
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# A probe must answer quickly even when a dependency hangs: the orchestrator's own timeout is ~5 s.
BROKER_TIMEOUT_SECONDS = 2.0


def database_check() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def broker_check() -> str:
    url = settings.CELERY_BROKER_URL
    if not url:
        return "未配置（任务在进程内执行）"
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        client = redis.Redis.from_url(
            url, socket_timeout=BROKER_TIMEOUT_SECONDS, socket_connect_timeout=BROKER_TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
        return "redis"
    from kombu import Connection

    with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return broker.transport_cls


def media_check() -> str:
    # Write and remove a real file: a read-only or full volume fails here, not at the next upload.
    with tempfile.NamedTemporaryFile(dir=settings.MEDIA_ROOT, prefix=".healthz-", delete=True) as probe:
        probe.write(b"ok")
        probe.flush()
    return str(settings.MEDIA_ROOT)


CHECKS: dict[str, tuple[str, Callable[[], str]]] = {
    "database": ("数据库", database_check),
    "broker": ("消息队列", broker_check),
    "media": ("媒体目录可写", media_check),
}


def health_report() -> tuple[bool, dict]:
    """Run every check; returns (all passed, per-check results)."""
    results: dict = {}
    for key, (label, check) in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
        except Exception as error:  # noqa: BLE001 - any failure of a dependency is a failed check
            logger.exception("health check failed: %s", key, extra={"check": key})
            results[key] = {"ok": False, "label": label, "error": type(error).__name__}
        else:
            results[key] = {"ok": True, "label": label, "detail": detail}
        results[key]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return all(result["ok"] for result in results.values()), results


def worker_heartbeat_age() -> dict | None:
    """When a worker last ran the beat heartbeat (core/heartbeat.py), or None."""
    from core.heartbeat import worker_heartbeat_last

    try:
        last = worker_heartbeat_last()
    except Exception:  # noqa: BLE001 - informational; the broker check already reported the broker
        logger.warning("worker heartbeat unreadable", exc_info=True)
        return None
    return None if last is None else {"seconds_ago": last["seconds_ago"], "worker": last["worker"]}


def may_see_details(request) -> bool:
    """Staff signed in, or a probe with the configured token (compared in constant time)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    token = getattr(settings, "YIHONG_HEALTH_TOKEN", "")
    sent = request.headers.get("X-Health-Token", "")
    return bool(token) and secrets.compare_digest(sent.encode(), token.encode())


@never_cache
@require_GET
def healthz(request):
    healthy, results = health_report()
    if not may_see_details(request):
        return JsonResponse({"status": "ok" if healthy else "error"}, status=200 if healthy else 503)
    failing = [key for key, result in results.items() if not result["ok"]]
    body = {
        "status": "ok" if healthy else "error",
        "message": "运行正常" if healthy else "以下部分不可用：" + "、".join(results[key]["label"] for key in failing),
        "failing": failing,
        "checks": results,
        # For information only: web stays in the load balancer while workers are being restarted.
        "worker_heartbeat": worker_heartbeat_age() if results["broker"]["ok"] else None,
    }
    return JsonResponse(body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})


# Mounted by config/urls.py as path("healthz/", include("config.health")).
urlpatterns = [path("", healthz, name="healthz")]
