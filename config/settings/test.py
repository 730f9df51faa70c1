"""Test settings: fast hashing, in-memory mail, media in a temporary folder."""
import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="yihong-test-media-"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory, so that threads in concurrency tests lock like real
    # clients do; one file per process so that parallel runs never share it.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"yihong-test-{os.getpid()}.sqlite3")
    }
elif "TEST" not in DATABASES["default"]:  # noqa: F405
    # One test database per process, so that two runs on one server never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_yihong_{os.getpid()}"}  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = True
# Process memory, never a shared Redis: tests empty the cache between cases (tests/conftest.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "yihong-test"}}
CELERY_BROKER_URL = ""
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
