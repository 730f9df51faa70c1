"""Settings shared by every environment.

Everything an operator may change comes from an environment variable with a safe
default, so that `make demo` runs on a fresh machine with no configuration at all
(SQLite under var/, Celery tasks in-process) and production only sets variables.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# Where the embedded defaults keep their files (SQLite, media, mail, logs).
VAR_DIR = Path(env("YIHONG_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-local-only-key-change-me-in-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
# Who may see DEBUG's technical pages (config.debug_guard): a developer on this machine only.
INTERNAL_IPS = ["127.0.0.1", "::1"]
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "import_export",
    "axes",
    "csp",
    # The apps, from the domain up: each imports only those listed before it (import-linter
    # contracts in pyproject.toml; tests/test_architecture.py runs them).
    "core",
    "offices",
    "tracker",
    "notices",
    "outreach",
    "dispatch",
    "ledgers",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    # DEBUG's technical pages only for a developer on this machine (INTERNAL_IPS); others get the
    # Chinese error pages. Does nothing when DEBUG is off.
    "config.debug_guard.DebugPagesForDevelopersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the first reader of the body (CSRF): an oversized upload is refused unread.
    "config.upload_limits.UploadSizeLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a lock-out into the Chinese lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite under var/ unless DATABASE_URL points elsewhere (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'yihong.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once when two requests write together, and take
    # the write lock at the start of each transaction so that two of them cannot deadlock.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The portfolio pages' cache (dashboard.cache): Redis when CACHE_URL is set, shared by
# every process; otherwise the memory of this process (the embedded default runs one process).
CACHE_URL = env("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
         "KEY_PREFIX": "yihong"}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "yihong"}
    )
}

# Login throttling (django-axes): 5 failures for one username from one address lock it for 15 minutes.
AUTHENTICATION_BACKENDS = [
    "core.auth_backends.ThrottledLoginBackend",
    "core.auth_backends.StaffModelBackend",
]
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "tracker.audit.logins.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False


def client_address_settings(proxy_count: int) -> dict:
    """Where the client's address is found with `proxy_count` reverse proxies in front of gunicorn.

    deploy/README.md puts nginx in front (one proxy): REMOTE_ADDR is then the proxy's, and each
    proxy appends the address it saw to X-Forwarded-For. The client is the entry the first proxy
    appended — `proxy_count - 1` places from the header's end; whatever stands further left was
    sent by the client itself and is ignored, so no one chooses the address they are throttled
    by. django-axes asks django-ipware (whose count is of the proxies *listed* in the header: the
    nearest one is REMOTE_ADDR, not listed), the audit log asks axes (tracker.audit.logins).
    0 (the embedded default, no proxy): REMOTE_ADDR.
    """
    if proxy_count <= 0:
        return {"AXES_IPWARE_META_PRECEDENCE_ORDER": ["REMOTE_ADDR"], "AXES_IPWARE_PROXY_COUNT": None}
    return {
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
        "AXES_IPWARE_PROXY_COUNT": proxy_count - 1,
        "AXES_IPWARE_PROXY_ORDER": "left-most",
        # Not strict: a chain longer than the proxies (the client sent its own header) is
        # accepted, and the address is still read from the trusted end.
        "IPWARE_STRICT": False,
    }


globals().update(client_address_settings(int(env("YIHONG_PROXY_COUNT", "0"))))

# Content-Security-Policy (django-csp): no inline scripts, nothing from other origins.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Django's admin and the chart library set style attributes; scripts stay strict.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}
X_FRAME_OPTIONS = "SAMEORIGIN"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# The pages' text is its own msgid (Chinese), collected by `manage.py makemessages -l zh_Hans` into
# locale/zh_Hans/LC_MESSAGES/django.po with empty msgstr: without a compiled catalogue Django shows
# the msgid, so nothing is compiled for the one language the office uses.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(VAR_DIR / "staticfiles")))

# Uploaded evidence, attachments and issued PDFs: outside the web root, served only
# through views that check permissions.
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"
# Uploads stream: a file above 2 MB goes to a temporary file, never into memory; at most 10
# files per request; a request body above YIHONG_UPLOAD_MAX_REQUEST_BYTES is refused before it
# is read (config.upload_limits) — the largest single file is an evidence file of 20 MB. The
# proxy's client_max_body_size (deploy/README.md) matches it.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10
YIHONG_UPLOAD_MAX_REQUEST_BYTES = int(env("YIHONG_UPLOAD_MAX_REQUEST_BYTES", str(25 * 1024 * 1024)))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Celery: with no broker configured, tasks run in-process (the embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", env("REDIS_URL", ""))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "yihong@linfen.example.gov.cn")

# Outreach: the site's absolute address for links in messages; the channels this
# deployment uses; each provider's endpoint (the tests and the demo point them at a local
# receiver). Secrets are never settings: endpoints name the environment variables holding them,
# and the SMS AccessKey is ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET.
YIHONG_SITE_URL = env("YIHONG_SITE_URL", "http://127.0.0.1:8000")
YIHONG_OUTREACH_CHANNELS = env_list("YIHONG_OUTREACH_CHANNELS", "email,wecom,dingtalk,sms")
YIHONG_OUTREACH_TIMEOUT = float(env("YIHONG_OUTREACH_TIMEOUT", "10"))
# Only production sends to the real providers; elsewhere only to 127.0.0.1 (the local receiver).
YIHONG_OUTREACH_LIVE = env_bool("YIHONG_OUTREACH_LIVE", False)
YIHONG_WECOM_WEBHOOK_URL = env("YIHONG_WECOM_WEBHOOK_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send")
YIHONG_DINGTALK_WEBHOOK_URL = env("YIHONG_DINGTALK_WEBHOOK_URL", "https://oapi.dingtalk.com/robot/send")
YIHONG_SMS_ENDPOINT = env("YIHONG_SMS_ENDPOINT", "dysmsapi.aliyuncs.com")
YIHONG_SMS_PROTOCOL = env("YIHONG_SMS_PROTOCOL", "https")
YIHONG_SMS_SIGN_NAME = env("YIHONG_SMS_SIGN_NAME", "")
# {message kind: approved template code}, e.g. {"ack_due": "SMS_123456789", …} (JSON).
YIHONG_SMS_TEMPLATES = json.loads(env("YIHONG_SMS_TEMPLATES", "{}") or "{}")
YIHONG_OUTREACH_SANDBOX_LOG = Path(env("YIHONG_OUTREACH_SANDBOX_LOG",
                                       str(VAR_DIR / "outreach-sandbox.jsonl")))

# /healthz/ shows its checks' details to staff signed in or to a probe sending this token in
# X-Health-Token (empty: staff only); anyone else learns only ok / not ok (config/health.py).
YIHONG_HEALTH_TOKEN = env("YIHONG_HEALTH_TOKEN", "")

# --- 一泓 domain settings -------------------------------------------------------
# The date the demo ledger's history runs up to (DOMAIN.md: 2025 is the closing year;
# by this date some projects are late, some stalled, some counties slow).
YIHONG_DEMO_DATE = env("YIHONG_DEMO_DATE", "2025-09-30")
YIHONG_OFFICE_NAME = "临汾市“一泓清水入黄河”生态保护工程专班办公室"

# Official documents (notices app). Font stack per role, official faces first (GB/T 9704:
# 仿宋 body, 小标宋 titles, 黑体/楷体 headings, 宋体 page numbers), then the free faces `manage.py prepare_fonts`
# subsets into YIHONG_FONT_DIR. `manage.py check` warns when only the free faces are found.
YIHONG_FONT_DIR = Path(env("YIHONG_FONT_DIR", str(VAR_DIR / "fonts")))
YIHONG_FONT_STACK = {
    "fangsong": ["仿宋_GB2312", "FangSong_GB2312", "FangSong", "仿宋", "Yihong FangSong"],
    "xiaobiaosong": ["方正小标宋简体", "FZXiaoBiaoSong-B05S", "方正小标宋_GBK", "Yihong XiaoBiaoSong"],
    "songti": ["SimSun", "宋体", "Songti SC", "Yihong SongTi"],
    "heiti": ["SimHei", "黑体", "Yihong HeiTi"],
    "kaiti": ["楷体_GB2312", "KaiTi_GB2312", "KaiTi", "楷体", "Yihong KaiTi"],
}
YIHONG_NOTICE_ISSUER = env("YIHONG_NOTICE_ISSUER", "临汾市“一泓清水入黄河”生态保护工程专班办公室")
YIHONG_NOTICE_PRINTER = env("YIHONG_NOTICE_PRINTER", "临汾市一泓清水入黄河工程专班办")
YIHONG_NOTICE_ATTACHMENT_MAX_BYTES = int(env("YIHONG_NOTICE_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
# 电子签章 (notices.sealing): the office's PKCS#12 (key + certificate chain) and its
# passphrase in production; unset, a demo CA and office certificate are made once under
# YIHONG_SIGNING_DIR and the seal is marked 演示. YIHONG_SIGNING_TRUST_ROOTS: PEM file(s) of the
# CA that verify_notices and the recipient's page trust (default: the demo CA).
YIHONG_SIGNING_PKCS12 = env("YIHONG_SIGNING_PKCS12", "")
YIHONG_SIGNING_PASSPHRASE = env("YIHONG_SIGNING_PASSPHRASE", "")
YIHONG_SIGNING_TRUST_ROOTS = env("YIHONG_SIGNING_TRUST_ROOTS", "")
YIHONG_SIGNING_DIR = Path(env("YIHONG_SIGNING_DIR") or str(VAR_DIR / "signing"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}
