"""Uploads are limited in size and count while streaming, refused before
they fill memory (config.upload_limits, Django's upload settings)."""
from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse

from config.upload_limits import UploadSizeLimitMiddleware
from notices import services
from notices.models import NoticeAnswer

pytestmark = pytest.mark.django_db

KB = 1024
PDF_BODY = b"%PDF-1.4\n" + b"0" * (300 * KB)


def _pdf(name: str, size: int = 300 * KB) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BODY[:size], content_type="application/pdf")


@pytest.fixture
def acknowledged(supervision_letter, county_liaison):
    services.notice_acknowledge(notice_id=supervision_letter.pk, acting_user=county_liaison)
    return supervision_letter


def test_upload_settings_stream_files_and_cap_their_number():
    # then files above 2 MB go to temporary files, and a request carries at most 10 of them
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2 * 1024 * KB
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 10
    assert "config.upload_limits.UploadSizeLimitMiddleware" in settings.MIDDLEWARE
    assert (settings.MIDDLEWARE.index("config.upload_limits.UploadSizeLimitMiddleware")
            < settings.MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware"))


@override_settings(YIHONG_UPLOAD_MAX_REQUEST_BYTES=800 * KB)
def test_answer_larger_than_the_request_limit_is_refused_in_chinese_and_nothing_is_stored(
    client, acknowledged, county_liaison,
):
    # given
    client.force_login(county_liaison)
    # when a 反馈 carries three 300 KB attachments, above the 800 KB a request may hold
    response = client.post(reverse("notices:answer", args=[acknowledged.pk]), {
        "text": "已整改", "attachments": [_pdf("a.pdf"), _pdf("b.pdf"), _pdf("c.pdf")],
    })
    # then
    assert response.status_code == 413
    assert "超过每次提交的上限" in response.content.decode()
    assert not NoticeAnswer.objects.filter(notice=acknowledged).exists()


def test_answer_with_more_files_than_allowed_is_refused(client, acknowledged, county_liaison):
    # given
    client.force_login(county_liaison)
    # when eleven small attachments come in one request
    response = client.post(reverse("notices:answer", args=[acknowledged.pk]), {
        "text": "已整改", "attachments": [_pdf(f"{n}.pdf", 2 * KB) for n in range(11)],
    })
    # then the Chinese 400 page, nothing stored
    assert response.status_code == 400
    assert not NoticeAnswer.objects.filter(notice=acknowledged).exists()


@override_settings(YIHONG_UPLOAD_MAX_REQUEST_BYTES=800 * KB)
def test_oversized_evidence_upload_is_refused_before_the_form_reads_it(client, clerk, preparation_project):
    # given
    client.force_login(clerk)
    # when 开工 evidence of 900 KB is posted
    response = client.post(reverse("tracker:transition", args=[preparation_project.pk]), {
        "transition": "start", "reason": "开工", "expected_version": preparation_project.version,
        "evidence": SimpleUploadedFile("开工令.pdf", b"%PDF-1.4\n" + b"0" * (900 * KB)),
    })
    # then
    assert response.status_code == 413


class _UnreadableBody(io.RawIOBase):
    def read(self, *args):  # pragma: no cover - reaching it is the failure
        raise AssertionError("the body was read")

    readinto = read


@override_settings(YIHONG_UPLOAD_MAX_REQUEST_BYTES=1024 * KB)
def test_oversized_body_is_refused_without_reading_a_byte_of_it():
    # given a 400 MB upload announced, whose body must not be read
    request = RequestFactory().generic(
        "POST", "/notices/1/answer/", content_type="multipart/form-data; boundary=x",
    )
    request.META["CONTENT_LENGTH"] = str(400 * 1024 * KB)
    request.META["wsgi.input"] = _UnreadableBody()
    request._stream = _UnreadableBody()
    middleware = UploadSizeLimitMiddleware(lambda r: HttpResponse(r.POST))
    # when
    response = middleware(request)
    # then
    assert response.status_code == 413
