"""Pages of the notices app: thin — parse input, call one service or selector, render."""
from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from notices import page_panels, selectors, services
from notices.integrity import IssuedPdfRefused, issued_pdf_check
from notices.models import NoticeKind
from tracker import permissions
from tracker.choices import Role


def _error_text(error: ValidationError) -> str:
    return "；".join(error.messages)


@login_required
@require_GET
def notice_list(request):
    if not permissions.is_office_staff(request.user) and permissions.role_of(request.user) != "city_leader":
        return redirect("notices:inbox")
    kind = request.GET.get("kind") or None
    return render(request, "notices/notice_list.html", {
        "notices": selectors.notice_list(user=request.user, kind=kind)[:300],
        "signoff_queue": selectors.signoff_queue(user=request.user),
        "review_queue": selectors.review_queue(user=request.user),
        "kinds": NoticeKind.choices,
        "kind": kind,
    })


@login_required
@require_GET
def inbox(request):
    entries = selectors.inbox_for(user=request.user)
    status = request.GET.get("filter", "")
    filters = {"unread": "unread", "ack": "awaiting_acknowledgement", "answer": "awaiting_answer",
               "overdue": "overdue"}
    counts = {"all": len(entries),
              **{key: sum(1 for e in entries if getattr(e, flag)) for key, flag in filters.items()}}
    if status in filters:
        entries = [e for e in entries if getattr(e, filters[status])]
    links = [("", "全部", counts["all"]), ("unread", "未读", counts["unread"]), ("ack", "待签收", counts["ack"]),
             ("answer", "待反馈", counts["answer"]), ("overdue", "已逾期", counts["overdue"])]
    return render(request, "notices/inbox.html", {
        "entries": entries, "filter": status, "counts": counts, "filter_links": links,
        "user_reads_only": permissions.role_of(request.user) == Role.CITY_LEADER,
    })


@login_required
@require_GET
def notice_detail(request, notice_id: int):
    notice = selectors.notice_get(user=request.user, notice_id=notice_id)
    delivery = services.recipient_delivery_for(notice=notice, user=request.user)
    services.notice_mark_read(notice_id=notice.pk, acting_user=request.user)
    return render(request, "notices/notice_detail.html", {
        "notice": notice,
        "delivery": delivery,
        "answers": selectors.answers_visible(user=request.user, notice=notice, delivery=delivery),
        "may_reply": _may_reply(notice, request.user),
        "deliveries": notice.deliveries.all() if permissions.is_office_staff(request.user) else [],
        "is_office_staff": permissions.is_office_staff(request.user),
        "is_office_leader": permissions.is_office_leader(request.user),
        "max_mb": settings.YIHONG_NOTICE_ATTACHMENT_MAX_BYTES // 1048576,
        **page_panels.context_for(notice=notice, user=request.user),
    })


@login_required
@require_GET
def notice_pdf(request, notice_id: int):
    notice = selectors.notice_get(user=request.user, notice_id=notice_id)
    if not notice.pdf:
        if permissions.is_office_staff(request.user) and not notice.is_issued:
            return redirect("notices:preview", notice_id=notice.pk)  # the draft's 草稿 preview
        raise Http404("该公文尚未签发，没有 PDF")
    try:
        content = issued_pdf_check(notice, acting_user=request.user, purpose="下载或查看")
    except IssuedPdfRefused as refusal:
        return render(request, "notices/pdf_refused.html", {"notice": notice, "message": refusal.messages[0]},
                      status=409)
    # Inline: read in the browser (a phone's, WeChat's), saved from there if wanted.
    return FileResponse(io.BytesIO(content), as_attachment=False, filename=f"{notice.number}.pdf",
                        content_type="application/pdf")


@login_required
@require_GET
def attachment_download(request, attachment_id: int):
    attachment = selectors.attachment_get(user=request.user, attachment_id=attachment_id)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _is_recipient(notice, user) -> bool:
    return services.recipient_delivery_for(notice=notice, user=user) is not None


def _may_reply(notice, user) -> bool:
    """签收 and 反馈 are the addressed unit's or department's acts; the 市领导 only reads."""
    return permissions.role_of(user) != Role.CITY_LEADER and _is_recipient(notice, user)


def _is_office_staff(notice, user) -> bool:
    return permissions.is_office_staff(user)


def _is_office_leader(notice, user) -> bool:
    return permissions.is_office_leader(user)


def _act(request, notice_id: int, action, success: str, allowed, **kwargs):
    """Run one service action; `allowed(notice, user)` is checked first, so a refused user never
    learns what the form would have said."""
    notice = selectors.notice_get(user=request.user, notice_id=notice_id)
    permissions.require(allowed(notice, request.user), "您没有对该公文执行此操作的权限")
    try:
        action(notice_id=notice_id, acting_user=request.user, **kwargs)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("notices:detail", notice_id=notice_id), False
    messages.success(request, success)
    return redirect("notices:detail", notice_id=notice_id), True


@login_required
@require_POST
def notice_acknowledge(request, notice_id: int):
    return _act(request, notice_id, services.notice_acknowledge, "已签收", _may_reply)[0]


@login_required
@require_POST
def notice_answer(request, notice_id: int):
    # Read at most one byte past the limit: enough for the service to refuse an oversized file
    # without holding all of it in memory.
    limit = settings.YIHONG_NOTICE_ATTACHMENT_MAX_BYTES
    files = [services.UploadedAttachment(name=f.name, content=f.read(limit + 1))
             for f in request.FILES.getlist("attachments")]
    return _act(request, notice_id, services.notice_answer, "整改反馈已提交", _may_reply,
                text=request.POST.get("text", ""), files=files)[0]


@login_required
@require_POST
def notice_close(request, notice_id: int):
    return _act(request, notice_id, services.notice_close, "已办结", _is_office_staff,
                comment=request.POST.get("comment", ""))[0]


@login_required
@require_POST
def notice_return(request, notice_id: int):
    try:
        new_deadline = (dt.date.fromisoformat(request.POST["new_deadline"])
                        if request.POST.get("new_deadline") else None)
    except ValueError:
        messages.error(request, "重新反馈期限格式不正确，应为 YYYY-MM-DD")
        return redirect("notices:detail", notice_id=notice_id)
    return _act(request, notice_id, services.notice_return, "已退回", _is_office_staff,
                reason=request.POST.get("reason", ""), new_deadline=new_deadline)[0]


@login_required
@require_POST
def notice_sign(request, notice_id: int):
    """签发 with the leader's opinion (default 同意), once they have opened the letter."""
    from notices.services.signoff import DEFAULT_SIGN_OPINION, notice_sign

    return _act(request, notice_id, notice_sign, "已签发", _is_office_leader,
                opinion=request.POST.get("opinion") or DEFAULT_SIGN_OPINION)[0]


@login_required
@require_POST
def notice_void(request, notice_id: int):
    return _act(request, notice_id, services.notice_void, "已作废", _is_office_staff,
                reason=request.POST.get("reason", ""))[0]
