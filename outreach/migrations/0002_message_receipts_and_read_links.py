# Receipts: the SMS carrier's delivery report, and a per-message link token so that a
# message is 已读 when its recipient opens it.

import secrets

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import outreach.models


def tokens_for_existing_messages(apps, schema_editor):
    """A callable default is evaluated once for the rows already there; give each its own token."""
    Message = apps.get_model("outreach", "Message")
    for pk in Message.objects.filter(token__isnull=True).values_list("pk", flat=True).iterator():
        Message.objects.filter(pk=pk).update(token=secrets.token_urlsafe(16))


class Migration(migrations.Migration):

    dependencies = [
        ('outreach', '0001_outreach_endpoints_and_messages'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='delivered_at',
            field=models.DateTimeField(blank=True, help_text='短信：运营商回执的送达时间', null=True, verbose_name='送达时间'),
        ),
        migrations.AddField(
            model_name='message',
            name='read_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='阅读时间'),
        ),
        migrations.AddField(
            model_name='message',
            name='read_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='阅读人'),
        ),
        # Added without a default (every existing row NULL, which a unique column allows), the
        # model's default set next (Python-side only), then each existing row its own token.
        migrations.AddField(
            model_name='message',
            name='token',
            field=models.CharField(editable=False, max_length=32, null=True, unique=True, verbose_name='链接令牌'),
        ),
        migrations.AlterField(
            model_name='message',
            name='token',
            field=models.CharField(default=outreach.models.message_token, editable=False, max_length=32, null=True, unique=True, verbose_name='链接令牌'),
        ),
        migrations.RunPython(tokens_for_existing_messages, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='message',
            name='status',
            field=models.CharField(choices=[('pending', '待发送'), ('sent', '已发送'), ('delivered', '已送达'), ('failed', '发送失败'), ('skipped', '无需发送')], db_index=True, default='pending', max_length=16, verbose_name='状态'),
        ),
    ]
