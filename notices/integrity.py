"""The issued notices' stored PDFs checked against the SHA-256 recorded when each was issued.

An issued notice is evidence: its PDF must be the bytes that were signed.
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
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from core.actors import SYSTEM
from notices import mail, sealing
from notices.models import EDITABLE_STATES, Notice, NoticeState
from tracker.audit.records import audit_record
from tracker.choices import AuditAction, Role

CHUNK_BYTES = 1024 * 1024
NOTICE_PDF_FOLDER = "notices"
# A PDF younger than this may belong to an issue still committing: not called an orphan yet.
ORPHAN_MIN_AGE = dt.timedelta(minutes=15)


class IntegrityProblemKind:
    MISSING = "missing"
    TAMPERED = "tampered"
    UNRECORDED = "unrecorded"
    SIGNATURE = "signature"  # the hash matches but the 电子签章 does not validate


@dataclass(frozen=True)
class IntegrityProblem:
    """One issued notice whose stored PDF is not the one that was issued."""

    notice_id: int
    number: str
    kind: str  # IntegrityProblemKind
    pdf_name: str
    expected_sha256: str
    actual_sha256: str = ""
    detail: str = ""

    def __str__(self) -> str:
        label = f"{self.number or '（未编号）'}（公文ID {self.notice_id}）"
        if self.kind == IntegrityProblemKind.SIGNATURE:
            return f"{label}：电子签章校验未通过（{self.detail}）"
        if self.kind == IntegrityProblemKind.MISSING:
            return f"{label}：PDF文件缺失（{self.pdf_name or '未记录文件名'}）"
        if self.kind == IntegrityProblemKind.UNRECORDED:
            return f"{label}：签发时未记录SHA-256，无法校验"
        return (
            f"{label}：PDF文件已被篡改（{self.pdf_name}），"
            f"签发时SHA-256为{self.expected_sha256}，现为{self.actual_sha256}"
        )


class _IssuedFile(TypedDict):
    """What every IntegrityProblem of a notice says about it."""

    notice_id: int
    number: str
    pdf_name: str
    expected_sha256: str


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
        base: _IssuedFile = {
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
        else:
            with default_storage.open(name, "rb") as handle:
                signature = sealing.pdf_signature_check(handle.read())
            if not signature.valid:
                problems.append(
                    IntegrityProblem(kind=IntegrityProblemKind.SIGNATURE, detail=signature.reason, **base))
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


class IssuedPdfRefused(ValidationError):
    """An issued notice's PDF that may not go out: missing, unrecorded, or not the issued bytes."""

    def __init__(self, message: str, *, problem: IntegrityProblem):
        super().__init__(message)
        self.problem = problem


def _problem_of(notice: Notice) -> tuple[IntegrityProblem | None, bytes]:
    base: _IssuedFile = {"notice_id": notice.pk, "number": notice.number or "",
                         "pdf_name": notice.pdf.name or "",
            "expected_sha256": notice.sha256}
    if not notice.sha256:
        return IntegrityProblem(kind=IntegrityProblemKind.UNRECORDED, **base), b""
    try:
        with default_storage.open(notice.pdf.name, "rb") as handle:
            content = handle.read()
    except (FileNotFoundError, IsADirectoryError, ValueError):
        return IntegrityProblem(kind=IntegrityProblemKind.MISSING, **base), b""
    actual = hashlib.sha256(content).hexdigest()
    if actual != notice.sha256:
        return IntegrityProblem(kind=IntegrityProblemKind.TAMPERED, actual_sha256=actual, **base), b""
    signature = sealing.pdf_signature_check(content)
    if not signature.valid:
        return IntegrityProblem(kind=IntegrityProblemKind.SIGNATURE, detail=signature.reason, **base), b""
    return None, content


def _office_leaders_alert(problem: IntegrityProblem, *, purpose: str, acting_user) -> None:
    """Tell the office leaders by e-mail; a mail outage must not hide the refusal itself."""
    from django.contrib.auth import get_user_model

    addresses = sorted(
        get_user_model().objects.filter(is_active=True, staff_profile__role=Role.OFFICE_LEADER)
        .exclude(email="").values_list("email", flat=True)
    )
    if not addresses:
        return
    who = getattr(acting_user, "username", "") or "系统"
    try:
        mail.plain_email_send(
            recipients=addresses,
            subject=f"【一泓】公文文件校验未通过：{problem.number or problem.notice_id}",
            body=(f"{problem}。\n\n{purpose}时（操作人：{who}）系统校验发现该公文的PDF文件与签发时不一致，"
                  "已拒绝提供该文件。请联系系统管理员从备份恢复原文件，并核查文件被改动的原因；"
                  "可运行 manage.py verify_notices 检查全部已签发公文。"),
        )
    except Exception:  # noqa: BLE001 - the audit row and the refusal stand; the log has the error
        import logging

        logging.getLogger(__name__).exception("公文文件校验告警邮件发送失败")


def issued_pdf_check(notice: Notice, *, acting_user=SYSTEM, purpose: str = "下载") -> bytes:
    """The issued PDF's bytes, once they are proven to be the bytes that were issued.

    THE gate of every path that serves an issued PDF — the download and the inline view
    (notices.views.letters.notice_pdf), the e-mail and its re-sends (notices.services.delivery, the
    outreach e-mail channel). It compares the SHA-256 recorded at issue with the stored file
    (the check `manage.py verify_notices` runs over all of them) and on a mismatch refuses with
    a Chinese message (IssuedPdfRefused), writes an audit row and e-mails the office leaders.
    The electronic signature is checked here too, so that there stays one gate.
    """
    problem, content = _problem_of(notice)
    if problem is None:
        return content
    audit_record(
        action=AuditAction.NOTICE, acting_user=acting_user, object_type="notice", object_id=notice.pk,
        to_state=notice.state, reason=str(problem),
        data={"notice_id": notice.pk, "transition": "pdf_refused", "number": notice.number or "",
              "problem": problem.kind, "purpose": purpose, "expected_sha256": problem.expected_sha256,
              "actual_sha256": problem.actual_sha256},
    )
    _office_leaders_alert(problem, purpose=purpose, acting_user=acting_user)
    raise IssuedPdfRefused(
        f"公文{notice.number or ''}的PDF文件未通过校验（{_refusal_reason(problem.kind)}），为防止发出被改动的公文，"
        "系统已拒绝提供该文件，并已通知专班办领导。请联系系统管理员恢复原文件。",
        problem=problem,
    )


def _refusal_reason(kind: str) -> str:
    return {
        IntegrityProblemKind.MISSING: "文件缺失",
        IntegrityProblemKind.UNRECORDED: "签发时未记录校验值",
        IntegrityProblemKind.SIGNATURE: "电子签章校验未通过",
    }.get(kind, "文件与签发时不一致，已被改动")
