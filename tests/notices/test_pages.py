"""Office pages: list, sign-off queue, sign via the page; admin keeps issued notices read-only."""
import pytest

from notices import services
from notices.models import Notice, NoticeKind, NoticeState


@pytest.fixture
def queued_letter(contacts, houma, clerk):
    notice = services.notice_draft_create(
        kind=NoticeKind.REMINDER, recipient_units=[houma], context={"reason": "测试规则", "items": []},
        acting_user=clerk)
    return services.notice_advance_after_draft(notice_id=notice.pk, acting_user=clerk)


@pytest.mark.django_db
def test_leader_sees_signoff_queue_and_signs_from_the_page(queued_letter, leader, client):
    # given a letter waiting for sign-off
    client.force_login(leader)
    # when the leader opens the list, reads the letter (only a letter read is signed) and signs
    page = client.get("/notices/").content.decode()
    client.get(f"/notices/{queued_letter.pk}/")
    response = client.post(f"/notices/{queued_letter.pk}/sign/")
    # then it was listed and is now issued with a number
    assert "待签发" in page and queued_letter.title in page
    assert response.status_code == 302
    notice = Notice.objects.get(pk=queued_letter.pk)
    assert notice.number and notice.state != NoticeState.PENDING_SIGNOFF


@pytest.mark.django_db
def test_clerk_cannot_sign_from_the_page(queued_letter, clerk, client):
    client.force_login(clerk)
    assert client.post(f"/notices/{queued_letter.pk}/sign/").status_code == 403
    assert Notice.objects.get(pk=queued_letter.pk).number is None


@pytest.mark.django_db
def test_liaison_never_sees_drafts(queued_letter, county_liaison, client):
    client.force_login(county_liaison)
    assert client.get(f"/notices/{queued_letter.pk}/").status_code == 404


@pytest.mark.django_db
def test_admin_shows_issued_notice_read_only(supervision_letter, admin_client):
    # given an issued notice
    url = f"/admin/notices/notice/{supervision_letter.pk}/change/"
    # when an admin posts a new title
    page = admin_client.get(url).content.decode()
    admin_client.post(url, {"title": "改过的标题"})
    # then no editable title field is offered and nothing changed
    assert 'name="title"' not in page
    assert Notice.objects.get(pk=supervision_letter.pk).title == supervision_letter.title


@pytest.mark.django_db
def test_rejected_upload_through_the_page_shows_why_and_changes_nothing(supervision_letter, county_liaison,
                                                                       client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from notices.models import NoticeAnswer

    # given an acknowledged letter
    client.force_login(county_liaison)
    client.post(f"/notices/{supervision_letter.pk}/acknowledge/")
    # when an executable renamed to .pdf is uploaded
    response = client.post(
        f"/notices/{supervision_letter.pk}/answer/",
        {"text": "已整改", "attachments": [SimpleUploadedFile("整改报告.pdf", b"MZ\x90\x00" * 20)]},
        follow=True,
    )
    # then the page says which file and why, and nothing was stored
    page = response.content.decode()
    assert "整改报告.pdf" in page and "与文件内容不符" in page
    assert not NoticeAnswer.objects.filter(notice=supervision_letter).exists()
    assert Notice.objects.get(pk=supervision_letter.pk).state == NoticeState.ACKNOWLEDGED
