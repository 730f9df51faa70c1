"""Contacts are outreach endpoints now (outreach 0003 copied every address); a Delivery keeps
whether its recipient was told (by outreach) and its 签收, not e-mail attempts of its own."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notices', '0005_notice_resubmit_deadline'),
        ('outreach', '0003_city_government_scope_and_notice_contacts'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='delivery',
            name='attempts',
        ),
        migrations.RemoveField(
            model_name='delivery',
            name='emails',
        ),
        migrations.RemoveField(
            model_name='delivery',
            name='last_error',
        ),
        migrations.RemoveField(
            model_name='delivery',
            name='next_attempt_at',
        ),
        migrations.AlterField(
            model_name='delivery',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='通知时间'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='status',
            field=models.CharField(choices=[('pending', '待通知'), ('sent', '已通知'), ('failed', '通知失败'), ('inbox_only', '仅系统内送达')], db_index=True, default='pending', max_length=16, verbose_name='通知状态'),
        ),
        migrations.DeleteModel(
            name='Contact',
        ),
    ]
