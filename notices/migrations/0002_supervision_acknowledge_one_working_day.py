"""督办函 are acknowledged within 1 working day, not 2.

Kind settings are created lazily from notices.services.KIND_DEFAULTS, which said 2 for the
督办函 until now: a row still holding that old default is brought to 1. A row the office has
set to anything else is its own decision and is left alone.
"""
from django.db import migrations

OLD_DEFAULT, NEW_DEFAULT = 2, 1


def forwards(apps, schema_editor):
    NoticeKindSetting = apps.get_model("notices", "NoticeKindSetting")
    NoticeKindSetting.objects.filter(kind="supervision", acknowledge_workdays=OLD_DEFAULT).update(
        acknowledge_workdays=NEW_DEFAULT
    )


def backwards(apps, schema_editor):
    NoticeKindSetting = apps.get_model("notices", "NoticeKindSetting")
    NoticeKindSetting.objects.filter(kind="supervision", acknowledge_workdays=NEW_DEFAULT).update(
        acknowledge_workdays=OLD_DEFAULT
    )


class Migration(migrations.Migration):
    dependencies = [("notices", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
