"""Thresholds a 专班 would never accept: yellow at or above red, fractional counts."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dispatch import services
from offices.keys import SettingGroup, ThresholdKey
from offices.models import OfficeSetting
from offices.selectors import office_setting, office_settings
from tracker.choices import AuditAction
from tracker.models import AuditEvent

pytestmark = pytest.mark.django_db


def _page_values(**changes) -> dict:
    thresholds = office_settings(group=SettingGroup.THRESHOLDS)
    values = {key: f"{value.normalize():f}" for key, value in thresholds.items()}
    values.update(changes)
    return values


def test_yellow_gap_at_or_above_red_is_refused_by_the_service(demo_ledger, leader):
    # given red at 30 (default); when yellow is set to 40
    with pytest.raises(ValidationError) as refusal:
        services.threshold_set(key=ThresholdKey.PROGRESS_YELLOW_GAP, value="40", acting_user=leader)
    # then
    assert "须小于" in refusal.value.messages[0] and "黄灯永远不会亮" in refusal.value.messages[0]
    assert not OfficeSetting.objects.filter(key__in=ThresholdKey.values).exists()


def test_yellow_and_red_raised_together_are_checked_together(demo_ledger, leader):
    # when both move in one save (yellow 40 is above the old red 30, below the new red 50)
    services.thresholds_set(changes={ThresholdKey.PROGRESS_YELLOW_GAP: "40",
                                     ThresholdKey.PROGRESS_RED_GAP: "50"},
                            acting_user=leader)
    # then both are saved, each audited
    current = office_settings(group=SettingGroup.THRESHOLDS)
    assert (current[ThresholdKey.PROGRESS_YELLOW_GAP], current[ThresholdKey.PROGRESS_RED_GAP]) == (40, 50)
    assert AuditEvent.objects.filter(action=AuditAction.THRESHOLD_CHANGE).count() == 2


@pytest.mark.parametrize("key", [ThresholdKey.R3_ACK_WORKING_DAYS, ThresholdKey.START_RED_MONTHS,
                                 ThresholdKey.R3_REPORT_COUNT])
def test_fractional_day_month_or_count_is_refused(demo_ledger, leader, key):
    with pytest.raises(ValidationError) as refusal:
        services.threshold_set(key=key, value="1.5", acting_user=leader)
    assert "应为整数" in refusal.value.messages[0]
    assert not OfficeSetting.objects.filter(key__in=ThresholdKey.values).exists()


def test_percentage_thresholds_may_have_decimals(demo_ledger, leader):
    saved = services.threshold_set(key=ThresholdKey.R3_MIN_RISE, value="2.5", acting_user=leader)
    assert f"{saved.typed_value.normalize():f}" == "2.5"
    assert office_setting(ThresholdKey.R3_MIN_RISE) == Decimal("2.5")


def test_threshold_page_shows_order_and_whole_number_errors_on_their_fields(client, leader):
    # given
    client.force_login(leader)
    # when
    response = client.post("/dispatch/thresholds/", _page_values(
        **{ThresholdKey.PROGRESS_YELLOW_GAP: "40", ThresholdKey.R3_ACK_WORKING_DAYS: "1.5"}))
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "黄灯永远不会亮" in page
    assert "应为整数" in page
    assert not OfficeSetting.objects.filter(key__in=ThresholdKey.values).exists()


def test_threshold_page_counts_step_by_whole_units(client, leader):
    client.force_login(leader)
    page = client.get("/dispatch/thresholds/").content.decode()
    ack = re.search(rf'<input[^>]*name="{ThresholdKey.R3_ACK_WORKING_DAYS}"[^>]*>', page).group(0)
    rise = re.search(rf'<input[^>]*name="{ThresholdKey.R3_MIN_RISE}"[^>]*>', page).group(0)
    assert 'step="1"' in ack
    assert 'step="0.01"' in rise
