"""The per-kind settings and the letters' contact are the office's settings now
(offices.DocumentKindSetting and two keys of offices.OfficeSetting; copied by offices 0002)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('offices', '0002_settings_copied_from_tracker_dispatch_and_notices'),
        ('notices', '0006_contacts_become_outreach_endpoints'),
    ]

    operations = [
        migrations.DeleteModel(
            name='NoticeKindSetting',
        ),
        migrations.DeleteModel(
            name='OfficeSetting',
        ),
    ]
