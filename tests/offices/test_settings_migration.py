"""The office's settings move into offices (offices 0002): every rule setting, threshold, the
letters' contact and every per-kind row is kept, and the way back puts them home again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("offices", "0001_office_settings_and_document_kind_settings"),
          ("tracker", "0008_start_rules_procedure_approvals_problem_deadlines"),
          ("dispatch", "0002_rule_labels_by_name"), ("notices", "0006_contacts_become_outreach_endpoints")]
AFTER = [("offices", "0002_settings_copied_from_tracker_dispatch_and_notices")]
KIND_FIELDS = ("kind", "number_prefix", "notice_format", "auto_issue", "answer_required",
               "acknowledge_workdays", "answer_workdays", "review_required")
SUPERVISION = {"kind": "supervision", "number_prefix": "临一泓督", "notice_format": "letter",
               "auto_issue": True, "answer_required": True, "acknowledge_workdays": 1, "answer_workdays": 7,
               "review_required": False}
WEEKLY = {"kind": "weekly_report", "number_prefix": "临一泓专办报", "notice_format": "ordinary",
          "auto_issue": True, "answer_required": False, "acknowledge_workdays": 2, "answer_workdays": 0,
          "review_required": True}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _kind_fields(row) -> dict:
    return {field: getattr(row, field) for field in KIND_FIELDS}


def _old_models(apps):
    return (apps.get_model("tracker", "OfficeSetting"), apps.get_model("dispatch", "Threshold"),
            apps.get_model("notices", "OfficeSetting"), apps.get_model("notices", "NoticeKindSetting"))


@pytest.mark.django_db(transaction=True)
def test_settings_migration_keeps_every_value_and_can_go_back():
    # given the old tables: the start rule, two thresholds, the contact and two kinds' rows
    old = _migrate(BEFORE)
    TrackerSetting, Threshold, NoticesSetting, KindSetting = _old_models(old)
    for model in (TrackerSetting, Threshold, NoticesSetting, KindSetting):
        model.objects.all().delete()
    TrackerSetting.objects.create(key="start_earlier_procedures", value="refuse")
    Threshold.objects.create(key="r3_min_rise", value=Decimal("3.50"))
    Threshold.objects.create(key="progress_red_gap", value=Decimal("25"))
    contact = NoticesSetting.objects.create(contact_name=" 王五 ", contact_phone="0357-1234567")
    long_ago = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)
    NoticesSetting.objects.filter(pk=contact.pk).update(updated_at=long_ago)
    KindSetting.objects.create(**SUPERVISION)
    KindSetting.objects.create(**WEEKLY)
    # when the copy runs
    new = _migrate(AFTER)
    OfficeSetting = new.get_model("offices", "OfficeSetting")
    DocumentKindSetting = new.get_model("offices", "DocumentKindSetting")
    # then every value is a key of the one table, and every kind's row is there, field by field
    assert dict(OfficeSetting.objects.values_list("key", "value")) == {
        "start_earlier_procedures": "refuse", "r3_min_rise": "3.50", "progress_red_gap": "25.00",
        "letter_contact_name": "王五", "letter_contact_phone": "0357-1234567"}
    assert OfficeSetting.objects.get(key="letter_contact_name").updated_at == long_ago
    rows = {row.kind: _kind_fields(row) for row in DocumentKindSetting.objects.all()}
    assert rows == {"supervision": SUPERVISION, "weekly_report": WEEKLY}
    # and the one getter reads them typed
    from offices.selectors import office_setting

    assert office_setting("r3_min_rise") == Decimal("3.5") and office_setting("progress_red_gap") == 25
    # when the migration is undone, the old tables hold the same again
    back = _migrate(BEFORE)
    TrackerSetting, Threshold, NoticesSetting, KindSetting = _old_models(back)
    assert dict(TrackerSetting.objects.values_list("key", "value")) == {"start_earlier_procedures": "refuse"}
    assert dict(Threshold.objects.values_list("key", "value")) == {"r3_min_rise": Decimal("3.5"),
                                                                   "progress_red_gap": Decimal("25")}
    contacts = list(NoticesSetting.objects.values_list("contact_name", "contact_phone"))
    assert contacts == [("王五", "0357-1234567")]
    assert {row.kind: _kind_fields(row) for row in KindSetting.objects.all()} == rows
    assert not back.get_model("offices", "OfficeSetting").objects.exists()
    # (the schema goes back to where the rest of the suite expects it)
    _migrate(_leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_an_unset_contact_stays_unset():
    # given the contact row exists with an empty phone
    old = _migrate(BEFORE)
    TrackerSetting, Threshold, NoticesSetting, KindSetting = _old_models(old)
    NoticesSetting.objects.all().delete()
    NoticesSetting.objects.create(contact_name="王五", contact_phone="  ")
    # when the copy runs
    new = _migrate(AFTER)
    # then only the name is a stored key: the phone stays at its default (unset)
    keys = set(new.get_model("offices", "OfficeSetting").objects.values_list("key", flat=True))
    assert "letter_contact_name" in keys and "letter_contact_phone" not in keys
    _migrate(_leaf_nodes())
