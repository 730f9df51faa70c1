"""The thresholds are the office's settings now (offices.OfficeSetting; copied by offices 0002)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('offices', '0002_settings_copied_from_tracker_dispatch_and_notices'),
        ('dispatch', '0002_rule_labels_by_name'),
    ]

    operations = [
        migrations.DeleteModel(
            name='Threshold',
        ),
    ]
