"""The issued notices' stored PDFs checked against the SHA-256 recorded when each was issued.

An issued notice is evidence (issue 8, "Record"): its PDF must be the bytes that were signed.
Also found: orphan PDFs, written by an issue whose transaction then rolled back (the file is
written before the commit so that no issued notice lacks its PDF; a rollback of an outer
transaction cannot remove it). They are harmless and unreferenced; the report lists them so an
administrator may delete them. This module only reads; `manage.py verify_notices` prints it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.utils import timezone

from notices.models import EDITABLE_STATES, Notice, NoticeState

CHUNK_BYTES = 1024 * 1024
NOTICE_PDF_FOLDER = "notices"
# A PDF younger than this may belong to an issue still committing: not called an orphan yet.
ORPHAN_MIN_AGE = dt.timedelta(minutes=15)


class IntegrityProblemKind:
    MISSING = "missing"
    TAMPERED = "tampered"
    UNRECORDED = "unrecorded"


@dataclass(frozen=True)
class IntegrityProblem:
    """One issued notice whose stored PDF is not the one that was issued."""

    notice_id: int
    number: str
    kind: str  # IntegrityProblemKind
    pdf_name: str
    expected_sha256: str
    actual_sha256: str = ""

    def __str__(self) -> str:
        label = f"{self.number or '（未编号）'}（公文ID {self.notice_id}）"
        if self.kind == IntegrityProblemKind.MISSING:
            return f"{label}：PDF文件缺失（{self.pdf_name or '未记录文件名'}）"
        if self.kind == IntegrityProblemKind.UNRECORDED:
            return f"{label}：签发时未记录SHA-256，无法校验"
        return (
            f"{label}：PDF文件已被篡改（{self.pdf_name}），"
            f"签发时SHA-256为{self.expected_sha256}，现为{self.actual_sha256}"
        )


@dataclass(frozen=True)
class IntegrityReport:
    checked: int
    problems: list[IntegrityProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha256_of(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def issued_notices() -> Iterator[Notice]:
    """Every notice that has been issued (numbered), whatever its later life-cycle position."""
    return (
        Notice.objects.exclude(state__in=[*EDITABLE_STATES, NoticeState.VOIDED])
        .only("pk", "number", "pdf", "sha256", "state")
        .order_by("pk")
        .iterator(chunk_size=500)
    )


def notice_pdfs_verify() -> IntegrityReport:
    """Hash every issued notice's stored PDF and compare it with the SHA-256 recorded at issue."""
    checked = 0
    problems: list[IntegrityProblem] = []
    for notice in issued_notices():
        checked += 1
        name = notice.pdf.name or ""
        base = {
            "notice_id": notice.pk,
            "number": notice.number or "",
            "pdf_name": name,
            "expected_sha256": notice.sha256,
        }
        if not notice.sha256:
            problems.append(IntegrityProblem(kind=IntegrityProblemKind.UNRECORDED, **base))
            continue
        try:
            actual = _sha256_of(name) if name else None
        except (FileNotFoundError, IsADirectoryError):
            actual = None
        if actual is None:
            problems.append(IntegrityProblem(kind=IntegrityProblemKind.MISSING, **base))
        elif actual != notice.sha256:
            problems.append(
                IntegrityProblem(kind=IntegrityProblemKind.TAMPERED, actual_sha256=actual, **base)
            )
    return IntegrityReport(checked=checked, problems=problems)


def _stored_files(folder: str) -> Iterator[str]:
    try:
        subfolders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for subfolder in subfolders:
        yield from _stored_files(f"{folder}/{subfolder}")


def orphan_pdfs(*, now: dt.datetime | None = None) -> list[str]:
    """Stored notice PDFs that no notice references, older than ORPHAN_MIN_AGE, sorted."""
    now = now or timezone.now()
    referenced = set(Notice.objects.exclude(pdf="").values_list("pdf", flat=True))
    return sorted(
        name for name in _stored_files(NOTICE_PDF_FOLDER)
        if name.endswith(".pdf") and name not in referenced
        and default_storage.get_modified_time(name) <= now - ORPHAN_MIN_AGE
    )
