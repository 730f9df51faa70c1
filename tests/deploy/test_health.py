"""/healthz/: 200 with JSON when the database, the broker and the media directory work; 503 naming the failure."""
from __future__ import annotations

import pytest


def test_health_is_ok_without_login_when_everything_works(client, db, settings, tmp_path):
    # given
    settings.MEDIA_ROOT = tmp_path

    # when
    response = client.get("/healthz/")

    # then
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "broker", "media"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")
    assert list(tmp_path.iterdir()) == [], "the probe file is removed"


def test_health_reports_an_unwritable_media_directory(client, db, settings, tmp_path):
    # given: a media root that does not exist (a volume that was not mounted)
    settings.MEDIA_ROOT = tmp_path / "not-mounted"

    # when
    response = client.get("/healthz/")

    # then
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["media"]
    assert body["checks"]["database"]["ok"] is True
    assert "媒体目录可写" in body["message"]


def test_health_reports_an_unreachable_broker(client, db, settings, tmp_path):
    # given: nothing listens on port 1
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    # when
    response = client.get("/healthz/")

    # then
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"]["error"] == "ConnectionError"
    assert "消息队列" in body["message"]


def test_health_reports_a_database_that_does_not_answer(client, db, settings, tmp_path, monkeypatch):
    # given: the database connection the probe uses refuses to open
    from django.db import OperationalError

    import config.health

    class RefusingConnection:
        vendor = "postgresql"

        def cursor(self):
            raise OperationalError("connection refused")

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(config.health, "connection", RefusingConnection())

    # when
    response = client.get("/healthz/")

    # then
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["error"] == "OperationalError"


@pytest.mark.redis
def test_health_pings_the_real_redis_broker(client, db, settings, tmp_path, redis_url):
    # given
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_BROKER_URL = redis_url

    # when
    response = client.get("/healthz/")

    # then
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["detail"] == "redis"


def test_health_refuses_other_methods(client, db):
    assert client.post("/healthz/").status_code == 405
