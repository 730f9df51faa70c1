"""Thresholds: editable by the office, every change audited, and the rules follow them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.actors import SYSTEM
from dispatch import services
from dispatch.models import Rule
from offices.keys import SettingGroup, ThresholdKey
from offices.models import OfficeSetting
from offices.selectors import office_setting, office_settings
from tests.dispatch.helpers import frozen
from tracker.choices import AuditAction
from tracker.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_defaults_are_those_of_the_issue(demo_ledger):
    values = office_settings(group=SettingGroup.THRESHOLDS)
    assert values[ThresholdKey.PROGRESS_YELLOW_GAP] == 10 and values[ThresholdKey.PROGRESS_RED_GAP] == 30
    assert values[ThresholdKey.R3_MIN_RISE] == 5 and values[ThresholdKey.R7_ESCALATION_WORKING_DAYS] == 10
    assert values[ThresholdKey.R4_DAYS_BEFORE_COMPLETION] == 30 and values[ThresholdKey.R4_MIN_PROGRESS] == 90


def test_leader_changes_a_threshold_and_the_change_is_audited(demo_ledger, leader):
    # when
    services.threshold_set(key=ThresholdKey.R3_MIN_RISE, value="3.5", acting_user=leader)
    # then
    assert office_setting(ThresholdKey.R3_MIN_RISE) == Decimal("3.50")
    event = AuditEvent.objects.get(action=AuditAction.THRESHOLD_CHANGE)
    assert (event.from_state, event.to_state, event.actor) == ("5", "3.5", leader)
    assert "督办函" in event.reason


def test_threshold_change_refused_to_a_clerk_and_nothing_written(demo_ledger, clerk):
    with pytest.raises(PermissionDenied):
        services.threshold_set(key=ThresholdKey.R3_MIN_RISE, value="3", acting_user=clerk)
    assert not OfficeSetting.objects.filter(key__in=ThresholdKey.values).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.THRESHOLD_CHANGE).exists()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (ThresholdKey.R3_MIN_RISE, "五", "应为数字"),
        (ThresholdKey.R4_MIN_PROGRESS, "120", "不能超过100"),
        (ThresholdKey.R3_MIN_RISE, "-1", "应在0到"),
        ("no_such_key", "1", "未知的调度阈值"),
    ],
)
def test_bad_threshold_value_gets_a_clear_message(demo_ledger, leader, key, value, message):
    with pytest.raises(ValidationError) as error:
        services.threshold_set(key=key, value=value, acting_user=leader)
    assert message in error.value.messages[0]
    assert not OfficeSetting.objects.filter(key__in=ThresholdKey.values).exists()


def test_rules_follow_a_changed_threshold(demo_ledger, leader):
    # given the office lowers the site-visit progress bar to 0%: only overdue projects qualify
    day = dt.date(2025, 9, 26)
    with frozen(day):
        services.threshold_set(key=ThresholdKey.R4_MIN_PROGRESS, value="0", acting_user=leader)
        fired = services.daily_scan_run(on_date=day, acting_user=SYSTEM)
    # then every site visit is for a project past its planned completion
    visits = [f for f in fired if f.rule == Rule.R4_SITE_VISIT]
    assert visits and all("已逾期" in f.facts for f in visits)


def test_admin_edits_thresholds_through_the_audited_service(demo_ledger, leader, client):
    client.force_login(leader)
    response = client.post(
        "/admin/offices/officesetting/add/", {"key": ThresholdKey.R7_ESCALATION_WORKING_DAYS, "value": "8"}
    )
    assert response.status_code == 302
    assert office_setting(ThresholdKey.R7_ESCALATION_WORKING_DAYS) == 8
    assert AuditEvent.objects.filter(action=AuditAction.THRESHOLD_CHANGE, actor=leader).count() == 1


def test_admin_shows_thresholds_read_only_to_a_clerk(demo_ledger, clerk, client):
    # given a clerk in the admin (staff, allowed to view the calendar's settings)
    client.force_login(clerk)
    # when they open the add form or post a change
    add_form = client.get("/admin/offices/officesetting/add/")
    posted = client.post(
        "/admin/offices/officesetting/add/", {"key": ThresholdKey.R7_ESCALATION_WORKING_DAYS, "value": "8"}
    )
    # then the admin refuses both (only an office leader sets thresholds) and nothing changes
    assert add_form.status_code == 403 and posted.status_code == 403
    assert office_setting(ThresholdKey.R7_ESCALATION_WORKING_DAYS) != 8
    assert not AuditEvent.objects.filter(action=AuditAction.THRESHOLD_CHANGE).exists()
