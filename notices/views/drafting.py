"""Pages of 拟稿 → 核稿 → 签发: the editor, the desk of waiting letters, the leader's
batch signature, the draft's preview PDF, the kinds' settings, the letter's own attachments.
Thin: parse the form, call one service, render."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notices import selectors
from notices.models import EDITABLE_STATES, NoticeFile, NoticeKind
from notices.selectors import drafting as drafting_selectors
from notices.services import arrangements, hand_drafting, signoff
from notices.services.issuing import notice_preview_pdf
from notices.services.replies import UploadedAttachment
from offices.selectors import document_kind_settings
from tracker import permissions
from tracker.models import AdministrativeUnit, Department, Project


def _error_text(error: ValidationError) -> str:
    return "；".join(error.messages)


def _ints(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


def _int_or_none(value) -> int | None:
    return int(value) if str(value or "").strip().isdigit() else None


def _draft_input(request) -> hand_drafting.DraftInput:
    post = request.POST
    limit = settings.YIHONG_NOTICE_ATTACHMENT_MAX_BYTES
    titles = post.getlist("file_title")
    files = [
        (
            titles[index] if index < len(titles) else "",
            UploadedAttachment(name=f.name, content=f.read(limit + 1)),
        )
        for index, f in enumerate(request.FILES.getlist("files"))
    ]
    return hand_drafting.DraftInput(
        kind=post.get("kind", ""),
        title=post.get("title", ""),
        body=post.get("body", ""),
        unit_ids=_ints(post.getlist("units")),
        department_ids=_ints(post.getlist("departments")),
        to_city_government=post.get("to_city_government") == "on",
        copy_to=post.getlist("copy_to"),
        project_ids=_ints(post.getlist("projects")),
        acknowledge_workdays=_int_or_none(post.get("acknowledge_workdays")),
        answer_workdays=_int_or_none(post.get("answer_workdays")),
        files=files,
        remove_file_ids=_ints(post.getlist("remove_files")),
    )


def _meeting_arrange(request, notice) -> None:
    """A 约谈通知's arrangements, when the editor's meeting fields are filled in."""
    post = request.POST
    if notice.kind != NoticeKind.SUMMONS or not post.get("meeting_at"):
        return
    import datetime as dt

    from django.utils import timezone

    try:
        at = timezone.make_aware(dt.datetime.fromisoformat(post["meeting_at"]))
    except ValueError as error:
        raise ValidationError("约谈时间格式不正确") from error
    arrangements.notice_summons_arrange(
        notice_id=notice.pk,
        acting_user=request.user,
        meeting_at=at,
        place=post.get("meeting_place", ""),
        convener=post.get("meeting_convener", ""),
        attendees=post.get("meeting_attendees", ""),
        materials=post.get("meeting_materials", ""),
    )


def _editor_context(notice=None, form=None) -> dict:
    text = hand_drafting.draft_body(notice)[0] if notice is not None else ""
    return {
        "notice": notice,
        "form": form or {},
        "body_text": text,
        "kinds": [(v, label) for v, label in NoticeKind.choices if v != NoticeKind.CORRECTION],
        "units": AdministrativeUnit.objects.order_by("display_order", "name"),
        "departments": Department.objects.order_by("display_order", "name"),
        "copy_to_choices": hand_drafting.copy_to_choices(),
        "projects": Project.objects.order_by("code").only("pk", "code", "name"),
        "selected_units": {u.pk for u in notice.recipient_units.all()} if notice else set(),
        "selected_departments": {d.pk for d in notice.recipient_departments.all()} if notice else set(),
        "selected_projects": set(notice.projects.values_list("pk", flat=True)) if notice else set(),
        "selected_copy_to": set(filter(None, notice.copy_to.split("，"))) if notice else set(),
        "workdays": (notice.context.get("deadline_workdays") or {}) if notice else {},
        "max_mb": settings.YIHONG_NOTICE_ATTACHMENT_MAX_BYTES // 1048576,
        "versions": hand_drafting.version_diffs(notice) if notice else [],
    }


@login_required
@require_http_methods(["GET", "POST"])
def notice_new(request):
    """拟稿: any kind, by hand."""
    permissions.require(permissions.is_office_staff(request.user), "只有专班办工作人员可以拟稿")
    if request.method == "POST":
        try:
            notice = hand_drafting.notice_hand_draft(data=_draft_input(request), acting_user=request.user)
            _meeting_arrange(request, notice)
        except ValidationError as error:
            messages.error(request, _error_text(error))
            return render(request, "notices/edit.html", _editor_context(form=request.POST), status=400)
        messages.success(request, "草稿已保存（第1稿）")
        return redirect("notices:detail", notice_id=notice.pk)
    return render(request, "notices/edit.html", _editor_context())


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request, notice_id: int):
    """修改 a draft (hand-written or the calendar's); every save is a new version."""
    permissions.require(permissions.is_office_staff(request.user), "只有专班办工作人员可以修改公文")
    notice = selectors.notice_get(user=request.user, notice_id=notice_id)
    if notice.state not in EDITABLE_STATES:
        raise Http404("已签发的公文不能修改")
    if request.method == "POST":
        try:
            notice = hand_drafting.notice_draft_edit(
                notice_id=notice.pk, data=_draft_input(request), acting_user=request.user
            )
            _meeting_arrange(request, notice)
        except ValidationError as error:
            messages.error(request, _error_text(error))
            return render(request, "notices/edit.html", _editor_context(notice, request.POST), status=400)
        messages.success(request, "修改已保存为新稿本")
        return redirect("notices:detail", notice_id=notice.pk)
    return render(request, "notices/edit.html", _editor_context(notice))


def _act(request, notice_id: int, action, success: str, **kwargs):
    selectors.notice_get(user=request.user, notice_id=notice_id)
    permissions.require(permissions.is_office_staff(request.user), "您没有对该公文执行此操作的权限")
    try:
        action(notice_id=notice_id, acting_user=request.user, **kwargs)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success)
    return redirect("notices:detail", notice_id=notice_id)


@login_required
@require_POST
def notice_submit(request, notice_id: int):
    return _act(request, notice_id, signoff.notice_submit, "已送出")


@login_required
@require_POST
def notice_review(request, notice_id: int):
    approve = request.POST.get("decision") == "approve"
    return _act(
        request,
        notice_id,
        signoff.notice_review,
        "核稿通过，已送领导签发" if approve else "已退回拟稿人修改",
        opinion=request.POST.get("opinion", ""),
        approve=approve,
    )


@login_required
@require_POST
def notice_send_back(request, notice_id: int):
    permissions.require(permissions.is_office_leader(request.user), "只有专班办领导可以退回待签发的公文")
    return _act(
        request,
        notice_id,
        signoff.notice_send_back,
        "已退回拟稿人修改",
        reason=request.POST.get("reason", ""),
    )


@login_required
@require_GET
def desk(request):
    """公文办理: drafts, letters waiting for 核稿 and for 签发, with what tells them apart."""
    permissions.require(permissions.is_office_staff(request.user), "只有专班办工作人员可以办理公文")
    return render(
        request,
        "notices/desk.html",
        {
            **drafting_selectors.desk_rows(user=request.user),
            "is_office_leader": permissions.is_office_leader(request.user),
        },
    )


@login_required
@require_POST
def sign_batch(request):
    permissions.require(permissions.is_office_leader(request.user), "只有专班办领导可以签发公文")
    ids = _ints(request.POST.getlist("notices"))
    if not ids:
        messages.error(request, "请勾选要签发的公文")
        return redirect("notices:desk")
    result = signoff.notices_sign_batch(
        notice_ids=ids, acting_user=request.user, opinion=request.POST.get("opinion", "")
    )
    if result.signed:
        messages.success(
            request, f"已签发{len(result.signed)}件：" + "、".join(n.number for n in result.signed)
        )
    for notice_id, reason in result.refused:
        messages.error(request, f"公文（ID {notice_id}）未签发：{reason}")
    return redirect("notices:desk")


@login_required
@require_GET
def notice_preview(request, notice_id: int):
    """The draft laid out as it will be issued, watermarked 草稿 and without a number; inline."""
    permissions.require(permissions.is_office_staff(request.user), "只有专班办工作人员可以预览草稿")
    notice = selectors.notice_get(user=request.user, notice_id=notice_id)
    if notice.state not in EDITABLE_STATES:
        raise Http404("已签发的公文请查看正式文件")
    response = HttpResponse(notice_preview_pdf(notice=notice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="preview-{notice.pk}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def kind_settings(request):
    """The leader's page: which kinds need 核稿, which issue automatically (audited)."""
    permissions.require(permissions.is_office_leader(request.user), "只有专班办领导可以设置公文种类")
    if request.method == "POST":
        try:
            for kind in NoticeKind.values:
                signoff.kind_setting_update(
                    kind=kind,
                    acting_user=request.user,
                    review_required=request.POST.get(f"review_{kind}") == "on",
                    auto_issue=request.POST.get(f"auto_{kind}") == "on",
                )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, "公文种类设置已保存")
        return redirect("notices:kinds")
    return render(request, "notices/kinds.html", {"settings": document_kind_settings()})


@login_required
@require_GET
def notice_file(request, file_id: int):
    """An attachment of the office's letter: to whoever may read the letter."""
    file = NoticeFile.objects.filter(pk=file_id).select_related("notice").first()
    if file is None:
        raise Http404("附件不存在")
    selectors.notice_get(user=request.user, notice_id=file.notice_id)
    with file.file.open("rb") as handle:
        content = handle.read()
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=file.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
