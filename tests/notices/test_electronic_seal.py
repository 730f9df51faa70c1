"""电子签章: every issued PDF is signed by the office; a file whose signature fails is
never served — not on download, not by e-mail — and `verify_notices` fails."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from notices import rendering, sealing
from notices.models import Notice
from notices.services.issuing import DOCUMENT_TEMPLATE, document_for
from outreach.channels import ChannelError
from outreach.models import Channel, Message, MessageKind, MessageStatus
from outreach.sending import message_send

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
    message = Message.objects.filter(notice=notice, kind=MessageKind.NEW_LETTER,
                                     channel=Channel.EMAIL).first()
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.PENDING)
    mail.outbox.clear()
    with pytest.raises(ChannelError, match="电子签章"):
        message_send(message_id=message.pk)
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


def test_the_seal_presses_signature_and_date_from_just_above_them_and_clears_the_note():
    from notices import documents
    from tests.notices.pdf_reading import open_pdf

    # given a letter with a 附注 (contact line) under its date, signed with the visible seal
    doc = documents.build_document(
        notice_format=documents.LETTER_FORMAT, number="临一泓专办函〔2025〕3号", kind="supervision",
        title="关于霍州市生态保护工程进度滞后的督办函", main_recipients="霍州市人民政府",
        context={"blocks": [{"kind": "p", "text": "请你市高度重视，逐项制定整改措施，明确责任人和完成时限，倒排工期、加快推进。"}]},
        issued_on=dt.date(2025, 9, 30), note="联系人：刘志强，电话：0357-2010002", title_terms=["霍州市"])
    pdf = sealing.pdf_sign(rendering.render_pdf("notices/pdf/document.html", {"doc": doc}))
    # when the seal's box and the text around it are read back
    page = open_pdf(pdf).pages[-1]
    seal = next(a for a in page.annots if "Widget" in str(a["data"].get("Subtype")))
    centre_x, centre_y = (seal["x0"] + seal["x1"]) / 2, (seal["top"] + seal["bottom"]) / 2

    def line_of(text):
        chars = [c for c in page.chars if c["text"] == text[0]]
        return next(c for c in chars if "".join(
            x["text"] for x in sorted((x for x in page.chars if abs(x["top"] - c["top"]) < 1),
                                      key=lambda x: x["x0"])
        ).replace(" ", "").startswith(text))

    issuer, date = line_of(doc["issuer"]), line_of("2025年9月30日")
    note = line_of("（联系人")
    body_bottom = max(c["bottom"] for c in page.chars if c["top"] < issuer["top"] - 20)
    date_chars = [c for c in page.chars if abs(c["top"] - date["top"]) < 1]
    issuer_chars = [c for c in page.chars if abs(c["top"] - issuer["top"]) < 1]
    # then 署名 and 成文日期 sit below the seal's centre (居印章中心偏下), the seal centred on both
    assert 0 <= issuer["top"] - centre_y < 6
    assert abs(centre_x - (min(c["x0"] for c in date_chars) + max(c["x1"] for c in date_chars)) / 2) < 1
    assert abs(centre_x - (min(c["x0"] for c in issuer_chars) + max(c["x1"] for c in issuer_chars)) / 2) < 1
    # its top within one line (28.99 pt) below the text above, without touching it
    assert 0 < seal["top"] - body_bottom < 28.99
    # and its foot does not cover the 附注 line below the date (GB/T 9704 §7.3.6)
    assert seal["bottom"] <= note["top"] + 1
