"""The office's settings in one place: every keyed setting, and one row per kind of document."""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='DocumentKindSetting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('kind', models.CharField(max_length=32, unique=True, verbose_name='公文种类')),
                ('number_prefix', models.CharField(max_length=32, verbose_name='机关代字')),
                ('notice_format', models.CharField(max_length=16, verbose_name='版式')),
                ('auto_issue', models.BooleanField(default=False, help_text='否则须专班办领导签发', verbose_name='自动签发')),
                ('answer_required', models.BooleanField(default=False, verbose_name='须整改反馈')),
                ('acknowledge_workdays', models.PositiveSmallIntegerField(default=2, verbose_name='签收时限(工作日)')),
                ('answer_workdays', models.PositiveSmallIntegerField(default=10, verbose_name='反馈时限(工作日)')),
                ('review_required', models.BooleanField(default=True, help_text='否：手工拟稿或修改后直接送领导签发（例行公文）', verbose_name='须核稿')),
            ],
            options={
                'verbose_name': '公文种类设置',
                'verbose_name_plural': '公文种类设置',
                'ordering': ['kind'],
            },
        ),
        migrations.CreateModel(
            name='OfficeSetting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('key', models.CharField(choices=[('start_earlier_procedures', '开工时前期手续（立项、用地、环评、招投标等）未办结'), ('start_red_months', '开工灯：超过计划开工月份几个月亮红灯'), ('progress_yellow_gap', '进度灯：落后预期超过几个百分点亮黄灯'), ('progress_red_gap', '进度灯：落后预期超过几个百分点亮红灯'), ('r1_completion_months', '预警函：计划完工在几个月内'), ('r2_bottom_share', '提醒函：排名后百分之几'), ('r3_min_rise', '督办函：近几期周调度进度增幅低于几个百分点'), ('r3_report_count', '督办函：统计最近几期周调度'), ('r3_answer_working_days', '督办函：几个工作日内书面答复'), ('r3_ack_working_days', '督办函：几个工作日内签收'), ('r4_days_before_completion', '现场督导：计划完工前几天'), ('r4_min_progress', '现场督导：形象进度低于百分之几'), ('r4_visit_working_days', '现场督导：几个工作日内到场'), ('r5_min_advance', '约谈：上月进度增幅低于几个百分点视为无明显进展'), ('r6_unanswered_supervisions', '挂牌督办：本季度未答复督办函达几件'), ('r7_escalation_working_days', '升级：每级几个工作日未解决即上升一级'), ('letter_contact_name', '联系人'), ('letter_contact_phone', '联系电话')], max_length=40, unique=True, verbose_name='设置项')),
                ('value', models.CharField(max_length=200, verbose_name='取值')),
            ],
            options={
                'verbose_name': '专班办设置',
                'verbose_name_plural': '专班办设置',
                'ordering': ['key'],
            },
        ),
    ]
