"""电子签章 (issue 14): every issued PDF is signed by the office; a file whose signature fails is
never served — not on download, not by e-mail — and `verify_notices` fails."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from notices import rendering, sealing
from notices.models import Delivery, Notice
from notices.services import notice_email_deliver
from notices.services.issuing import DOCUMENT_TEMPLATE, document_for

pytestmark = pytest.mark.django_db


def _stored(notice: Notice) -> bytes:
    with default_storage.open(notice.pdf.name, "rb") as handle:
        return handle.read()


def _replace_file_and_hash(notice: Notice, content: bytes) -> None:
    """Someone with access to the disk and the database swaps the file and its recorded hash."""
    with default_storage.open(notice.pdf.name, "wb") as handle:
        handle.write(content)
    Notice.objects.filter(pk=notice.pk).update(sha256=hashlib.sha256(content).hexdigest())


def test_the_issued_pdf_validates_against_the_demo_ca_with_pyhankos_validator(supervision_letter):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    # given an issued letter and the demo CA
    ca_path, _ = sealing.demo_material_ensure()
    roots = list(sealing._trust_roots((str(ca_path),)))
    # when pyHanko validates the stored PDF's signature
    reader = PdfFileReader(io.BytesIO(_stored(supervision_letter)))
    status = validate_pdf_signature(reader.embedded_signatures[0], ValidationContext(trust_roots=roots))
    # then it is intact, valid, trusted and covers the whole file, with a visible seal
    assert status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    field = reader.embedded_signatures[0].sig_field
    assert field["/Rect"][2] > field["/Rect"][0]  # a visible widget, not an invisible signature


def test_the_recipients_page_says_the_seal_is_valid_with_signer_and_time(
    supervision_letter, county_liaison, client
):
    # given the addressed county's liaison
    client.force_login(county_liaison)
    # when they open the letter's page
    page = client.get(f"/notices/{supervision_letter.pk}/").content.decode()
    # then it says the seal is valid, who signed it, and shows no hash
    assert "电子签章有效" in page and "签发人" in page
    assert supervision_letter.sha256 not in page


def test_a_pdf_replaced_with_its_hash_updated_is_refused_on_download_and_email_and_verify_fails(
    supervision_letter, county_liaison, client
):
    # given the issued PDF replaced by an unsigned rendering of the same letter, its hash updated too
    notice = supervision_letter
    unsigned = rendering.render_pdf(
        DOCUMENT_TEMPLATE, {"doc": document_for(notice, number=notice.number, issued_on=notice.issued_on)}
    )
    _replace_file_and_hash(notice, unsigned)
    # when the recipient downloads it
    client.force_login(county_liaison)
    response = client.get(f"/notices/{notice.pk}/pdf/")
    # then it is refused with a Chinese message, and the page says the seal is not valid
    assert response.status_code == 409 and "电子签章" in response.content.decode()
    assert "电子签章无效" in client.get(f"/notices/{notice.pk}/").content.decode()
    # and the e-mail is not sent
    delivery = Delivery.objects.filter(notice=notice).first()
    Delivery.objects.filter(pk=delivery.pk).update(status="pending", emails=["houma@example.cn"])
    mail.outbox.clear()
    with pytest.raises(Exception):  # noqa: B017 - the refusal is re-raised for the retry machinery
        notice_email_deliver(delivery_id=delivery.pk)
    assert not [m for m in mail.outbox if m.attachments]
    # and verify_notices exits non-zero naming the signature
    with pytest.raises(CommandError):
        call_command("verify_notices", stderr=(err := io.StringIO()))
    assert "电子签章" in err.getvalue()


def test_a_byte_changed_after_signing_fails_the_signature_check(supervision_letter):
    # given the issued PDF with bytes appended after the signature (an incremental update)
    content = _stored(supervision_letter) + b"\n1 0 obj<<>>endobj\n%%EOF\n"
    # when its signature is checked
    check = sealing.pdf_signature_check(content)
    # then it is not valid
    assert not check.valid and check.reason
