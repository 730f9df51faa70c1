"""The leader's channel page, the outbox, the letter's panel, and the 批示 to the office."""
from __future__ import annotations

import pytest

from outreach.models import Channel, Endpoint, Message, MessageKind, MessageStatus, Scope
from tracker import services as tracker_services
from tracker.models import AuditEvent, Project

pytestmark = pytest.mark.django_db


def test_leader_adds_a_dingtalk_robot_naming_the_variables_and_the_page_never_shows_the_secret(
    client, leader, houma, monkeypatch
):
    # given
    monkeypatch.setenv("YIHONG_DING_TOKEN_HOUMA", "token-value-never-shown")
    monkeypatch.setenv("YIHONG_DING_SECRET_HOUMA", "SECvalue-never-shown")
    client.force_login(leader)
    # when
    response = client.post("/outreach/channels/", {
        "channel": "dingtalk", "scope": "unit", "unit": houma.pk, "label": "侯马市工作群",
        "token_env": "YIHONG_DING_TOKEN_HOUMA", "secret_env": "YIHONG_DING_SECRET_HOUMA",
    })
    page = client.get("/outreach/channels/").content.decode()
    # then
    assert response.status_code == 302
    endpoint = Endpoint.objects.get(label="侯马市工作群")
    assert endpoint.unit == houma and endpoint.secret_env == "YIHONG_DING_SECRET_HOUMA"
    assert "YIHONG_DING_SECRET_HOUMA" in page and "已设置" in page
    assert "never-shown" not in page
    assert AuditEvent.objects.filter(object_type="outreach.endpoint", object_id=str(endpoint.pk)).exists()


def test_a_dingtalk_robot_without_its_signing_secret_is_refused(client, leader, houma):
    # given
    client.force_login(leader)
    # when
    response = client.post("/outreach/channels/", {
        "channel": "dingtalk", "scope": "unit", "unit": houma.pk, "label": "侯马市工作群",
        "token_env": "YIHONG_DING_TOKEN_HOUMA",
    }, follow=True)
    # then
    assert "加签" in response.content.decode() and not Endpoint.objects.exists()


def test_a_clerk_may_read_the_outbox_but_not_configure_channels(client, clerk):
    # given
    client.force_login(clerk)
    # then
    assert client.get("/outreach/outbox/").status_code == 200
    assert client.get("/outreach/channels/").status_code == 403


def test_a_city_leaders_instruction_reaches_the_offices_robot(
    receiver, leader, city_leader, county_liaison, django_capture_on_commit_callbacks
):
    # given the office reads on 钉钉
    Endpoint.objects.create(channel=Channel.DINGTALK, scope=Scope.OFFICE, label="专班办工作群",
                            token_env="YIHONG_DING_TOKEN_HOUMA", secret_env="YIHONG_DING_SECRET_HOUMA")
    project = Project.objects.filter(unit=county_liaison.staff_profile.unit).first()
    problem = tracker_services.problem_raise(project_id=project.pk, acting_user=leader,
                                             description="征地补偿款未到位", category="land")
    tracker_services.problem_escalate(problem_id=problem.pk, acting_user=leader, reason="专班协调未果")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        tracker_services.problem_instruct(problem_id=problem.pk, acting_user=city_leader, text="请市水利局牵头协调")
    # then
    [message] = Message.objects.filter(kind=MessageKind.INSTRUCTION)
    assert message.status == MessageStatus.SENT and "作出批示" in message.text
    assert message.link.endswith(f"/projects/{project.pk}/")
    assert [e["channel"] for e in receiver.received] == ["dingtalk"]


def test_the_letters_page_shows_each_message_and_its_result_to_the_office(
    client, receiver, houma_endpoints, houma, clerk, leader, django_capture_on_commit_callbacks, monkeypatch
):
    # given a letter announced while the 企业微信 key is wrong
    from tests.outreach.conftest import issue_letter

    monkeypatch.setenv("YIHONG_WECOM_KEY_HOUMA", "revoked-key")
    letter = issue_letter(houma=houma, clerk=clerk, leader=leader, capture=django_capture_on_commit_callbacks)
    client.force_login(clerk)
    # when
    page = client.get(f"/notices/{letter.pk}/").content.decode()
    # then
    assert "消息提醒" in page and "钉钉群机器人" in page and "已发送" in page
    assert "发送失败" in page and "93000" in page
