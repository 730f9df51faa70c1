"""gunicorn settings for 一泓 (used by the Docker image, the systemd unit and the topology test).

Every value can be overridden from the environment (GUNICORN_*), see deploy/.env.example.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Pages are short database reads; two sync workers per core keeps the CPU busy while one waits.
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Ledger exports and PDF previews may take a while; anything longer belongs in a Celery task.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then so that a slow leak in a library cannot grow forever.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# /dev/shm: the heartbeat files of workers must not sit on a slow or read-only disk.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# The same JSON lines as Django's and Celery's logs (config/json_logging.py).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.json_logging.JsonFormatter"}},
    "handlers": {
        "error_console": {"class": "logging.StreamHandler", "formatter": "json",
                          "stream": "ext://sys.stderr"},
        "access_console": {"class": "logging.StreamHandler", "formatter": "json",
                           "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["error_console"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["access_console"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["error_console"], "level": loglevel.upper()},
}
