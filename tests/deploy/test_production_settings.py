"""Production settings: `check --deploy` is clean, secrets come only from the environment, logs are JSON."""
from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

from config.json_logging import JsonFormatter
from tests.deploy.topology import fonts_prepare

PROJECT = Path(__file__).resolve().parents[2]


def production_environment(**overrides: str) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "REDIS_URL"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="yihong.linfen.example.gov.cn",
        DATABASE_URL="postgres://yihong:secret@127.0.0.1:5432/yihong",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    environment.update(overrides)
    return {key: value for key, value in environment.items() if value != ""}


def manage(*arguments: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=PROJECT, env=environment,
        capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_prints_no_warnings():
    # given: a server as installed (the free faces prepared, as the image and README do)
    environment = production_environment()
    fonts_prepare(environment)

    # when
    result = manage("check", "--deploy", "--fail-level", "WARNING", environment=environment)

    # then
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "security.W" not in output
    assert "System check identified no issues" in output


def test_check_deploy_fails_when_required_official_fonts_are_missing():
    # given: the office said it installed the official faces, but this machine has none
    environment = production_environment(YIHONG_OFFICIAL_FONTS_REQUIRED="true")
    fonts_prepare(environment)

    # when
    result = manage("check", "--deploy", "--fail-level", "WARNING", environment=environment)

    # then
    assert result.returncode != 0
    assert "notices.W002" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    # given
    environment = production_environment(DJANGO_SECRET_KEY="")

    # when
    result = manage("check", environment=environment)

    # then
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr and "生产环境必须设置环境变量" in result.stderr


def test_production_refuses_a_short_secret_key():
    # given
    environment = production_environment(DJANGO_SECRET_KEY="short-key")

    # when
    result = manage("check", environment=environment)

    # then
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY 太弱" in result.stderr


def test_production_refuses_sqlite():
    # given
    environment = production_environment(DATABASE_URL="sqlite:////tmp/yihong.sqlite3")

    # when
    result = manage("check", environment=environment)

    # then
    assert result.returncode != 0
    assert "必须指向 PostgreSQL" in result.stderr


def test_production_refuses_to_run_tasks_in_process_without_a_broker():
    # given
    environment = production_environment(CELERY_BROKER_URL="")

    # when
    result = manage("check", environment=environment)

    # then
    assert result.returncode != 0
    assert "CELERY_BROKER_URL" in result.stderr


def test_production_accepts_redis_url_as_the_broker():
    # given
    environment = production_environment(CELERY_BROKER_URL="", REDIS_URL="redis://127.0.0.1:6379/3")

    # when
    result = manage(
        "shell", "-c",
        "from django.conf import settings; "
        "print(settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER)",
        environment=environment,
    )

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["redis://127.0.0.1:6379/3", "False"]


def test_production_logs_are_one_json_object_per_line():
    # given: a logger configured exactly as production configures it
    environment = production_environment(LOG_LEVEL="INFO")
    program = (
        "import logging; log = logging.getLogger('notices.delivery'); "
        "log.info('已发送 %s 封预警函', 18, extra={'unit': '侯马市', 'period': '2025-09'}); "
        "log.warning('second line')"
    )

    # when
    result = manage("shell", "-c", program, environment=environment)

    # then
    lines = [line for line in result.stderr.splitlines() if line.startswith("{")]
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in lines[-2:])
    assert first["message"] == "已发送 18 封预警函"
    assert first["level"] == "INFO" and first["logger"] == "notices.delivery"
    assert first["unit"] == "侯马市" and first["period"] == "2025-09"
    assert second["level"] == "WARNING"


def test_json_formatter_keeps_gunicorn_access_fields_and_exceptions():
    # given
    formatter = JsonFormatter()
    access = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(h)s %(r)s",
        ({"h": "10.0.0.7", "m": "GET", "U": "/healthz/", "q": "", "s": "200", "D": "1834", "B": "120",
          "a": "curl"},),
        None,
    )
    try:
        raise ValueError("金额格式错误")
    except ValueError:
        failure = logging.LogRecord("tracker", logging.ERROR, __file__, 1, "导入失败", (), sys.exc_info())

    # when
    access_entry = json.loads(formatter.format(access))
    failure_entry = json.loads(formatter.format(failure))

    # then
    assert access_entry["method"] == "GET" and access_entry["path"] == "/healthz/"
    assert access_entry["status"] == 200 and access_entry["duration_us"] == 1834
    assert "query" not in access_entry
    assert failure_entry["message"] == "导入失败"
    assert "ValueError: 金额格式错误" in failure_entry["exception"]
