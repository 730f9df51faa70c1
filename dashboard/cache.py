"""The read-side cache of the portfolio pages (dashboard, ledger lights): a version and its entries.

At 10,000 projects the dashboard costs about a second of CPU to compute and the same figures
are asked for by every user who opens it; 50 users at once would queue behind one another.
So the computed figures are kept in Django's cache (Redis in production, shared by every
gunicorn worker; in-process memory in the embedded defaults) under a key that carries the
portfolio's *data version*. Any write that can change what the pages show bumps the version:
every save or delete of the models they read (signals, connected in TrackerConfig.ready —
services, the admin and imports alike) and the bulk writes that bypass signals (the demo
loader and the ledger import call `portfolio_version_bump` themselves). An entry of an older
version is recomputed by the first request that finds it (the others, meanwhile, are served
the older figures rather than all computing the same ones: see portfolio_cached).

The bump happens at once (so the writer's own next read, and tests running inside one
transaction, see the change) and again on commit (so a reader that computed the old figures
while the writer's transaction was still open cannot leave them cached under the new version).
A short time-out bounds the damage of a write nobody announced (a hand-made SQL fix, a restore).
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "yihong:portfolio:version"
# Entries live at most this long even when no write bumps the version (see the docstring).
ENTRY_TIMEOUT_SECONDS = 300
# Each process also keeps the last few entries it used, so a hit costs no transfer from Redis
# (a dashboard entry at 10,000 projects is ~1 MB). Checked against the shared version every time.
LOCAL_ENTRIES = 8
# A process recomputing an entry holds its lock at most this long (it died, or took longer).
BUILD_LOCK_SECONDS = 60

_local: OrderedDict[str, tuple[float, int, Any]] = OrderedDict()
_local_lock = threading.Lock()


def portfolio_version() -> int | None:
    """The current data version; None when the cache cannot be reached (then nothing is cached)."""
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            # add() rather than set(): two processes starting together must agree on the number.
            cache.add(VERSION_KEY, 1, timeout=None)
            version = cache.get(VERSION_KEY, 1)
    except Exception:  # Redis down: the pages are slower, not wrong and not broken
        logger.warning("portfolio cache unreachable; computing the figures uncached", exc_info=True)
        return None
    return int(version)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # the key is missing (cache emptied or evicted): any new number will do
        cache.add(VERSION_KEY, int(time.time()), timeout=None)
    except Exception:
        # A write must not fail because the cache is down; entries age out (ENTRY_TIMEOUT_SECONDS).
        logger.error("portfolio cache unreachable; its version was not bumped", exc_info=True)


def portfolio_version_bump() -> None:
    """Announce that the portfolio changed: now, and again when the current transaction commits."""
    _bump()
    transaction.on_commit(_bump)


def portfolio_cached(parts: tuple, build: Callable[[], Any]) -> Any:
    """The entry for `parts` at the current data version, computed with `build()` when it is not.

    One process at a time recomputes an outdated entry; the others meanwhile get the entry of
    the previous version (stale for the second the computation takes) instead of all computing
    the same figures at once, which under load after every weekly report would starve the CPU.
    """
    version = portfolio_version()
    if version is None:
        return build()
    key = "yihong:portfolio:" + hashlib.sha1(repr(parts).encode()).hexdigest()
    now = time.monotonic()
    with _local_lock:
        held = _local.get(key)
        if held is not None and held[1] == version and now - held[0] < ENTRY_TIMEOUT_SECONDS:
            _local.move_to_end(key)
            return held[2]
    try:
        entry = cache.get(key)
    except Exception:  # Redis down: the pages are slower, not wrong and not broken
        logger.warning("portfolio cache unreachable; computing the figures uncached", exc_info=True)
        return build()
    if entry is not None and entry[0] == version:
        value = entry[1]
    else:
        lock = f"{key}:building"
        if entry is not None and not _cache_call(cache.add, lock, 1, timeout=BUILD_LOCK_SECONDS, failed=True):
            return entry[1]  # another process is computing this version's figures
        try:
            value = build()
            _cache_call(cache.set, key, (version, value), timeout=ENTRY_TIMEOUT_SECONDS)
        finally:
            if entry is not None:
                _cache_call(cache.delete, lock)
    with _local_lock:
        _local[key] = (now, version, value)
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)
    return value


def _cache_call(method: Callable, *args, failed: Any = None, **kwargs) -> Any:
    try:
        return method(*args, **kwargs)
    except Exception:
        logger.warning("portfolio cache unreachable", exc_info=True)
        return failed


def portfolio_cache_forget_local() -> None:
    """Drop this process's copies (tests empty the shared cache between cases)."""
    with _local_lock:
        _local.clear()


def _on_change(sender, **kwargs) -> None:
    instance = kwargs.get("instance")
    # Logins and other events about no project are audited too; they change no figure.
    if sender.__name__ == "AuditEvent" and instance is not None and instance.project_id is None:
        return
    portfolio_version_bump()


def _on_bulk_change(sender, **kwargs) -> None:
    portfolio_version_bump()


def connect_signals() -> None:
    """Bump the version on every save/delete of what the portfolio pages read."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from offices.models import OfficeSetting
    from tracker.models import (
        AdministrativeUnit,
        AuditEvent,
        Domain,
        MonitoringSection,
        Problem,
        Project,
        SectionReading,
        WeeklyReport,
    )
    from tracker.signals import portfolio_bulk_changed

    for model in (Project, WeeklyReport, AuditEvent, Problem, SectionReading, MonitoringSection,
                  AdministrativeUnit, Domain, OfficeSetting):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"portfolio_cache_{model.__name__}_save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"portfolio_cache_{model.__name__}_delete")
    m2m_changed.connect(_on_change, sender=MonitoringSection.projects.through,
                        dispatch_uid="portfolio_cache_section_projects")
    # Bulk writes send no model signal; their writers say so (tracker.signals).
    portfolio_bulk_changed.connect(_on_bulk_change, dispatch_uid="portfolio_cache_bulk")
