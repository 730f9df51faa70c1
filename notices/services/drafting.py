"""拟稿: drafts of every kind (the calendar's and the office's own) and 更正通知."""
from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from core.actors import actor_user
from notices import composers
from notices.models import (
    Notice,
    NoticeKind,
)
from notices.services.records import NoticeRefused, _audit, _require_office_staff
from offices.selectors import document_kind_setting
from tracker.models import AdministrativeUnit, Department

CITY_GOVERNMENT_NAME = "市人民政府"


DEFAULT_TITLES: dict[str, str] = {
    NoticeKind.WEEKLY_REPORT: "关于全市生态保护工程本周调度情况的报告",
    NoticeKind.MONTHLY_CIRCULAR: "关于全市生态保护工程月度进展情况的通报",
    NoticeKind.WARNING: "关于生态保护工程进度风险的预警函",
    NoticeKind.REMINDER: "关于加快生态保护工程建设进度的提醒函",
    NoticeKind.SUPERVISION: "关于生态保护工程进度滞后的督办函",
    NoticeKind.SUMMONS: "关于生态保护工程推进不力的约谈通知",
    NoticeKind.LISTED_SUPERVISION: "关于对生态保护工程实行挂牌督办的通知",
    NoticeKind.URGE_REPORT: "关于催报生态保护工程周调度信息的通知",
    NoticeKind.CORRECTION: "更正通知",
    NoticeKind.GENERAL_NOTICE: "通知",
    NoticeKind.GENERAL_LETTER: "函",
}


def _default_title(kind: str, units: list, departments: list) -> str:
    """A letter to one body names it: 关于侯马市生态保护工程进度滞后的督办函."""
    title = DEFAULT_TITLES[kind]
    recipients = [*units, *departments]
    if len(recipients) == 1 and title.startswith("关于"):
        return f"关于{recipients[0].name}{title.removeprefix('关于')}"
    return title


def _main_recipients_text(units, departments, to_city_government: bool) -> str:
    names = []
    if to_city_government:
        names.append(CITY_GOVERNMENT_NAME)
    if len(units) >= AdministrativeUnit.objects.count() and units:
        names.append("各县（市、区）人民政府，临汾经济开发区管委会")
    else:
        names += [f"{u.name}人民政府" if not u.name.endswith("开发区") else f"{u.name}管委会" for u in units]
    names += [d.name for d in departments]
    return "，".join(names)


@transaction.atomic
def notice_draft_create(
    *,
    kind: str,
    title: str | None = None,
    recipient_units=(),
    recipient_departments=(),
    to_city_government: bool = False,
    context: dict,
    source_key: str | None = None,
    period_start: dt.date | None = None,
    acting_user,
    corrects: Notice | None = None,
) -> Notice:
    """A draft notice. Idempotent on `source_key`: the existing notice is returned unchanged."""
    if kind not in NoticeKind.values:
        raise NoticeRefused(f"未知的公文种类：{kind}")
    _require_office_staff(acting_user)
    if source_key:
        existing = Notice.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    units = [u if isinstance(u, AdministrativeUnit) else AdministrativeUnit.objects.get(pk=u)
             for u in recipient_units]
    departments = [d if isinstance(d, Department) else Department.objects.get(pk=d)
                   for d in recipient_departments]
    if not (units or departments or to_city_government):
        raise NoticeRefused("公文须至少有一个主送机关（县、部门或市人民政府）")
    setting = document_kind_setting(kind)
    notice = Notice(
        kind=kind,
        notice_format=setting.notice_format,
        title=title or context.get("title") or _default_title(kind, units, departments),
        # A composer may word the 主送 itself (a 通报 goes to "各县（市、区）人民政府…，市直有关部门"
        # while the city government, also delivered, is only informed).
        main_recipients=context.get("main_recipients") or _main_recipients_text(units, departments,
                                                                               to_city_government),
        copy_to=context.get("copy_to", ""),
        to_city_government=to_city_government,
        context=context,
        source_key=source_key or None,
        period_start=period_start,
        corrects=corrects,
        answer_required=setting.answer_required,
        created_by=actor_user(acting_user),
    )
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        # Two schedulers raced on the same natural key: the other one's draft wins.
        if source_key:
            return Notice.objects.get(source_key=source_key)
        raise
    notice.recipient_units.set(units)
    notice.recipient_departments.set(departments)
    _audit(notice, acting_user=acting_user, transition="draft", extra={"kind": kind})
    return notice


@transaction.atomic
def notice_correct(*, notice_id: int, acting_user, correction_text: str = "",
                   corrections: list[dict] | None = None) -> Notice:
    """更正: a new notice to the same recipients that references the corrected one and says, for
    each error, where it is, the wrong value and the right one (`corrections`: dicts with
    `where`, `wrong`, `right`); `correction_text` adds free lines."""
    _require_office_staff(acting_user)
    original = Notice.objects.get(pk=notice_id)
    if not original.is_issued:
        raise NoticeRefused("只有已签发的公文需要更正；草稿可直接修改或作废")
    assert original.number is not None and original.issued_on is not None  # set when it was issued
    correction_text = (correction_text or "").strip()
    corrections = [c for c in (corrections or []) if any(str(v).strip() for v in c.values())]
    for row in corrections:
        if not all(str(row.get(key, "")).strip() for key in ("where", "wrong", "right")):
            raise NoticeRefused("每处更正须写明位置、原值和正确值")
    if not correction_text and not corrections:
        raise NoticeRefused("请填写更正内容")
    context = composers.compose_correction(
        original_title=original.title, original_number=original.number, original_issued_on=original.issued_on,
        corrections=corrections, text=correction_text)
    # The correction reaches everyone the original did, superiors informed (抄报) included.
    context |= {"copy_to": original.copy_to, "main_recipients": original.main_recipients,
                "copy_report_to": original.context.get("copy_report_to", "")}
    correction = notice_draft_create(
        kind=NoticeKind.CORRECTION,
        title=f"关于更正《{original.title}》的通知",
        recipient_units=list(original.recipient_units.all()),
        recipient_departments=list(original.recipient_departments.all()),
        to_city_government=original.to_city_government,
        context=context,
        acting_user=acting_user,
        corrects=original,
    )
    _audit(correction, acting_user=acting_user, transition="correct", extra={"corrects": original.pk})
    return correction
