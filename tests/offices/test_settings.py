"""The office's settings: one getter returns each typed value (the default until the office chose
one), and a bad value is refused with a message naming the setting."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dispatch import services as dispatch_services
from notices import services as notice_services
from offices.document_kinds import document_kind_label
from offices.keys import (
    SETTINGS,
    HandlingRuleKey,
    LetterContactKey,
    SettingGroup,
    StartGateMode,
    ThresholdKey,
    setting_value_clean,
)
from offices.models import DocumentKindSetting, OfficeSetting
from offices.selectors import document_kind_setting, office_setting, office_settings
from tracker import services as tracker_services
from tracker.choices import AuditAction
from tracker.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_every_key_has_a_label_a_group_and_a_valid_default():
    for key, spec in SETTINGS.items():
        assert spec.label and spec.group in SettingGroup.values, key
        if spec.group != SettingGroup.LETTER_CONTACT:  # the contact is unset until the leader fills it in
            assert spec.value_problem(spec.default) is None, key


def test_the_getter_returns_typed_defaults_while_nothing_is_stored():
    # given no stored setting
    OfficeSetting.objects.all().delete()
    # then each key reads as its default, typed
    assert office_setting(ThresholdKey.R3_MIN_RISE) == Decimal("5")
    assert isinstance(office_setting(ThresholdKey.R3_REPORT_COUNT), Decimal)
    assert office_setting(HandlingRuleKey.START_EARLIER_PROCEDURES) == StartGateMode.WARN
    assert office_setting(LetterContactKey.NAME) == ""
    assert office_settings(group=SettingGroup.THRESHOLDS)[ThresholdKey.PROGRESS_RED_GAP] == Decimal("30")
    assert set(office_settings(group=SettingGroup.THRESHOLDS)) == set(ThresholdKey.values)


def test_the_getter_returns_stored_values_typed(leader):
    # when the leader sets a threshold, the start rule and the contact through their services
    dispatch_services.threshold_set(key=ThresholdKey.R3_MIN_RISE, value="2.5", acting_user=leader)
    tracker_services.handling_rule_set(key=HandlingRuleKey.START_EARLIER_PROCEDURES, value="refuse",
                                       acting_user=leader)
    notice_services.office_contact_set(acting_user=leader, name="王五", phone="0357-1234567")
    # then one getter reads each, typed, and each group reads in one query
    assert office_setting(ThresholdKey.R3_MIN_RISE) == Decimal("2.5")
    assert OfficeSetting.objects.get(key=ThresholdKey.R3_MIN_RISE).value == "2.50"
    assert office_setting(HandlingRuleKey.START_EARLIER_PROCEDURES) == StartGateMode.REFUSE
    assert office_settings(group=SettingGroup.LETTER_CONTACT) == {
        LetterContactKey.NAME: "王五", LetterContactKey.PHONE: "0357-1234567"}
    assert notice_services.office_contact() == ("王五", "0357-1234567")


def test_one_query_reads_a_whole_group(django_assert_num_queries):
    with django_assert_num_queries(1):
        office_settings(group=SettingGroup.THRESHOLDS)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (ThresholdKey.R3_MIN_RISE, "-1",
         "阈值“督办函：近几期周调度进度增幅低于几个百分点”应在0到999999.99之间"),
        (ThresholdKey.R3_MIN_RISE, "三点五", "阈值“督办函：近几期周调度进度增幅低于几个百分点”应为数字"),
        (ThresholdKey.R3_ACK_WORKING_DAYS, "1.5",
         "阈值“督办函：几个工作日内签收”是天数、月数或件数，应为整数"),
        (ThresholdKey.R4_MIN_PROGRESS, "120", "阈值“现场督导：形象进度低于百分之几”是百分数，不能超过100"),
        (HandlingRuleKey.START_EARLIER_PROCEDURES, "maybe",
         "“开工时前期手续（立项、用地、环评、招投标等）未办结”的取值无效"),
        (LetterContactKey.PHONE, "请拨总机", "联系电话应为号码"),
        (LetterContactKey.NAME, "", "请填写联系人"),
        ("no_such_setting", "1", "未知的设置项"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(key, value, message):
    with pytest.raises(ValidationError) as refusal:
        setting_value_clean(key, value)
    assert message in refusal.value.messages[0]


def test_a_bad_threshold_is_refused_by_the_service_and_nothing_is_stored(leader):
    with pytest.raises(ValidationError) as refusal:
        dispatch_services.threshold_set(key=ThresholdKey.R3_REPORT_COUNT, value="四期", acting_user=leader)
    assert "阈值“督办函：统计最近几期周调度”应为数字（填写值：四期）" in refusal.value.messages
    assert not OfficeSetting.objects.filter(key=ThresholdKey.R3_REPORT_COUNT).exists()


def test_the_contact_is_set_one_item_at_a_time_in_the_admin_and_audited(leader, clerk):
    # given no contact
    OfficeSetting.objects.filter(key__in=LetterContactKey.values).delete()
    # when the leader sets the name, then the phone
    notice_services.letter_contact_item_set(acting_user=leader, key=LetterContactKey.NAME, value=" 王五 ")
    assert notice_services.office_contact() is None
    notice_services.letter_contact_item_set(acting_user=leader, key=LetterContactKey.PHONE,
                                            value="0357-1234567")
    # then the contact is set, and each change is audited with the whole contact
    assert notice_services.office_contact() == ("王五", "0357-1234567")
    events = AuditEvent.objects.filter(object_type="office_contact").order_by("pk")
    assert [e.data for e in events][-1] == {"contact_name": "王五", "contact_phone": "0357-1234567"}
    assert events.last().action == AuditAction.ADMIN_EDIT
    with pytest.raises(PermissionDenied):
        notice_services.letter_contact_item_set(acting_user=clerk, key=LetterContactKey.NAME, value="赵六")


def test_a_kind_row_is_made_from_the_defaults_notices_registered():
    # given no row for the 督办函
    DocumentKindSetting.objects.filter(kind="supervision").delete()
    # when it is first needed
    setting = document_kind_setting("supervision")
    # then it carries notices' defaults and name
    assert (setting.number_prefix, setting.notice_format) == ("临一泓专办函", "letter")
    assert setting.answer_required is True
    assert (setting.acknowledge_workdays, setting.answer_workdays) == (1, 10)
    assert setting.get_kind_display() == document_kind_label("supervision") == "督办函"
    assert str(setting) == "督办函（临一泓专办函）"


def test_an_unregistered_kind_has_no_row():
    with pytest.raises(LookupError):
        document_kind_setting("no_such_kind")


def test_admin_changes_a_setting_through_its_owning_service(client, leader):
    # given the leader in the admin
    client.force_login(leader)
    # when they add the start rule and then post a bad threshold
    added = client.post("/admin/offices/officesetting/add/",
                        {"key": HandlingRuleKey.START_EARLIER_PROCEDURES, "value": "refuse"})
    refused = client.post("/admin/offices/officesetting/add/",
                          {"key": ThresholdKey.R3_MIN_RISE, "value": "-2"})
    # then the rule is set and audited as the rules' page does it, the threshold refused on the form
    assert added.status_code == 302
    assert office_setting(HandlingRuleKey.START_EARLIER_PROCEDURES) == StartGateMode.REFUSE
    change = AuditEvent.objects.get(action=AuditAction.THRESHOLD_CHANGE, object_id="start_earlier_procedures")
    assert change.data == {"key": "start_earlier_procedures", "before": "warn", "after": "refuse"}
    assert refused.status_code == 200 and "应在0到999999.99之间" in refused.content.decode()
    assert not OfficeSetting.objects.filter(key=ThresholdKey.R3_MIN_RISE).exists()


def test_admin_change_form_offers_a_rule_s_choices_and_saves_through_the_service(client, leader):
    # given a stored start rule and the leader on its change form
    tracker_services.handling_rule_set(key=HandlingRuleKey.START_EARLIER_PROCEDURES, value="refuse",
                                       acting_user=leader)
    row = OfficeSetting.objects.get(key=HandlingRuleKey.START_EARLIER_PROCEDURES)
    client.force_login(leader)
    url = f"/admin/offices/officesetting/{row.pk}/change/"
    form = client.get(url).content.decode()
    # when they choose 提示后允许开工 again
    saved = client.post(url, {"value": "warn"})
    # then the form offered both choices by name, and the change is the service's, audited
    assert "不允许开工" in form and "提示后允许开工" in form and "<select" in form
    assert saved.status_code == 302
    assert office_setting(HandlingRuleKey.START_EARLIER_PROCEDURES) == StartGateMode.WARN
    last = AuditEvent.objects.filter(action=AuditAction.THRESHOLD_CHANGE).latest("pk")
    assert (last.from_state, last.to_state) == ("refuse", "warn")


def test_admin_changes_a_threshold_row_and_refuses_yellow_above_red(client, leader):
    # given a stored red gap of 30
    dispatch_services.threshold_set(key=ThresholdKey.PROGRESS_RED_GAP, value="30", acting_user=leader)
    row = OfficeSetting.objects.get(key=ThresholdKey.PROGRESS_RED_GAP)
    client.force_login(leader)
    url = f"/admin/offices/officesetting/{row.pk}/change/"
    # when the leader lowers it to 8 (below the yellow gap of 10), then to 25
    refused = client.post(url, {"value": "8"}, follow=True)
    saved = client.post(url, {"value": "25"})
    # then the first is refused with the rule's message, the second saved
    assert "黄灯永远不会亮" in refused.content.decode()
    assert saved.status_code == 302
    assert office_setting(ThresholdKey.PROGRESS_RED_GAP) == Decimal("25")
