"""Clerk-facing ledger pages: download each ledger, upload → preview → confirm, import progress.

Who may do what (tracker.permissions decides, the services enforce):
- office staff: every ledger, the master import and any weekly sheet;
- city leaders: every ledger, read-only (no uploads);
- department liaisons: the ledgers of their department's projects, and weekly sheets for them;
- county liaisons: only their own unit's weekly sheet (the blank template, the week's dispatch
  ledger, and uploading it back).

An uploaded file is kept under MEDIA_ROOT/ledger_imports/<token>/ (outside the web root) between
preview and confirm, with who uploaded it; the confirm step re-reads it inside one transaction.
The confirm request writes its progress to a small JSON file beside the upload so that the
page's script can poll it from another worker while the import runs.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import secrets
import threading
from pathlib import Path
from urllib.parse import quote, urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.workdays import monday_of
from ledgers.exporting import KINDS, LedgerFilters, ledger_build, ledger_file, weekly_template
from ledgers.importing import (
    IMPORT_KINDS,
    LedgerImportRefused,
    ledger_import_confirm,
    ledger_import_preview,
    week_label,
)
from ledgers.oc4ids import oc4ids_package
from ledgers.parsing import MAX_UPLOAD_BYTES
from tracker import permissions
from tracker.choices import ProjectState, Role
from tracker.models import AdministrativeUnit, Domain

TOKEN_LENGTH = 24


# A ledger's date, a week: days the programme can have. Outside, the week's Sunday or the
# calendar would overflow (9999-12-31 gave a 500): a clear 400 instead.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
DATE_RANGE_MESSAGE = f"日期应在{FIRST_DAY:%Y年%m月%d日}至{LAST_DAY:%Y年%m月%d日}之间"


class LedgerDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})

    def validate(self, value):
        super().validate(value)
        if value and not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(DATE_RANGE_MESSAGE, code="out_of_range")


class LedgerFilterForm(forms.Form):
    unit = forms.ChoiceField(label="县(市、区)", required=False)
    domain = forms.ChoiceField(label="领域", required=False)
    state = forms.ChoiceField(label="阶段", required=False, choices=[("", "全部")] + list(ProjectState.choices))
    year = forms.IntegerField(label="目标年度", required=False, min_value=2020, max_value=2100)
    date = LedgerDateField(label="截至日期", required=False)
    format = forms.ChoiceField(label="格式", required=False, choices=[("xlsx", "Excel (xlsx)"), ("csv", "CSV")])

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = units if units is not None else AdministrativeUnit.objects.all()
        self.fields["unit"].choices = [("", "全部")] + [(u.code, u.name) for u in units]
        self.fields["domain"].choices = [("", "全部")] + list(Domain.objects.values_list("code", "name"))


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="台账类型", choices=list(IMPORT_KINDS.items()))
    week = LedgerDateField(label="周调度所属周（该周任一日期，可不填）", required=False)
    file = forms.FileField(label="文件（xlsx、xls或csv，不超过10MB）")


def _role(user) -> str | None:
    return permissions.role_of(user)


def _is_county(user) -> bool:
    return _role(user) == Role.COUNTY_LIAISON


def _may_export(user, kind: str) -> bool:
    role = _role(user)
    if role in (Role.CLERK, Role.OFFICE_LEADER, Role.CITY_LEADER, Role.DEPARTMENT_LIAISON):
        return True
    return role == Role.COUNTY_LIAISON and kind == "weekly"


def _allowed_units(user):
    if _is_county(user):
        return AdministrativeUnit.objects.filter(pk=user.staff_profile.unit_id)
    return AdministrativeUnit.objects.all()


@login_required
@require_GET
def ledger_index(request):
    units = _allowed_units(request.user)
    form = LedgerFilterForm(request.GET or None, units=units)
    kinds = [(kind, name) for kind, name in KINDS.items() if _may_export(request.user, kind)]
    if not kinds:
        raise PermissionDenied("您没有下载台账的权限")
    query = urlencode({k: v for k, v in request.GET.items() if v})
    upload_kinds = [(k, v) for k, v in IMPORT_KINDS.items() if permissions.can_import_ledger(request.user, k)]
    upload = UploadForm()
    upload.fields["kind"].choices = upload_kinds
    return render(request, "ledgers/index.html", {
        "form": form, "kinds": kinds, "query": query, "units": units,
        "upload": upload if upload_kinds else None, "this_week": monday_of(timezone.localdate()),
        "may_oc4ids": _role(request.user) in (Role.CLERK, Role.OFFICE_LEADER, Role.CITY_LEADER),
    })


def _attachment(name: str, content: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_GET
def ledger_download(request, kind: str):
    if kind not in KINDS:
        raise Http404("没有这种台账")
    permissions.require(_may_export(request.user, kind), "您没有下载该台账的权限")
    form = LedgerFilterForm(request.GET or None, units=_allowed_units(request.user))
    if form.is_bound and not form.is_valid():
        return HttpResponse("筛选条件有误：" + "；".join(
            f"{form.fields[f].label}：{'、'.join(str(m) for m in e)}" for f, e in form.errors.items()),
            status=400, content_type="text/plain; charset=utf-8")
    data = form.cleaned_data if form.is_bound else {}
    unit = data.get("unit") or ""
    if _is_county(request.user):
        unit = request.user.staff_profile.unit.code  # a county liaison sees only their unit
    filters = LedgerFilters(unit=unit, domain=data.get("domain") or "", state=data.get("state") or "",
                            year=data.get("year"), as_of=data.get("date"))
    table = ledger_build(kind=kind, user=request.user, filters=filters)
    name, content, content_type = ledger_file(table, file_format=data.get("format") or "xlsx")
    return _attachment(name, content, content_type)


@login_required
@require_GET
def weekly_template_download(request):
    user = request.user
    permissions.require(permissions.can_import_ledger(user, "weekly"), "您没有下载周调度表的权限")
    code = request.user.staff_profile.unit.code if _is_county(user) else request.GET.get("unit", "")
    unit = AdministrativeUnit.objects.filter(code=code).first()
    if unit is None:
        return HttpResponse("请选择县(市、区)", status=400, content_type="text/plain; charset=utf-8")
    try:
        week = dt.date.fromisoformat(request.GET["week"]) if request.GET.get("week") else timezone.localdate()
    except ValueError:
        return HttpResponse("周日期格式应为YYYY-MM-DD", status=400, content_type="text/plain; charset=utf-8")
    if not FIRST_DAY <= week <= LAST_DAY:
        return HttpResponse(DATE_RANGE_MESSAGE, status=400, content_type="text/plain; charset=utf-8")
    table = weekly_template(user=user, unit=unit, week=week)
    name, content, content_type = ledger_file(table)
    return _attachment(name, content, content_type)


@login_required
@require_GET
def oc4ids_download(request):
    permissions.require(_role(request.user) in (Role.CLERK, Role.OFFICE_LEADER, Role.CITY_LEADER),
                        "您没有导出OC4IDS数据包的权限")
    package = oc4ids_package(uri=request.build_absolute_uri())
    content = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
    return _attachment(f"OC4IDS项目数据包_{timezone.localdate():%Y%m%d}.json", content, "application/json")


# --- uploads ----------------------------------------------------------------------------

def _upload_dir(token: str) -> Path:
    if len(token) != TOKEN_LENGTH * 2 or not all(c in "0123456789abcdef" for c in token):
        raise Http404("没有这次导入")
    return Path(settings.MEDIA_ROOT) / "ledger_imports" / token


def _upload_meta(request, token: str) -> dict:
    """The upload's metadata, if it exists and belongs to the user (who may still import it)."""
    try:
        meta = json.loads((_upload_dir(token) / "meta.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Http404("没有这次导入，或文件已过期") from None
    if meta["user_id"] != request.user.pk or not permissions.can_import_ledger(request.user, meta["kind"]):
        raise PermissionDenied("这不是您上传的文件")
    return meta


def _upload_load(request, token: str) -> tuple[dict, bytes]:
    meta = _upload_meta(request, token)
    try:
        data = (_upload_dir(token) / "upload.bin").read_bytes()
    except FileNotFoundError:
        raise Http404("没有这次导入，或文件已过期") from None
    return meta, data


def _progress_write(token: str, **state) -> None:
    path = _upload_dir(token) / "progress.json"
    temporary = path.with_name(f"progress-{os.getpid()}-{threading.get_ident()}.tmp")  # one per writer
    temporary.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)  # atomic: a poll never reads half a file


UPLOAD_KEEP = dt.timedelta(days=2)


def _uploads_prune() -> None:
    """Forget uploads older than two days (previews never confirmed, refused files)."""
    root = Path(settings.MEDIA_ROOT) / "ledger_imports"
    if not root.is_dir():
        return
    cutoff = (timezone.now() - UPLOAD_KEEP).timestamp()
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            for item in folder.iterdir():
                item.unlink(missing_ok=True)
            folder.rmdir()


@login_required
@require_POST
def import_upload(request):
    permissions.require(any(permissions.can_import_ledger(request.user, kind) for kind in IMPORT_KINDS),
                        "您没有导入台账的权限")
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "ledgers/upload_error.html", {"form": form}, status=400)
    kind = form.cleaned_data["kind"]
    permissions.require(permissions.can_import_ledger(request.user, kind), "您没有导入该台账的权限")
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD_BYTES:
        form.add_error("file", f"文件大小为{upload.size / 1024 / 1024:.1f}MB，超过10MB上限，请拆分后上传")
        return render(request, "ledgers/upload_error.html", {"form": form}, status=400)
    _uploads_prune()
    token = secrets.token_hex(TOKEN_LENGTH)
    folder = _upload_dir(token)
    folder.mkdir(parents=True)
    (folder / "upload.bin").write_bytes(upload.read())
    week = form.cleaned_data.get("week")
    (folder / "meta.json").write_text(json.dumps({
        "user_id": request.user.pk, "kind": kind, "file_name": upload.name,
        "week": week.isoformat() if week else None, "uploaded_at": timezone.now().isoformat(),
    }, ensure_ascii=False), encoding="utf-8")
    return redirect("ledgers:preview", token=token)


@login_required
@require_GET
def import_preview(request, token: str):
    meta, data = _upload_load(request, token)
    week = dt.date.fromisoformat(meta["week"]) if meta["week"] else None
    preview = ledger_import_preview(kind=meta["kind"], data=data, acting_user=request.user, week=week,
                                    file_name=meta["file_name"])
    return render(request, "ledgers/preview.html", {
        "meta": meta, "preview": preview, "token": token, "kind_name": IMPORT_KINDS[meta["kind"]],
        "week_label": week_label(preview.week_start) if preview.week_start else "",
    })


@login_required
@require_POST
def import_confirm(request, token: str):
    _upload_meta(request, token)
    wants_json = "application/json" in request.headers.get("Accept", "")
    # A double-clicked confirm (or a resubmitted form) waits for the first one to finish and then
    # answers as it did: one import, the same result page, never a 500.
    with open(_upload_dir(token) / "confirm.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (_upload_dir(token) / "result.json").exists():
            if wants_json:
                return JsonResponse({"ok": True, "redirect": reverse("ledgers:result", args=[token])})
            return redirect("ledgers:result", token=token)
        return _import_confirm_once(request, token, wants_json)


def _import_confirm_once(request, token: str, wants_json: bool):
    meta, data = _upload_load(request, token)
    week = dt.date.fromisoformat(meta["week"]) if meta["week"] else None
    _progress_write(token, state="running", done=0, total=0)

    def progress(done: int, total: int) -> None:
        _progress_write(token, state="running", done=done, total=total)

    try:
        preview = ledger_import_confirm(kind=meta["kind"], data=data, acting_user=request.user,
                                        file_name=meta["file_name"], week=week, progress=progress,
                                        overwrite_newer=request.POST.get("overwrite_newer") == "1")
    except LedgerImportRefused as refused:
        _progress_write(token, state="failed", done=0, total=0)
        context = {"meta": meta, "preview": refused.preview, "token": token,
                   "kind_name": IMPORT_KINDS[meta["kind"]], "refused": True}
        if wants_json:
            return JsonResponse({"ok": False, "redirect": reverse("ledgers:preview", args=[token])},
                                status=409)
        return render(request, "ledgers/preview.html", context, status=409)
    _progress_write(token, state="done", done=len(preview.changed_rows), total=len(preview.changed_rows))
    (_upload_dir(token) / "upload.bin").unlink(missing_ok=True)
    (_upload_dir(token) / "result.json").write_text(json.dumps(preview.as_dict(), ensure_ascii=False),
                                                    encoding="utf-8")
    if wants_json:
        return JsonResponse({"ok": True, "redirect": reverse("ledgers:result", args=[token])})
    return redirect("ledgers:result", token=token)


@login_required
@require_GET
def import_result(request, token: str):
    meta = _upload_meta(request, token)
    try:
        result = json.loads((_upload_dir(token) / "result.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Http404("没有这次导入的结果") from None
    return render(request, "ledgers/result.html", {"meta": meta, "result": result,
                                                   "kind_name": IMPORT_KINDS[meta["kind"]]})


@login_required
@require_GET
def import_progress(request, token: str):
    _upload_meta(request, token)
    folder = _upload_dir(token)
    try:
        state = json.loads((folder / "progress.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        state = {"state": "waiting", "done": 0, "total": 0}
    return JsonResponse(state)

