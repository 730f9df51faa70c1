"""notices' contacts become outreach endpoints (outreach 0003): one address book, no address lost,
no address entered twice for the same body."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("outreach", "0002_message_receipts_and_read_links"), ("notices", "0005_notice_resubmit_deadline")]
AFTER = [("outreach", "0003_city_government_scope_and_notice_contacts")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_contacts_migration_keeps_every_address_and_adds_no_duplicate():
    # given the schema before the fold, with contacts for a county, a department and the city,
    # one of whose mailboxes the county already had as an endpoint
    old = _migrate(BEFORE)
    unit = old.get_model("tracker", "AdministrativeUnit").objects.create(
        code="mig-unit", name="迁移县", short_name="迁移", kind="county", display_order=99)
    department = old.get_model("tracker", "Department").objects.create(
        code="mig-dept", name="迁移局", short_name="迁移局", display_order=99)
    Contact = old.get_model("notices", "Contact")
    Endpoint = old.get_model("outreach", "Endpoint")
    Endpoint.objects.create(channel="email", scope="unit", unit=unit, label="县邮箱", address="Known@Example.cn")
    Contact.objects.create(unit=unit, name="张三", email="known@example.cn", phone="13900000001")
    Contact.objects.create(unit=unit, name="李四", email="lisi@example.cn")
    Contact.objects.create(unit=unit, name="李四（重复录入）", email="LISI@example.cn")
    Contact.objects.create(department=department, name="王五", email="wangwu@example.cn", phone="0357-1234567")
    Contact.objects.create(for_city_government=True, name="市府办", email="city@example.cn")
    # when the migration runs
    new = _migrate(AFTER)
    endpoints = new.get_model("outreach", "Endpoint").objects.all()
    mail = {(e.scope, e.unit_id, e.department_id, e.address.lower())
            for e in endpoints if e.channel == "email"}
    # then every contact's address is an e-mail endpoint of its body, each once
    assert mail == {("unit", unit.pk, None, "known@example.cn"), ("unit", unit.pk, None, "lisi@example.cn"),
                    ("department", None, department.pk, "wangwu@example.cn"),
                    ("city", None, None, "city@example.cn")}
    assert endpoints.filter(channel="email").count() == 4
    assert all(e.enabled for e in endpoints if e.channel == "email")
    # and every phone is an SMS endpoint, switched off until the office leader checks it
    sms = {(e.scope, e.address, e.enabled) for e in endpoints if e.channel == "sms"}
    assert sms == {("unit", "13900000001", False), ("department", "0357-1234567", False)}
    # (the schema goes back to where the rest of the suite expects it)
    _migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
