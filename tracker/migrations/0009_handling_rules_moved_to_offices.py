"""The 办理规则 are the office's settings now (offices.OfficeSetting; copied by offices 0002)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('offices', '0002_settings_copied_from_tracker_dispatch_and_notices'),
        ('tracker', '0008_start_rules_procedure_approvals_problem_deadlines'),
    ]

    operations = [
        migrations.DeleteModel(
            name='OfficeSetting',
        ),
    ]
