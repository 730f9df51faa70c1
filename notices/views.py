"""Pages of the notices app: thin — parse input, call one service or selector, render."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from notices import selectors, services
from notices.models import NoticeKind
from tracker import permissions


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
    filters = {"unread": "unread", "ack": "awaiting_acknowledgement", "answer": "awaiting_answer", "overdue": "overdue"}
    if status in filters:
        entries = [e for e in entries if getattr(e, filters[status])]
    return render(request, "notices/inbox.html", {"entries": entries, "filter": status})


@login_required
@require_GET
def notice_detail(request, notice_id: int):
    notice = selectors.notice_get(user=request.user, notice_id=notice_id)
    delivery = services.recipient_delivery_for(notice=notice, user=request.user)
    services.notice_mark_read(notice_id=notice.pk, acting_user=request.user)
    return render(request, "notices/notice_detail.html", {
        "notice": notice,
        "delivery": delivery,
        "answers": notice.answers.select_related("delivery").prefetch_related("attachments"),
        "deliveries": notice.deliveries.all() if permissions.is_office_staff(request.user) else [],
        "is_office_staff": permissions.is_office_staff(request.user),
        "is_office_leader": permissions.is_office_leader(request.user),
        "max_mb": settings.YIHONG_NOTICE_ATTACHMENT_MAX_BYTES // 1048576,
    })


@login_required
@require_GET
def notice_pdf(request, notice_id: int):
    notice = selectors.notice_get(user=request.user, notice_id=notice_id)
    if not notice.pdf:
        raise Http404("该公文尚未签发，没有 PDF")
    return FileResponse(notice.pdf.open("rb"), as_attachment=True, filename=f"{notice.number}.pdf",
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
    return _act(request, notice_id, services.notice_acknowledge, "已签收", _is_recipient)[0]


@login_required
@require_POST
def notice_answer(request, notice_id: int):
    # Read at most one byte past the limit: enough for the service to refuse an oversized file
    # without holding all of it in memory.
    limit = settings.YIHONG_NOTICE_ATTACHMENT_MAX_BYTES
    files = [services.UploadedAttachment(name=f.name, content=f.read(limit + 1))
             for f in request.FILES.getlist("attachments")]
    return _act(request, notice_id, services.notice_answer, "整改反馈已提交", _is_recipient,
                text=request.POST.get("text", ""), files=files)[0]


@login_required
@require_POST
def notice_close(request, notice_id: int):
    return _act(request, notice_id, services.notice_close, "已办结", _is_office_staff, comment=request.POST.get("comment", ""))[0]


@login_required
@require_POST
def notice_return(request, notice_id: int):
    return _act(request, notice_id, services.notice_return, "已退回", _is_office_staff, reason=request.POST.get("reason", ""))[0]


@login_required
@require_POST
def notice_sign(request, notice_id: int):
    return _act(request, notice_id, services.notice_sign_and_issue, "已签发", _is_office_leader)[0]


@login_required
@require_POST
def notice_void(request, notice_id: int):
    return _act(request, notice_id, services.notice_void, "已作废", _is_office_staff, reason=request.POST.get("reason", ""))[0]
