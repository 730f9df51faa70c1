"""Production settings: PostgreSQL, Redis, secrets from the environment only, JSON logs.

The process refuses to start when a required variable is missing instead of falling back to a
development default: a production server on SQLite, with eager Celery tasks or with the public
development key would look as if it worked and lose data or letters later. Every variable is
documented in deploy/.env.example.
"""
from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from config.json_logging import json_logging_config

from .base import *  # noqa: F403
from .base import DATABASES, client_address_settings, env, env_bool, env_list


def _required(name: str, *, alternative: str | None = None) -> str:
    value = os.environ.get(name, "").strip()
    if not value and alternative:
        value = os.environ.get(alternative, "").strip()
    if not value:
        either = f"{name}（或 {alternative}）" if alternative else name
        raise ImproperlyConfigured(f"生产环境必须设置环境变量 {either}，见 deploy/.env.example")
    return value


DEBUG = False

SECRET_KEY = _required("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY 太弱：至少 50 个字符、5 种以上不同字符；可用 "
        "`python -c 'import secrets; print(secrets.token_urlsafe(64))'` 生成"
    )

# The public host names, plus the loopback names that the container and systemd health probes use.
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS") + env_list("YIHONG_HEALTH_PROBE_HOSTS",
                                                            "127.0.0.1,localhost")
if not env_list("DJANGO_ALLOWED_HOSTS"):
    _required("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# PostgreSQL only: the concurrency guarantees (row locks, one report per project and week) are
# tested there; SQLite serialises every writer and is for the demo.
_required("DATABASE_URL")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("生产环境的 DATABASE_URL 必须指向 PostgreSQL（postgres://…）")
DATABASES["default"]["CONN_MAX_AGE"] = int(env("DB_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Without a broker, base.py runs tasks in-process; in production that would make a web request
# render 10,000 letters, so a broker is required.
CELERY_BROKER_URL = _required("CELERY_BROKER_URL", alternative="REDIS_URL")
# Every gunicorn worker must see the same cached dashboard figures and the same data version
# (dashboard.cache): Redis, the broker's unless CACHE_URL names another database.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", CELERY_BROKER_URL),
        "KEY_PREFIX": "yihong",
    }
}
# Sessions read from Redis, written through to PostgreSQL: one database round trip less per page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task enqueued but not acknowledged before a worker dies comes back after this many seconds
# (longer than the longest task, CELERY_TASK_TIME_LIMIT, so a slow task is not run twice).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "3600"))}
# Let Django's LOGGING (JSON) format the worker's and beat's logs instead of Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# HTTPS is terminated by the reverse proxy in front (nginx, the city's gateway), which must set
# X-Forwarded-Proto; the health probe comes over plain HTTP from inside and is not redirected.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
SESSION_COOKIE_HTTPONLY = True
# base.py keeps X_FRAME_OPTIONS = SAMEORIGIN (and CSP frame-ancestors 'self') on purpose: issued
# letters are previewed as PDFs in a frame of the same site. Other sites still cannot frame it.
SILENCED_SYSTEM_CHECKS = ["security.W019"]
# The official faces (仿宋_GB2312, 方正小标宋 …) are licensed and cannot ship in the image; the
# free faces are the documented default. An office that installs the official ones sets
# YIHONG_OFFICIAL_FONTS_REQUIRED=true, and `check --deploy` then fails until they are found.
# (notices.W001, free faces not prepared, is never silenced.)
if not env_bool("YIHONG_OFFICIAL_FONTS_REQUIRED", False):
    SILENCED_SYSTEM_CHECKS.append("notices.W002")
# Behind a proxy the client address is the proxy's; django-axes must throttle the real one
# (base.client_address_settings; deploy/README.md: nginx in front, one proxy).
globals().update(client_address_settings(int(env("YIHONG_PROXY_COUNT", "1"))))

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# Outreach sends to the real 企业微信/钉钉/短信 endpoints (base: only to 127.0.0.1).
YIHONG_OUTREACH_LIVE = env_bool("YIHONG_OUTREACH_LIVE", True)
SERVER_EMAIL = env("SERVER_EMAIL", env("DEFAULT_FROM_EMAIL", "yihong@linfen.example.gov.cn"))
ADMINS = [(address, address) for address in env_list("DJANGO_ADMINS")]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Static files are hashed by collectstatic: cache them for a year.
WHITENOISE_MAX_AGE = 365 * 24 * 3600

LOGGING = json_logging_config(level=env("LOG_LEVEL", "INFO"))
