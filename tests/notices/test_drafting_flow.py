"""拟稿 → 核稿 → 签发 by hand, the versions and their diff, the leader's kind settings."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from notices.models import Notice, NoticeKind, NoticeState
from notices.services import hand_drafting, signoff
from notices.services.records import NoticeRefused
from notices.services.replies import UploadedAttachment
from offices.selectors import document_kind_setting
from tests.notices import sample_files
from tracker.models import AdministrativeUnit, AuditEvent, Project

pytestmark = pytest.mark.django_db

BODY = (
    "为推进工程建设，现将有关事项通知如下。\n一、约谈事由\n（一）工程进度滞后。\n1.开工率偏低。\n请准时参加。"
)


def _draft(clerk, **changes) -> Notice:
    unit = AdministrativeUnit.objects.get(code="houma")
    data = hand_drafting.DraftInput(
        kind=NoticeKind.GENERAL_NOTICE,
        title="关于报送材料的通知",
        body=BODY,
        unit_ids=[unit.pk],
        copy_to=[hand_drafting.CITY_GOVERNMENT_NAME],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return hand_drafting.notice_hand_draft(data=data, acting_user=clerk)


def test_clerk_drafts_a_letter_by_hand_with_headings_projects_and_an_attachment(clerk):
    # given a project to name and a file to attach
    project = Project.objects.get(code="LF-2023-018")
    # when the clerk drafts a 通知 by hand
    notice = _draft(
        clerk,
        project_ids=[project.pk],
        acknowledge_workdays=3,
        files=[("工程清单", UploadedAttachment(name="清单.pdf", content=sample_files.blank_pdf()))],
    )
    # then the headings are the GB/T 9704 levels, the attachment is listed under 附件说明, version 1 kept
    kinds = [(b["kind"], b["text"]) for b in notice.context["blocks"]]
    assert (
        ("h2", "一、约谈事由") in kinds
        and ("h3", "（一）工程进度滞后。") in kinds
        and ("p", "1.开工率偏低。") in kinds
    )
    assert notice.context["attachments"] == ["工程清单"] and notice.files.count() == 1
    assert list(notice.projects.all()) == [project]
    assert notice.copy_to == "市人民政府" and notice.context["deadline_workdays"] == {"acknowledge": 3}
    assert notice.created_by == clerk and notice.versions.get().number == 1


def test_an_edit_is_a_new_version_with_a_visible_diff(clerk):
    # given a hand-written draft
    notice = _draft(clerk)
    # when the drafter amends one line
    data = hand_drafting.DraftInput(
        kind=notice.kind,
        title=notice.title,
        body=BODY.replace("请准时参加。", "请务必准时参加。"),
        unit_ids=[u.pk for u in notice.recipient_units.all()],
    )
    hand_drafting.notice_draft_edit(notice_id=notice.pk, data=data, acting_user=clerk)
    # then version 2 exists and its diff shows the line removed and the line added
    rows = hand_drafting.version_diffs(Notice.objects.get(pk=notice.pk))
    assert [r["version"].number for r in rows] == [1, 2]
    changes = {(line["op"], line["text"]) for line in rows[1]["diff"] if line["op"] in "+-"}
    assert ("-", "请准时参加。") in changes and ("+", "请务必准时参加。") in changes


def test_review_by_the_drafter_is_refused(clerk):
    # given a draft sent for 核稿
    notice = _draft(clerk)
    signoff.notice_submit(notice_id=notice.pk, acting_user=clerk)
    # when its drafter tries to review it
    # then it is refused and the draft still waits for 核稿
    with pytest.raises(NoticeRefused, match="拟稿人以外"):
        signoff.notice_review(notice_id=notice.pk, acting_user=clerk, opinion="", approve=True)
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.PENDING_REVIEW


def test_second_clerk_returns_with_a_reason_then_passes_and_the_leader_signs_with_an_opinion(
    clerk, clerk_eco, leader, django_capture_on_commit_callbacks
):
    # given a draft sent for 核稿
    notice = _draft(clerk)
    signoff.notice_submit(notice_id=notice.pk, acting_user=clerk)
    # when the second clerk returns it without a reason, then with one
    with pytest.raises(NoticeRefused):
        signoff.notice_review(notice_id=notice.pk, acting_user=clerk_eco, opinion="", approve=False)
    signoff.notice_review(notice_id=notice.pk, acting_user=clerk_eco, opinion="请补充反馈时限", approve=False)
    assert Notice.objects.get(pk=notice.pk).sent_back_reason == "请补充反馈时限"
    # and the drafter resubmits, the second clerk passes it, the leader reads and signs it
    signoff.notice_submit(notice_id=notice.pk, acting_user=clerk)
    signoff.notice_review(notice_id=notice.pk, acting_user=clerk_eco, opinion="核稿无误", approve=True)
    with pytest.raises(NoticeRefused, match="阅读全文"):
        signoff.notice_sign(notice_id=notice.pk, acting_user=leader, opinion="同意")
    signoff.notice_opened_for_signoff(notice=Notice.objects.get(pk=notice.pk), acting_user=leader)
    with django_capture_on_commit_callbacks(execute=True):
        signoff.notice_sign(notice_id=notice.pk, acting_user=leader, opinion="同意，抓紧落实")
    # then the record keeps drafter, reviewer, signer and opinion
    issued = Notice.objects.get(pk=notice.pk)
    assert issued.is_issued and issued.number
    assert (issued.created_by, issued.reviewed_by, issued.signed_by) == (clerk, clerk_eco, leader)
    assert issued.sign_opinion == "同意，抓紧落实" and issued.review_opinion == "核稿无误"
    out = call_command_json()
    row = next(r for r in out if r["id"] == notice.pk)
    assert row["drafted_by"] and row["reviewed_by"] and row["sign_opinion"] == "同意，抓紧落实"
    assert row["signature_valid"] is True and row["versions"] == 1


def call_command_json() -> list[dict]:
    import io

    out = io.StringIO()
    call_command("notices", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_a_batch_signs_only_the_letters_the_leader_opened(clerk, leader, django_capture_on_commit_callbacks):
    # given two routine letters (no 核稿) waiting for 签发, only the first opened by the leader
    setting = document_kind_setting(NoticeKind.GENERAL_NOTICE)
    setting.review_required = False
    setting.save()
    first, second = _draft(clerk, title="关于甲的通知"), _draft(clerk, title="关于乙的通知")
    for notice in (first, second):
        signoff.notice_submit(notice_id=notice.pk, acting_user=clerk)
    signoff.notice_opened_for_signoff(notice=Notice.objects.get(pk=first.pk), acting_user=leader)
    # when the leader signs both in one batch
    with django_capture_on_commit_callbacks(execute=True):
        result = signoff.notices_sign_batch(
            notice_ids=[first.pk, second.pk], acting_user=leader, opinion="同意"
        )
    # then only the opened one is signed; the other is refused and still waits
    assert [n.pk for n in result.signed] == [first.pk]
    assert [pk for pk, _ in result.refused] == [second.pk]
    assert Notice.objects.get(pk=second.pk).state == NoticeState.PENDING_SIGNOFF


@pytest.mark.parametrize("role", ["clerk", "clerk_eco", "county_liaison", "city_leader"])
def test_nobody_but_the_leader_designates_a_kind_for_automatic_issue(role, request, client):
    # given a user who is not the office leader
    user = request.getfixturevalue(role)
    # when they try, through the service and through the page
    with pytest.raises(PermissionDenied):
        signoff.kind_setting_update(
            kind=NoticeKind.SUPERVISION, acting_user=user, review_required=True, auto_issue=True
        )
    client.force_login(user)
    response = client.post("/notices/kinds/", {f"auto_{NoticeKind.SUPERVISION}": "on"})
    # then it is refused and the kind still waits for a leader's signature
    assert response.status_code == 403
    assert document_kind_setting(NoticeKind.SUPERVISION).auto_issue is False


def test_the_leader_designates_a_kind_on_the_page_and_it_is_audited(leader, client):
    # given the office leader
    client.force_login(leader)
    form = {f"review_{kind}": "on" for kind in NoticeKind.values} | {f"auto_{NoticeKind.URGE_REPORT}": "on"}
    form[f"auto_{NoticeKind.REMINDER}"] = "on"
    del form[f"review_{NoticeKind.WEEKLY_REPORT}"]
    # when they save the kinds' page
    response = client.post("/notices/kinds/", form)
    # then the settings changed and each change is in the audit log
    assert response.status_code == 302
    assert document_kind_setting(NoticeKind.REMINDER).auto_issue is True
    assert document_kind_setting(NoticeKind.WEEKLY_REPORT).review_required is False
    kinds = set(
        AuditEvent.objects.filter(object_type="notice_kind_setting").values_list("data__kind", flat=True)
    )
    assert {NoticeKind.REMINDER, NoticeKind.WEEKLY_REPORT} <= kinds


def test_the_leader_reads_the_whole_letter_and_previews_it_watermarked(clerk, leader, client):
    # given a draft waiting for 签发 (a routine kind)
    setting = document_kind_setting(NoticeKind.GENERAL_NOTICE)
    setting.review_required = False
    setting.save()
    notice = _draft(clerk)
    signoff.notice_submit(notice_id=notice.pk, acting_user=clerk)
    client.force_login(leader)
    # when the leader opens its page and its preview
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    preview = client.get(f"/notices/{notice.pk}/pdf/", follow=True)
    # then the page carries the body text, and the preview is an inline PDF without a number
    assert "一、约谈事由" in page and "1.开工率偏低。" in page and 'name="opinion" value="同意"' in page
    assert preview.status_code == 200 and preview["Content-Type"] == "application/pdf"
    assert preview["Content-Disposition"].startswith("inline")
    text = _pdf_text(b"".join(preview.streaming_content) if preview.streaming else preview.content)
    assert "草稿" in text and "〔" not in text


def _pdf_text(data: bytes) -> str:
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        return subprocess.run(
            ["pdftotext", handle.name, "-"], capture_output=True, text=True, check=True
        ).stdout


def test_an_amended_calendar_draft_is_issued_as_typed(
    supervision_draft, clerk, leader, django_capture_on_commit_callbacks
):
    # given a calendar letter waiting for 签发, amended by a clerk (the routine kind needs no 核稿)
    setting = document_kind_setting(supervision_draft.kind)
    setting.review_required = False
    setting.save()
    text, _ = hand_drafting.draft_body(supervision_draft)
    data = hand_drafting.DraftInput(
        kind=supervision_draft.kind,
        title=supervision_draft.title,
        body=text + "\n特此函告。",
        unit_ids=[u.pk for u in supervision_draft.recipient_units.all()],
    )
    hand_drafting.notice_draft_edit(notice_id=supervision_draft.pk, data=data, acting_user=clerk)
    signoff.notice_submit(notice_id=supervision_draft.pk, acting_user=clerk)
    signoff.notice_opened_for_signoff(notice=Notice.objects.get(pk=supervision_draft.pk), acting_user=leader)
    # when the leader signs it
    with django_capture_on_commit_callbacks(execute=True):
        issued = signoff.notice_sign(notice_id=supervision_draft.pk, acting_user=leader)
    # then the issued PDF says what the clerk typed, and the facts of the rule are still on record
    with issued.pdf.open("rb") as handle:
        assert "特此函告" in _pdf_text(handle.read())
    assert issued.context.get("items") and issued.versions.count() == 2


@pytest.fixture
def supervision_draft(contacts, houma, clerk):
    from notices import services

    notice = services.notice_draft_create(
        kind=NoticeKind.SUPERVISION,
        recipient_units=[houma],
        context={
            "reason": "工程进度滞后",
            "items": [
                {"project_code": "LF-2023-018", "project_name": "汾河治理工程", "facts": "形象进度滞后30%。"}
            ],
            "requirements": "请于反馈期限前报送整改情况。",
        },
        source_key="test:R3:houma",
        acting_user=clerk,
    )
    return services.notice_advance_after_draft(notice_id=notice.pk, acting_user=clerk)


def test_notice_preview_writes_the_drafts_watermarked_pdf(clerk, tmp_path):
    # given a hand-written draft
    notice = _draft(clerk)
    target = tmp_path / "preview.pdf"
    # when its preview is written from the command line
    call_command("notice_preview", str(notice.pk), "-o", str(target))
    # then the file is the letter, watermarked 草稿, without a number
    text = _pdf_text(target.read_bytes())
    assert "草稿" in text and "1.开工率偏低。" in text and "〔" not in text
