"""Project.listed_on (纳入日期): the day a project entered the portfolio.

Projects already in the ledger before the field existed have no recorded day of their own: they
are taken as listed from the start of the portfolio's record (the earliest transition, weekly
report or project creation on file), so that their history reads as before. Projects added from
now on carry the day they are added (the field's default), and earlier dates no longer count them.
"""
from django.db import migrations, models
from django.db.models import Min
from django.utils import timezone


def listed_from_the_start_of_the_record(apps, schema_editor):
    Project = apps.get_model("tracker", "Project")
    AuditEvent = apps.get_model("tracker", "AuditEvent")
    WeeklyReport = apps.get_model("tracker", "WeeklyReport")
    candidates = [
        AuditEvent.objects.filter(project__isnull=False).aggregate(first=Min("effective_on"))["first"],
        WeeklyReport.objects.aggregate(first=Min("week_start"))["first"],
    ]
    created = Project.objects.aggregate(first=Min("created_at"))["first"]
    if created is not None:
        candidates.append(timezone.localtime(created).date() if timezone.is_aware(created) else created.date())
    start = min((day for day in candidates if day is not None), default=None)
    if start is not None:
        Project.objects.update(listed_on=start)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0005_audit_action_date_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="listed_on",
            field=models.DateField(db_index=True, default=timezone.localdate, verbose_name="纳入日期"),
        ),
        migrations.RunPython(listed_from_the_start_of_the_record, migrations.RunPython.noop),
    ]
