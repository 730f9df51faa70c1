"""The city government as an endpoint scope, and notices' contacts as endpoints: the product keeps
one address book (outreach.Endpoint). Every contact's e-mail becomes an e-mail endpoint of its
unit, department or the city government unless that body already has an endpoint with that
address (no letter is then mailed twice); every phone becomes an SMS endpoint, switched off:
contacts' phones were shown, never texted, so nothing starts sending SMS until the office leader
has checked the number and switched it on. notices 0006 then drops the contacts table."""

from django.conf import settings
from django.db import migrations, models


def _addresses(text: str) -> set[str]:
    return {a.strip().lower() for a in text.replace("；", ";").replace(",", ";").split(";") if a.strip()}


def contacts_to_endpoints(apps, schema_editor):
    Contact = apps.get_model("notices", "Contact")
    Endpoint = apps.get_model("outreach", "Endpoint")
    for contact in Contact.objects.order_by("pk"):
        if contact.unit_id:
            body = {"scope": "unit", "unit_id": contact.unit_id}
        elif contact.department_id:
            body = {"scope": "department", "department_id": contact.department_id}
        else:
            body = {"scope": "city"}
        same_body = Endpoint.objects.filter(**body)
        own = Endpoint.objects.filter(scope="person", user_id=contact.user_id) if contact.user_id else None
        for channel, address, enabled, label in (
                ("email", contact.email.strip(), True, f"{contact.name}（邮箱）"),
                ("sms", contact.phone.strip(), False, f"{contact.name}（手机，由公文联系人迁入，启用前请核对）")):
            if not address:
                continue
            known = set()
            for endpoint in list(same_body.filter(channel=channel)) + (list(own.filter(channel=channel)) if own is not None else []):
                known |= _addresses(endpoint.address)
            if _addresses(address) <= known:
                continue
            Endpoint.objects.create(channel=channel, label=label[:100], address=address[:200], enabled=enabled,
                                    **body)


class Migration(migrations.Migration):

    dependencies = [
        ('outreach', '0002_message_receipts_and_read_links'),
        ('notices', '0005_notice_resubmit_deadline'),
        ('tracker', '0008_start_rules_procedure_approvals_problem_deadlines'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='endpoint',
            name='outreach_endpoint_one_recipient',
        ),
        migrations.AlterField(
            model_name='endpoint',
            name='scope',
            field=models.CharField(choices=[('unit', '县(市、区)'), ('department', '市直部门'), ('person', '个人'), ('office', '专班办'), ('city', '市人民政府')], max_length=16, verbose_name='接收方'),
        ),
        migrations.AddConstraint(
            model_name='endpoint',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('department__isnull', True), ('scope', 'unit'), ('unit__isnull', False), ('user__isnull', True)), models.Q(('department__isnull', False), ('scope', 'department'), ('unit__isnull', True), ('user__isnull', True)), models.Q(('department__isnull', True), ('scope', 'person'), ('unit__isnull', True), ('user__isnull', False)), models.Q(('department__isnull', True), ('scope__in', ['office', 'city']), ('unit__isnull', True), ('user__isnull', True)), _connector='OR'), name='outreach_endpoint_one_recipient'),
        ),
        migrations.RunPython(contacts_to_endpoints, migrations.RunPython.noop),
    ]
