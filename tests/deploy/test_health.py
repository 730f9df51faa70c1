"""/healthz/: 200 with JSON when the database, the broker and the media directory work; 503 naming the failure
(to staff and to a probe with the token; anonymous callers learn only ok / not ok)."""
from __future__ import annotations

import pytest

TOKEN = "probe-token-for-tests"


@pytest.fixture(autouse=True)
def health_token(settings):
    settings.YIHONG_HEALTH_TOKEN = TOKEN


def _probe(client):
    return client.get("/healthz/", headers={"X-Health-Token": TOKEN})


def test_health_is_ok_without_login_when_everything_works(client, db, settings, tmp_path):
    # given
    settings.MEDIA_ROOT = tmp_path

    # when
    response = _probe(client)

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
    response = _probe(client)

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
    response = _probe(client)

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
    response = _probe(client)

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
    response = _probe(client)

    # then
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["detail"] == "redis"


def test_health_refuses_other_methods(client, db):
    assert client.post("/healthz/").status_code == 405


def test_health_tells_an_anonymous_caller_only_ok_without_the_media_path(client, db, settings, tmp_path):
    # given
    settings.MEDIA_ROOT = tmp_path / "secret-media-root"
    settings.MEDIA_ROOT.mkdir()

    # when: no session, no token (and a wrong token)
    plain = client.get("/healthz/")
    wrong = client.get("/healthz/", headers={"X-Health-Token": "guess"})

    # then
    assert plain.status_code == 200 and plain.json() == {"status": "ok"}
    assert wrong.json() == {"status": "ok"}
    assert "secret-media-root" not in plain.content.decode()


def test_health_tells_an_anonymous_caller_only_not_ok_when_a_part_fails(client, db, settings, tmp_path):
    # given: the media volume is not mounted
    settings.MEDIA_ROOT = tmp_path / "not-mounted"

    # when
    response = client.get("/healthz/")

    # then: 503 and nothing about which part
    assert response.status_code == 503 and response.json() == {"status": "error"}


def test_health_shows_details_to_staff_signed_in(client, db, settings, tmp_path):
    from tests.factories import UserFactory

    # given
    settings.MEDIA_ROOT = tmp_path
    staff = UserFactory(role="clerk")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)

    # when
    response = client.get("/healthz/", headers={"X-Health-Token": ""})

    # then
    assert response.json()["checks"]["media"]["detail"] == str(tmp_path)
