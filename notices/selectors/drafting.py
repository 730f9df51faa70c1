"""Reads for 拟稿 → 核稿 → 签发: the desk's rows, the letter's panel on its page.

The panel is added to the letter's page through notices.page_panels: the whole letter as HTML
(the very blocks notices.documents builds for the PDF), what this user may do with it now, the
versions and their diffs (office staff only), and the electronic signature's status.
"""

from __future__ import annotations

from django.utils import timezone

from core.workdays import working_days_after
from notices import page_panels, sealing
from notices.models import Notice, NoticeState
from notices.services import hand_drafting, signoff
from notices.services.issuing import document_for, signer_name
from offices.selectors import document_kind_setting
from tracker import permissions


def _rule_and_period(notice: Notice) -> str:
    """The calendar's rule and period (from its natural key `dispatch:rule:subject:period`), or 手工拟稿."""
    if not notice.source_key:
        return "手工拟稿"
    parts = notice.source_key.split(":")
    if parts[0] == "dispatch" and len(parts) >= 4:
        return f"规则{parts[1]} · {parts[3]}"
    period = notice.period_start.isoformat() if notice.period_start else ""
    return f"{parts[0]} {period}".strip()


def _row(notice: Notice, user, today) -> dict:
    waiting_since = timezone.localdate(notice.updated_at)
    try:
        days = working_days_after(waiting_since, today)
    except Exception:  # noqa: BLE001 - a calendar outside the known years: count plain days
        days = (today - waiting_since).days
    units = [u.name for u in notice.recipient_units.all()] + [
        d.name for d in notice.recipient_departments.all()
    ]
    return {
        "notice": notice,
        "recipients": "、".join(units) or notice.main_recipients,
        "projects": [f"{p.code} {p.name}" for p in notice.projects.all()]
        or [
            f"{i.get('project_code', '')} {i.get('project_name', '')}".strip()
            for i in (notice.context or {}).get("items") or []
        ],
        "rule": _rule_and_period(notice),
        "drafter": _name(notice.created_by) if notice.created_by_id else "系统（日历）",
        "days_waiting": days,
        "opened": signoff.opened_by(notice, user),
    }


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def desk_rows(*, user) -> dict:
    today = timezone.localdate()
    queryset = (
        Notice.objects.filter(
            state__in=[NoticeState.DRAFT, NoticeState.PENDING_REVIEW, NoticeState.PENDING_SIGNOFF]
        )
        .select_related("created_by")
        .prefetch_related("recipient_units", "recipient_departments", "projects", "versions")
        .order_by("updated_at")
    )
    rows: dict[str, list[dict]] = {"drafts": [], "reviews": [], "signoffs": []}
    key = {
        NoticeState.DRAFT: "drafts",
        NoticeState.PENDING_REVIEW: "reviews",
        NoticeState.PENDING_SIGNOFF: "signoffs",
    }
    for notice in queryset[:500]:
        rows[key[notice.state]].append(_row(notice, user, today))
    return rows


def letter_document(notice: Notice) -> dict:
    """The letter as its PDF says it: the issued number and date, or the draft's (no number, today)."""
    issued_on = notice.issued_on if notice.is_issued else None
    return document_for(notice, number=notice.number, issued_on=issued_on or timezone.localdate())


def signature_status(notice: Notice) -> dict | None:
    """电子签章有效 · 签发人 · 时间, or why not; None for a letter not issued."""
    if not notice.is_issued or not notice.pdf:
        return None
    try:
        with notice.pdf.open("rb") as handle:
            check = sealing.pdf_signature_check(handle.read())
    except (FileNotFoundError, ValueError, OSError):
        check = sealing.SignatureCheck(False, "文件缺失")
    # The same 签发人 the PDF prints and its signature states (issuing.signer_name): for a kind the
    # leader set to issue automatically, the leader — not the clerk whose step issued it.
    automatic = not (notice.signed_by_id and permissions.is_office_leader(notice.signed_by))
    signer = (signer_name(notice) or "专班办") + ("（自动签发）" if automatic else "")
    return {
        "valid": check.valid,
        "reason": check.reason,
        "signer": signer,
        "signed_at": timezone.localtime(check.signed_at) if check.signed_at else notice.issued_at,
        "holder": check.signer,
        "demo": check.demo,
    }


@page_panels.register
def letter_panel(*, notice: Notice, user) -> dict:
    """What the letter's page shows of 拟稿/核稿/签发 and the signature; marks the leader's reading."""
    staff = permissions.is_office_staff(user)
    leader = permissions.is_office_leader(user)
    if leader:
        signoff.notice_opened_for_signoff(notice=notice, acting_user=user)
    editable = notice.state in (NoticeState.DRAFT, NoticeState.PENDING_REVIEW, NoticeState.PENDING_SIGNOFF)
    setting = document_kind_setting(notice.kind)
    return {
        "letter": letter_document(notice),
        "letter_files": list(notice.files.all()),
        "signature": signature_status(notice),
        "flow": {
            "staff": staff,
            "leader": leader,
            "may_edit": staff and editable and notice.number_sequence is None,
            "may_submit": staff and notice.state == NoticeState.DRAFT,
            "submit_label": "送核稿" if setting.review_required else "送领导签发",
            "may_review": staff
            and notice.state == NoticeState.PENDING_REVIEW
            and user.pk not in signoff.drafter_ids(notice),
            "review_blocked_for_drafter": staff
            and notice.state == NoticeState.PENDING_REVIEW
            and user.pk in signoff.drafter_ids(notice),
            "may_sign": leader and notice.state == NoticeState.PENDING_SIGNOFF,
            "default_opinion": signoff.DEFAULT_SIGN_OPINION,
            "versions": hand_drafting.version_diffs(notice) if staff else [],
            "drafter": _name(notice.created_by) if notice.created_by_id else "系统（日历）",
            "reviewer": _name(notice.reviewed_by) if notice.reviewed_by_id else "",
            "signer": _name(notice.signed_by) if notice.signed_by_id else "",
        },
    }
