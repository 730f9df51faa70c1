"""The office's contact printed on its letters (联系人, 电话), and what a 约谈通知 must state before
it is signed (time, place, convener, attendees, materials)."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("notices", "0002_supervision_acknowledge_one_working_day"),
    ]

    operations = [
        migrations.CreateModel(
            name="OfficeSetting",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                ("contact_name", models.CharField(blank=True, max_length=50, verbose_name="联系人")),
                ("contact_phone", models.CharField(blank=True, max_length=30, verbose_name="联系电话")),
            ],
            options={
                "verbose_name": "专班办设置",
                "verbose_name_plural": "专班办设置",
                "ordering": ["pk"],
            },
        ),
        migrations.AddField(
            model_name="notice",
            name="meeting_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="约谈时间"),
        ),
        migrations.AddField(
            model_name="notice",
            name="meeting_place",
            field=models.CharField(blank=True, max_length=200, verbose_name="约谈地点"),
        ),
        migrations.AddField(
            model_name="notice",
            name="meeting_convener",
            field=models.CharField(blank=True, max_length=100, verbose_name="召集人"),
        ),
        migrations.AddField(
            model_name="notice",
            name="meeting_attendees",
            field=models.CharField(blank=True, max_length=300, verbose_name="参加人员"),
        ),
        migrations.AddField(
            model_name="notice",
            name="meeting_materials",
            field=models.CharField(blank=True, max_length=300, verbose_name="须携带材料"),
        ),
    ]
