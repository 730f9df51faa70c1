"""One JSON object per log line, for production (journald, `docker compose logs`, a log shipper).

Every line carries the same keys (time, level, logger, message, process) so that the logs of
gunicorn, the Celery workers and beat can be searched together; records from Django's request
logger and gunicorn's access logger add the request's method, path, status and duration.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os

# Attributes every LogRecord has; anything else was passed with `extra=` and is kept.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {
    "message",
    "asctime",
    "taskName",
}

# gunicorn's access logger passes its "atoms" as the record's args; these are the ones worth keeping.
_GUNICORN_ACCESS_ATOMS = {
    "h": "remote_addr",
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "response_bytes",
    "D": "duration_us",
    "a": "user_agent",
}


def _plain(value):
    """A JSON-safe form of an `extra=` value (requests, users and the like become their str)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


class JsonFormatter(logging.Formatter):
    """Formats a record as a single-line JSON object (UTF-8 text kept readable, not escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process or os.getpid(),
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            entry["message"] = "request"
            for atom, key in _GUNICORN_ACCESS_ATOMS.items():
                value = record.args.get(atom)
                if value is not None and value not in ("-", ""):
                    numeric = key in {"status", "duration_us"} and str(value).isdigit()
                    entry[key] = int(value) if numeric else value
        else:
            entry["message"] = record.getMessage()
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry["method"] = getattr(request, "method", None)
            entry["path"] = request.path
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and key not in entry and key != "request":
                entry[key] = _plain(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def json_logging_config(*, level: str) -> dict:
    """The LOGGING dict for production: everything to stderr as JSON lines."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "config.json_logging.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own request/server loggers propagate to root; keep their level.
            "django": {"level": level, "propagate": True},
            "celery": {"level": level, "propagate": True},
            "weasyprint": {"level": "ERROR"},
            "fontTools": {"level": "ERROR"},
        },
    }
