"""Where people read: channels configured per recipient, and every message sent, once.

An Endpoint is one place a recipient reads (a unit's 企业微信 or 钉钉 group robot, a person's
mobile for SMS, an e-mail address), configured by the office leader. Its secrets (the robot's
webhook key, access token and 加签 secret) are never stored: the endpoint names the environment
variables that hold them. A Message is one (kind, item, endpoint, due date) — the natural key,
protected by a unique constraint — so a scan run twice, a task sent twice or a worker lost while
sending never sends the same reminder twice.

Receipts are what the channels really report: an SMS is 已送达 or 发送失败 by the carrier's
report (Alibaba Cloud QuerySendDetails, polled); the robots and e-mail report nothing, so every
message's link carries its own token and the message is 已读 when a person it was for opens it.
"""
from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import TimeStampedModel
from notices.models import Delivery, Notice
from tracker.models import AdministrativeUnit, Department


class Channel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"
    SMS = "sms", "短信"


class Scope(models.TextChoices):
    UNIT = "unit", "县(市、区)"
    DEPARTMENT = "department", "市直部门"
    PERSON = "person", "个人"
    OFFICE = "office", "专班办"
    CITY_GOVERNMENT = "city", "市人民政府"


class Endpoint(TimeStampedModel):
    """One place a recipient reads — the one address book of the product (an e-mail address, a
    mobile for SMS, a group robot). Exactly one of unit / department / user per scope; the office's
    and the city government's own endpoints name none."""

    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    scope = models.CharField("接收方", max_length=16, choices=Scope.choices)
    unit = models.ForeignKey(AdministrativeUnit, verbose_name="县(市、区)", on_delete=models.CASCADE,
                             null=True, blank=True, related_name="outreach_endpoints")
    department = models.ForeignKey(Department, verbose_name="市直部门", on_delete=models.CASCADE,
                                   null=True, blank=True, related_name="outreach_endpoints")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="个人", on_delete=models.CASCADE,
                             null=True, blank=True, related_name="outreach_endpoints")
    label = models.CharField("名称", max_length=100)
    address = models.CharField("手机号或邮箱", max_length=200, blank=True,
                               help_text="短信填手机号，电子邮件填邮箱；群机器人不填")
    token_env = models.CharField("密钥环境变量", max_length=100, blank=True,
                                 help_text="企业微信：webhook key；钉钉：access_token")
    secret_env = models.CharField("加签密钥环境变量", max_length=100, blank=True,
                                  help_text="钉钉“加签”的 SEC 开头密钥")
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "接收渠道"
        verbose_name_plural = "接收渠道"
        ordering = ["scope", "unit__display_order", "department__display_order", "label", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope="unit", unit__isnull=False, department__isnull=True, user__isnull=True)
                    | models.Q(scope="department", unit__isnull=True, department__isnull=False,
                               user__isnull=True)
                    | models.Q(scope="person", unit__isnull=True, department__isnull=True, user__isnull=False)
                    | models.Q(scope__in=["office", "city"], unit__isnull=True, department__isnull=True,
                               user__isnull=True)
                ),
                name="outreach_endpoint_one_recipient",
            ),
        ]

    @property
    def mail_addresses(self) -> list[str]:
        """The addresses of an e-mail endpoint: one or several, separated by ; ， or ,."""
        return [a.strip() for a in self.address.replace("；", ";").replace(",", ";").split(";") if a.strip()]

    def __str__(self) -> str:
        return f"{self.label}（{self.get_channel_display()}）"


class MessageKind(models.TextChoices):
    NEW_LETTER = "new_letter", "新公文"
    ACK_DUE = "ack_due", "签收期限前提醒"
    ACK_OVERDUE = "ack_overdue", "签收逾期提醒"
    ANSWER_DUE = "answer_due", "反馈期限前提醒"
    ANSWER_OVERDUE = "answer_overdue", "反馈逾期提醒"
    WEEKLY_UNREPORTED = "weekly_unreported", "本周未报提醒"
    INSTRUCTION = "instruction", "市领导批示"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    # The carrier's delivery report (SMS only); a carrier's failure report is FAILED, not retried.
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "发送失败"
    SKIPPED = "skipped", "无需发送"


def message_token() -> str:
    """The token of a message's tracked link: unguessable, so that nobody marks a message read
    by trying links (the link also needs a login, and only a recipient's opening counts)."""
    return secrets.token_urlsafe(16)


class Message(TimeStampedModel):
    """One message to one endpoint about one item and one due date: sent once, its receipt kept."""

    kind = models.CharField("类别", max_length=24, choices=MessageKind.choices)
    subject = models.CharField("事项", max_length=100, help_text="notice:ID / week:周一:unit:ID / instruction:ID")
    endpoint = models.ForeignKey(Endpoint, verbose_name="接收渠道", on_delete=models.PROTECT,
                                 related_name="messages")
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    due_on = models.DateField("期限")
    planned_on = models.DateField("生成日期", db_index=True)
    notice = models.ForeignKey(Notice, verbose_name="公文", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="outreach_messages")
    delivery = models.ForeignKey(Delivery, verbose_name="收文记录", on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="outreach_messages")
    recipient_name = models.CharField("接收方", max_length=100)
    title = models.CharField("标题", max_length=200)
    text = models.TextField("内容")
    link = models.URLField("链接", max_length=500)
    params = models.JSONField("短信模板参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=16, choices=MessageStatus.choices,
                              default=MessageStatus.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    last_error = models.TextField("服务商返回的错误", blank=True)
    provider_ref = models.CharField("服务商回执号", max_length=100, blank=True)
    next_attempt_at = models.DateTimeField("下次重试", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True, help_text="短信：运营商回执的送达时间")
    # Null only for rows planned before links were tracked (they keep their plain link); NULL and
    # not "" because the column is unique and only NULL may repeat in it.
    token = models.CharField("链接令牌", max_length=32, unique=True, null=True,  # noqa: DJ001
                             default=message_token, editable=False)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="阅读人", on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "提醒消息"
        verbose_name_plural = "提醒消息"
        ordering = ["-planned_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "endpoint", "due_on"],
                                    name="outreach_message_once"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outreach_message_retry")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_name}（{self.get_channel_display()}）"

    @property
    def receipt(self) -> str:
        """What the pages say of this message: 发送失败 with the provider's or the carrier's code and
        text; else 已读 (time) over 已送达 (time) over 已发送 — reading is the strongest sign."""
        def at(moment) -> str:
            return timezone.localtime(moment).strftime("%m-%d %H:%M")

        if self.status == MessageStatus.FAILED:
            return f"发送失败（{self.last_error}）" if self.last_error else "发送失败"
        if self.read_at is not None:
            return f"已读（{at(self.read_at)}）"
        if self.status == MessageStatus.DELIVERED and self.delivered_at is not None:
            return f"已送达（{at(self.delivered_at)}）"
        return self.get_status_display()
