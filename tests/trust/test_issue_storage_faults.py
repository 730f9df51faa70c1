"""A full disk or an unwritable media folder while a notice is issued: the notice stays unissued
with a clear Chinese message, no number is consumed (the next notice issued takes it), and no
partial PDF is left behind."""

from __future__ import annotations

import resource
import signal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from notices import services
from notices.models import Delivery, Notice, NoticeKind, NoticeState, NumberCounter
from tracker.models import AuditEvent

PREFIX = "临一泓专办函"


def _draft(unit, clerk, key: str) -> Notice:
    return services.notice_draft_create(
        kind=NoticeKind.WARNING,
        recipient_units=[unit],
        context={"reason": "测试规则", "items": []},
        source_key=key,
        acting_user=clerk,
    )


def _last_number() -> int:
    counter = NumberCounter.objects.filter(number_prefix=PREFIX, year=timezone.localdate().year).first()
    return counter.last_number if counter else 0


def _pdfs(media) -> list:
    return sorted(p.name for p in media.rglob("*") if p.is_file() and p.suffix == ".pdf")


def _assert_left_unissued(notice: Notice) -> None:
    notice = Notice.objects.get(pk=notice.pk)
    assert notice.state == NoticeState.DRAFT
    assert notice.number is None and notice.number_sequence is None and not notice.pdf and not notice.sha256
    assert not Delivery.objects.filter(notice=notice).exists()
    assert not AuditEvent.objects.filter(
        object_type="notice", object_id=str(notice.pk), data__transition="issue"
    ).exists()


@pytest.mark.django_db
def test_unwritable_media_folder_leaves_the_notice_unissued_with_a_chinese_message(
    contacts,
    houma,
    clerk,
    leader,
    client,
    settings,
    tmp_path,
):
    # given a draft letter, and a media folder where the year's notice folder cannot be created
    # (a plain file stands where the folder must go: refused even for root)
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "notices").mkdir(parents=True)
    blocker = settings.MEDIA_ROOT / "notices" / str(timezone.localdate().year)
    blocker.write_text("not a folder")
    notice = _draft(houma, clerk, "trust:storage:unwritable")
    before = _last_number()
    client.force_login(leader)
    # when the leader signs it on the page
    response = client.post(reverse("notices:sign", args=[notice.pk]))
    # then the page says why, in Chinese, and the notice is as it was
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("公文PDF无法写入存储" in m and "文号未占用" in m for m in shown), shown
    _assert_left_unissued(notice)
    assert _last_number() == before
    # and once the folder is writable again, the same draft takes the number that was not used
    blocker.unlink()
    issued = services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader)
    assert issued.number_sequence == before + 1
    assert _pdfs(settings.MEDIA_ROOT) == [f"{PREFIX}-{issued.number_year}-{before + 1}.pdf"]


@pytest.fixture
def disk_full_after(monkeypatch):
    """While the media storage writes a file, limit the size of files this process may write
    (RLIMIT_FSIZE): the write past the limit fails with EFBIG exactly where a full disk fails
    with ENOSPC, cutting the PDF off mid-write. Only around the storage write, so that the
    test database (SQLite's journal) is not hit too."""
    from django.core.files.storage import FileSystemStorage

    real_save = FileSystemStorage.save
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    writes = {"failed": 0}

    def set_limit(size: int) -> None:
        def save_on_a_full_disk(storage, name, content, *args, **kwargs):
            previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
            try:
                return real_save(storage, name, content, *args, **kwargs)
            except OSError:
                writes["failed"] += 1
                raise
            finally:
                resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
                signal.signal(signal.SIGXFSZ, previous)

        monkeypatch.setattr(FileSystemStorage, "save", save_on_a_full_disk)

    def clear() -> None:
        monkeypatch.setattr(FileSystemStorage, "save", real_save)

    set_limit.clear = clear
    set_limit.writes = writes
    return set_limit


@pytest.mark.django_db
def test_disk_full_while_writing_the_pdf_consumes_no_number_and_leaves_no_partial_file(
    contacts,
    houma,
    clerk,
    leader,
    settings,
    tmp_path,
    disk_full_after,
):
    # given two drafts, and a disk that fills up 20 KB into the letter's PDF (~65 KB)
    settings.MEDIA_ROOT = tmp_path / "media"
    first = _draft(houma, clerk, "trust:storage:full:1")
    second = _draft(houma, clerk, "trust:storage:full:2")
    before = _last_number()
    # when the first is signed
    disk_full_after(20 * 1024)
    with pytest.raises(services.NoticeRefused) as refused:
        services.notice_sign_and_issue(notice_id=first.pk, acting_user=leader)
    disk_full_after.clear()
    # then it is refused in Chinese, stays a draft, and nothing of it is on disk
    assert disk_full_after.writes["failed"] == 1, "the PDF write itself failed"
    assert "公文PDF无法写入存储" in refused.value.messages[0]
    _assert_left_unissued(first)
    assert _last_number() == before
    assert _pdfs(settings.MEDIA_ROOT) == []
    # and the next notice issued gets the number the failed one would have had
    issued = services.notice_sign_and_issue(notice_id=second.pk, acting_user=leader)
    assert issued.number_sequence == before + 1
    assert issued.number == f"{PREFIX}〔{issued.number_year}〕{before + 1}号"
    assert _pdfs(settings.MEDIA_ROOT) == [f"{PREFIX}-{issued.number_year}-{before + 1}.pdf"]
