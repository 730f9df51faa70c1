"""The issued notices' stored PDFs checked against the SHA-256 recorded when each was issued.

An issued notice is evidence (issue 8, "Record"): its PDF must be the bytes that were signed.
This module only reads; `manage.py verify_notices` prints what it finds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.storage import default_storage

from notices.models import EDITABLE_STATES, Notice, NoticeState

CHUNK_BYTES = 1024 * 1024


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
