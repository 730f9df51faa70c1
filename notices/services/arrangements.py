"""What the office fills in before a letter is signed, and what stops the signature without it.

- The office's contact (联系人, 电话), printed as 附注 on its letters: two of the office's settings
  (offices.keys.LetterContactKey) the office leader maintains (audited). A letter with a 反馈 loop
  cannot be signed while it is unset: the recipient must know whom to call about the answer it owes.
- A 约谈通知's meeting: time, place, convener (召集人), who attends and what they bring. The draft
  cannot be signed without them: a summons that points to "the time the office will notify" is
  not a summons.
- The content as issued (`content_at_issue`): the calendar dates of the demand, computed from
  the working days counted at issue, the meeting and the contact.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.workdays import add_working_days
from notices import composers
from notices.models import EDITABLE_STATES, Notice, NoticeKind
from offices.keys import LetterContactKey, SettingGroup, setting_value_clean
from offices.models import DocumentKindSetting, OfficeSetting
from offices.selectors import office_settings
from tracker import permissions
from tracker.choices import AuditAction
from tracker.services import audit_record

CONTACT_UNSET = ("专班办联系人和联系电话尚未设置，须整改反馈的公文不能签发；"
                 "请专班办领导在“专班办设置”中填写联系人和电话")
CONTACT_LEADERS_ONLY = "只有专班办领导可以修改专班办联系人"
MEETING_FIELDS = (
    ("meeting_at", "约谈时间"),
    ("meeting_place", "约谈地点"),
    ("meeting_convener", "召集人"),
    ("meeting_attendees", "参加人员"),
    ("meeting_materials", "须携带材料"),
)


def office_contact() -> tuple[str, str] | None:
    """(联系人, 电话) when both are set, else None."""
    contact = office_settings(group=SettingGroup.LETTER_CONTACT)
    name, phone = contact[LetterContactKey.NAME].strip(), contact[LetterContactKey.PHONE].strip()
    return (name, phone) if name and phone else None


def _contact_text(name: str, phone: str) -> str:
    return f"联系人：{name or '未设置'}，电话：{phone or '未设置'}"


@transaction.atomic
def office_contact_set(*, acting_user, name: str, phone: str) -> tuple[str, str]:
    """The office leader sets the contact printed on the office's letters; audited (old → new)."""
    permissions.require(permissions.is_office_leader(acting_user), CONTACT_LEADERS_ONLY)
    if not (name or "").strip() or not (phone or "").strip():
        raise ValidationError("请填写联系人和联系电话")
    return _contact_write(acting_user=acting_user,
                          changes={LetterContactKey.NAME: name, LetterContactKey.PHONE: phone})


@transaction.atomic
def letter_contact_item_set(*, acting_user, key: str, value: str) -> tuple[str, str]:
    """One of the two (联系人 or 联系电话), the other kept: the admin edits them one row at a time."""
    permissions.require(permissions.is_office_leader(acting_user), CONTACT_LEADERS_ONLY)
    if key not in LetterContactKey.values:
        raise ValidationError(f"未知的公文联系人设置：{key}")
    return _contact_write(acting_user=acting_user, changes={key: value})


def _contact_write(*, acting_user, changes: dict[str, str]) -> tuple[str, str]:
    """Store the changed keys and audit the contact old → new (the caller checked the role and
    holds the transaction)."""
    values = {key: setting_value_clean(key, value) for key, value in changes.items()}
    locked = OfficeSetting.objects.select_for_update().filter(key__in=LetterContactKey.values)
    rows = {row.key: row for row in locked}
    before = office_settings(group=SettingGroup.LETTER_CONTACT)
    for key, value in values.items():
        row = rows.get(key) or OfficeSetting(key=key)
        row.value = value
        row.save()
    after = before | values
    name, phone = after[LetterContactKey.NAME], after[LetterContactKey.PHONE]
    before_text = _contact_text(before[LetterContactKey.NAME], before[LetterContactKey.PHONE])
    after_text = _contact_text(name, phone)
    audit_record(
        action=AuditAction.ADMIN_EDIT,
        acting_user=acting_user,
        object_type="office_contact",
        object_id=SettingGroup.LETTER_CONTACT.value,
        from_state=before_text,
        to_state=after_text,
        reason=f"专班办联系人：{before_text} → {after_text}",
        data={"contact_name": name, "contact_phone": phone},
    )
    return name, phone


@transaction.atomic
def notice_summons_arrange(*, notice_id: int, acting_user, meeting_at: dt.datetime, place: str, convener: str,
                           attendees: str, materials: str) -> Notice:
    """The office fills in a 约谈通知's meeting before it is signed; audited."""
    permissions.require(permissions.is_office_staff(acting_user), "只有专班办工作人员可以安排约谈")
    notice = Notice.objects.select_for_update().get(pk=notice_id)
    if notice.kind != NoticeKind.SUMMONS:
        raise ValidationError("只有约谈通知需要填写约谈安排")
    if notice.state not in EDITABLE_STATES:
        raise ValidationError(f"公文当前状态为“{notice.get_state_display()}”，不能修改约谈安排")
    values = {"meeting_place": place, "meeting_convener": convener, "meeting_attendees": attendees,
              "meeting_materials": materials}
    values = {key: (value or "").strip() for key, value in values.items()}
    notice.meeting_at = meeting_at
    for key, value in values.items():
        setattr(notice, key, value)
    missing = meeting_missing(notice)
    if missing:
        raise ValidationError(f"请填写{'、'.join(missing)}")
    notice.context = {**notice.context, "meeting": meeting_of(notice)}
    if "letter" in notice.context:
        notice.context["blocks"] = composers.letter_blocks(notice.context, meeting=notice.context["meeting"])
    notice.save()
    audit_record(
        action=AuditAction.NOTICE,
        acting_user=acting_user,
        object_type="notice",
        object_id=notice.pk,
        from_state=notice.state,
        to_state=notice.state,
        reason="填写约谈安排",
        data={"notice_id": notice.pk, "transition": "summons_arrange", **notice.context["meeting"]},
    )
    return notice


def meeting_of(notice: Notice) -> dict:
    at = timezone.localtime(notice.meeting_at) if notice.meeting_at else None
    return {
        "at": at.replace(tzinfo=None).isoformat(timespec="minutes") if at else None,
        "place": notice.meeting_place,
        "convener": notice.meeting_convener,
        "attendees": notice.meeting_attendees,
        "materials": notice.meeting_materials,
    }


def meeting_missing(notice: Notice) -> list[str]:
    return [label for field, label in MEETING_FIELDS
            if not (getattr(notice, field).strip() if isinstance(getattr(notice, field), str)
                    else getattr(notice, field))]


def issue_blockers(notice: Notice, setting: DocumentKindSetting) -> list[str]:
    """Why the notice cannot be signed yet (empty: it can)."""
    blockers = []
    if setting.answer_required and office_contact() is None:
        blockers.append(CONTACT_UNSET)
    if notice.kind == NoticeKind.SUMMONS:
        missing = meeting_missing(notice)
        if missing:
            blockers.append(f"约谈通知尚未填写{'、'.join(missing)}，不能签发；请专班办先填写约谈安排")
    return blockers


def deadlines_at_issue(*, issued_on: dt.date, acknowledge_workdays: int, answer_workdays: int,
                       answer_required: bool) -> tuple[dt.date, dt.date | None]:
    """(签收期限, 反馈期限) of a notice issued that day: the working days counted from it."""
    return (add_working_days(issued_on, acknowledge_workdays),
            add_working_days(issued_on, answer_workdays) if answer_required else None)


def content_at_issue(notice: Notice, *, acknowledge_by: dt.date, answer_by: dt.date | None) -> dict:
    """The notice's context as it is issued: the demand's calendar dates, the meeting, the contact."""
    context = notice.context or {}
    if context.get("body_text") is not None:
        # Typed (or amended) by the office: issued as typed, with the office's contact.
        contact = office_contact()
        return {**context, "note": f"联系人：{contact[0]}，电话：{contact[1]}"} if contact else context
    if "letter" not in context:
        return context
    meeting = meeting_of(notice) if notice.kind == NoticeKind.SUMMONS else None
    return composers.letter_at_issue(context, acknowledge_by=acknowledge_by, answer_by=answer_by,
                                     contact=office_contact(), meeting=meeting)
