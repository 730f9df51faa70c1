"""The export time written into a master ledger's title rows, so that an import of that file can
tell which projects changed after it was exported ("文件已过时")."""
from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

EXPORT_STAMP_PREFIX = "导出时间："
_STAMP = re.compile(re.escape(EXPORT_STAMP_PREFIX) + r"\s*(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})")


def export_stamp(moment: dt.datetime | None = None) -> str:
    """The note row under the title: the export time to the second, in Asia/Shanghai."""
    local = timezone.localtime(moment or timezone.now())
    return f"{EXPORT_STAMP_PREFIX}{local:%Y-%m-%d %H:%M:%S}（导入时据此核对文件导出后项目是否被修改，请勿删除此行）"


def exported_at_read(title_lines: list[str]) -> dt.datetime | None:
    """The export time a file's title rows carry, or None (an older file, or one typed by hand)."""
    for line in title_lines:
        found = _STAMP.search(line or "")
        if found:
            naive = dt.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S")
            return timezone.make_aware(naive, timezone.get_current_timezone())
    return None
