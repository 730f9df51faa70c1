"""The demo generates every kind from the demo ledger, issued with PDFs, and is idempotent."""
import subprocess

import pytest
from django.core.management import call_command

from notices.models import Notice, NoticeKind, NoticeState


@pytest.mark.django_db
def test_demo_generates_every_kind_once(demo_ledger, django_capture_on_commit_callbacks):
    # given the demo ledger
    # when the demo notices are generated twice
    with django_capture_on_commit_callbacks(execute=True):
        call_command("generate_demo_notices", skip_checks=True)
        call_command("generate_demo_notices", skip_checks=True)
    # then every kind exists once, issued, with a PDF poppler can read
    assert sorted(Notice.objects.values_list("kind", flat=True)) == sorted(NoticeKind.values)
    for notice in Notice.objects.all():
        assert notice.number and notice.pdf and len(notice.sha256) == 64
        text = subprocess.run(["pdftotext", notice.pdf.path, "-"], capture_output=True, text=True, check=True).stdout
        assert notice.number in text
    states = set(Notice.objects.values_list("state", flat=True))
    assert {NoticeState.CLOSED, NoticeState.ANSWERED, NoticeState.ACKNOWLEDGED} <= states
