"""A letter's own files bound into the issued PDF (GB/T 9704 §7.3.7): after the body and
before the 版记, "附件N" on the first line and the title on the third, every page counted and
numbered, the whole file signed; files that cannot be bound are refused at upload."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.storage import default_storage

from notices import appending, sealing
from notices.models import Notice, NoticeKind
from notices.services import hand_drafting, notice_preview_pdf, notice_sign_and_issue
from notices.services.records import NoticeRefused
from notices.services.replies import UploadedAttachment
from tests.notices import sample_files
from tests.notices.pdf_reading import open_pdf
from tracker.models import AdministrativeUnit

pytestmark = pytest.mark.django_db

BODY = "为做好汛期工程安全工作，现将有关事项通知如下。\n一、工作要求\n请各县（市、区）对照附件逐项落实。\n特此通知。"


def _draft(clerk, files) -> Notice:
    data = hand_drafting.DraftInput(
        kind=NoticeKind.GENERAL_NOTICE,
        title="关于做好汛期生态保护工程安全工作的通知",
        body=BODY,
        unit_ids=[AdministrativeUnit.objects.get(code="houma").pk],
        copy_to=[hand_drafting.CITY_GOVERNMENT_NAME],
        files=files,
    )
    return hand_drafting.notice_hand_draft(data=data, acting_user=clerk)


def _stored(notice: Notice) -> bytes:
    with default_storage.open(notice.pdf.name, "rb") as handle:
        return handle.read()


def _page_texts(pdf_bytes: bytes) -> list[str]:
    return [(page.extract_text() or "").replace(" ", "") for page in open_pdf(pdf_bytes).pages]


@pytest.fixture
def issued_with_pdf_and_png(clerk, leader, django_capture_on_commit_callbacks):
    """An issued 通知 with a 2-page PDF (附件1) and a PNG (附件2)."""
    notice = _draft(clerk, [
        ("汛期安全检查表", UploadedAttachment(name="检查表.pdf",
                                        content=sample_files.pdf_with_pages("CHECKLIST-P1", "CHECKLIST-P2"))),
        ("工程现场照片", UploadedAttachment(name="现场.png", content=sample_files.png())),
    ])
    with django_capture_on_commit_callbacks(execute=True):
        return notice_sign_and_issue(notice_id=notice.pk, acting_user=leader)


def test_the_issued_pdf_binds_each_attachment_after_the_body_and_before_the_colophon(issued_with_pdf_and_png):
    # given an issued letter with a 2-page PDF and a PNG attached
    pdf = _stored(issued_with_pdf_and_png)
    # when its pages are read back
    texts = _page_texts(pdf)
    body_end = next(index for index, text in enumerate(texts) if "特此通知" in text)
    first, second, photo = texts[body_end + 1], texts[body_end + 2], texts[body_end + 3]
    # then 附件1 starts on a new page with its label, title and its own first page's text
    assert first.startswith("附件1") and "汛期安全检查表" in first and "CHECKLIST-P1" in first
    # and its second page follows on the next page, then the photo as 附件2
    assert "CHECKLIST-P2" in second and "附件" not in second.split("CHECKLIST")[0]
    assert photo.startswith("附件2") and "工程现场照片" in photo
    assert open_pdf(pdf).pages[body_end + 3].images, "the photo is on 附件2's page"
    # and the 版记 is on the last page, an even one, after every attachment
    assert "印发" in texts[-1] and len(texts) % 2 == 0
    assert not any("印发" in text for text in texts[:-1])


def test_the_attached_pdf_stays_vector_text(issued_with_pdf_and_png):
    # given the issued letter
    pdf = _stored(issued_with_pdf_and_png)
    # when the attached page is read with pypdf (not OCR)
    from pypdf import PdfReader

    texts = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    # then the attachment's own words are text, with its fonts, not a picture of them
    assert any("CHECKLIST-P1" in text and "Lorem ipsum" in text for text in texts)


def test_the_signature_covers_the_appended_pages_and_the_recorded_hash_matches(issued_with_pdf_and_png):
    # given the issued letter with its attachments
    notice = issued_with_pdf_and_png
    pdf = _stored(notice)
    # when its signature is checked and its hash taken
    check = sealing.pdf_signature_check(pdf)
    # then the signature is valid over the whole file and the recorded SHA-256 is of these bytes
    assert check.valid, check.reason
    assert hashlib.sha256(pdf).hexdigest() == notice.sha256


def test_page_numbers_run_through_the_attachment_pages(issued_with_pdf_and_png):
    # given the issued letter
    texts = _page_texts(_stored(issued_with_pdf_and_png))
    # when the page numbers are read at the foot of the pages before the 版记
    numbered = [index + 1 for index, text in enumerate(texts[:-1]) if f"—{index + 1}—" in text]
    # then every page up to the last attachment page carries its number
    assert numbered == list(range(1, len(texts)))


def test_the_draft_preview_carries_the_attachments_too(clerk):
    # given a draft with a 2-page PDF attached
    notice = _draft(clerk, [("汛期安全检查表", UploadedAttachment(
        name="检查表.pdf", content=sample_files.pdf_with_pages("CHECKLIST-P1", "CHECKLIST-P2")))])
    # when its preview is rendered
    texts = _page_texts(notice_preview_pdf(notice=notice))
    # then the attachment's pages are there, under "附件" (the only attachment: no number)
    page = next(text for text in texts if "CHECKLIST-P1" in text)
    assert page.startswith("附件") and "汛期安全检查表" in page
    assert any("CHECKLIST-P2" in text for text in texts)


def test_a_word_document_is_embedded_and_its_page_says_so(clerk, leader, django_capture_on_commit_callbacks):
    # given a draft with a DOCX attached (no converter on the server)
    content = sample_files.docx()
    notice = _draft(clerk, [("约谈议程", UploadedAttachment(name="约谈议程.docx", content=content))])
    # when it is issued
    with django_capture_on_commit_callbacks(execute=True):
        issued = notice_sign_and_issue(notice_id=notice.pk, acting_user=leader)
    pdf = _stored(issued)
    # then the original file is embedded, byte for byte, and its 附件 page says where it is
    assert appending.pdf_embedded_files(pdf) == {"约谈议程.docx": content}
    page = next(text for text in _page_texts(pdf) if text.startswith("附件")).replace("\n", "")
    assert "约谈议程.docx" in page and "已嵌入本PDF文件" in page
    # and the signature still covers the whole file
    assert sealing.pdf_signature_check(pdf).valid


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("材料.pdf", sample_files.encrypted_pdf, "加密或设有密码保护"),
        ("材料.pdf", sample_files.damaged_pdf, "不是完整有效的PDF文件"),
        ("材料.png", lambda: sample_files.png()[:300], "不是完整有效的图片文件"),
    ],
)
def test_an_encrypted_or_damaged_file_is_refused_at_upload_in_chinese(clerk, name, content, message):
    # given a PDF or an image that cannot be bound into a letter
    upload = UploadedAttachment(name=name, content=content())
    # when the clerk attaches it to a draft
    # then the draft is refused with the reason, and nothing is stored
    with pytest.raises(NoticeRefused, match=message) as refused:
        _draft(clerk, [("材料", upload)])
    assert name in str(refused.value)
    assert not Notice.objects.filter(title="关于做好汛期生态保护工程安全工作的通知").exists()
