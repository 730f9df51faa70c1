"""Official documents (公文): kinds, numbering, the frozen PDF, delivery and the recipient's loop.

A notice is drafted from a composer's context, signed off (or issued automatically,
per kind), numbered `机关代字〔year〕N号` without gaps, rendered to a GB/T 9704 PDF whose
SHA-256 is stored, delivered to each recipient's inbox and by email, acknowledged (签收),
answered (整改反馈) and closed (办结) or returned (退回). An issued notice never changes: a
correction is a new notice that references it.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, transition

from core.models import TimeStampedModel
from tracker.models import AdministrativeUnit, Department


class NoticeKind(models.TextChoices):
    WEEKLY_REPORT = "weekly_report", "周调度报告"
    MONTHLY_CIRCULAR = "monthly_circular", "月度通报"
    WARNING = "warning", "预警函"
    REMINDER = "reminder", "提醒函"
    SUPERVISION = "supervision", "督办函"
    SUMMONS = "summons", "约谈通知"
    LISTED_SUPERVISION = "listed_supervision", "挂牌督办通知"
    URGE_REPORT = "urge_report", "催报通知"
    CORRECTION = "correction", "更正通知"
    # Written by hand by the office: a plain 通知 or 函 to units and departments.
    GENERAL_NOTICE = "general_notice", "通知"
    GENERAL_LETTER = "general_letter", "函"


class NoticeFormat(models.TextChoices):
    ORDINARY = "ordinary", "通用格式"
    LETTER = "letter", "信函格式"


class NoticeState(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING_REVIEW = "pending_review", "待核稿"
    PENDING_SIGNOFF = "pending_signoff", "待签发"
    ISSUED = "issued", "已签发"
    DELIVERED = "delivered", "已送达"
    ACKNOWLEDGED = "acknowledged", "已签收"
    ANSWERED = "answered", "已反馈"
    CLOSED = "closed", "已办结"
    VOIDED = "voided", "已作废"


EDITABLE_STATES = (NoticeState.DRAFT, NoticeState.PENDING_REVIEW, NoticeState.PENDING_SIGNOFF)

# Kinds sent for information (知悉): opening one is reading it ("已阅"); nothing to sign for or answer,
# so never "待签收" nor "逾期" (eleven old 月度通报 once sat as "待签收 逾期" forever).
READ_ONLY_KINDS = frozenset({NoticeKind.MONTHLY_CIRCULAR, NoticeKind.WEEKLY_REPORT})

# Fields an issued notice may still change: its life-cycle position, never its content.
LIFE_CYCLE_FIELDS = frozenset({"state", "closed_at", "updated_at", "resubmit_deadline"})


class NumberCounter(models.Model):
    """The last number used per 机关代字 and year; locked with select_for_update while issuing."""

    number_prefix = models.CharField("机关代字", max_length=32)
    year = models.PositiveSmallIntegerField("年度")
    last_number = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = "文号计数器"
        verbose_name_plural = "文号计数器"
        ordering = ["number_prefix", "year"]
        constraints = [models.UniqueConstraint(fields=["number_prefix", "year"],
                                               name="notice_counter_unique")]

    def __str__(self) -> str:
        return f"{self.number_prefix}〔{self.year}〕已用至{self.last_number}号"


class Notice(TimeStampedModel):
    """One official document and its life cycle. Content is frozen once issued (see save())."""

    kind = models.CharField("公文种类", max_length=32, choices=NoticeKind.choices, db_index=True)
    state = FSMField("状态", max_length=24, choices=NoticeState.choices, default=NoticeState.DRAFT,
                     protected=True, db_index=True)
    notice_format = models.CharField("版式", max_length=16, choices=NoticeFormat.choices)
    title = models.CharField("标题", max_length=200)
    main_recipients = models.CharField("主送机关", max_length=500, blank=True)
    copy_to = models.CharField("抄送", max_length=500, blank=True)
    recipient_units = models.ManyToManyField(AdministrativeUnit, verbose_name="主送县(市、区)", blank=True,
                                             related_name="notices")
    recipient_departments = models.ManyToManyField(Department, verbose_name="主送部门", blank=True,
                                                   related_name="notices")
    to_city_government = models.BooleanField("报市人民政府", default=False)
    context = models.JSONField("内容数据", default=dict, blank=True)
    source_key = models.CharField("来源键", max_length=200, null=True, blank=True, unique=True,
                                  help_text="触发规则的自然键，重复生成时返回同一份公文")
    period_start = models.DateField("所属期间", null=True, blank=True)
    corrects = models.ForeignKey("self", verbose_name="更正的公文", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="corrections")
    number_prefix = models.CharField("机关代字", max_length=32, blank=True)
    number_year = models.PositiveSmallIntegerField("文号年度", null=True, blank=True)
    number_sequence = models.PositiveIntegerField("文号序号", null=True, blank=True)
    number = models.CharField("发文字号", max_length=64, null=True, blank=True, unique=True)
    pdf = models.FileField("PDF", upload_to="notices/%Y/", blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    issued_at = models.DateTimeField("签发时间", null=True, blank=True)
    issued_on = models.DateField("成文日期", null=True, blank=True)
    acknowledge_deadline = models.DateField("签收期限", null=True, blank=True)
    answer_required = models.BooleanField("须整改反馈", default=False)
    answer_deadline = models.DateField("反馈期限", null=True, blank=True)
    # Set when the office returns (退回) the answers: the new date they are due by. A life-cycle
    # fact, not the letter's content (the issued PDF keeps its own deadline).
    resubmit_deadline = models.DateField("重新反馈期限", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="拟稿人", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签发人", on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    # 核稿 and 签发 (notices.services.signoff): who checked it, who signed it and what they wrote.
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核稿人", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField("核稿时间", null=True, blank=True)
    review_opinion = models.CharField("核稿意见", max_length=500, blank=True)
    sent_back_reason = models.CharField("退回修改原因", max_length=500, blank=True)
    sign_opinion = models.CharField("签发意见", max_length=500, blank=True)
    signoff_read_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签发前阅文人",
                                        on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    signoff_read_version = models.PositiveIntegerField("阅文时的稿本", null=True, blank=True)
    projects = models.ManyToManyField("tracker.Project", verbose_name="涉及项目", blank=True,
                                      related_name="linked_notices")
    # 约谈通知: what the office fills in before 签发 (notices.arrangements.notice_summons_arrange).
    meeting_at = models.DateTimeField("约谈时间", null=True, blank=True)
    meeting_place = models.CharField("约谈地点", max_length=200, blank=True)
    meeting_convener = models.CharField("召集人", max_length=100, blank=True)
    meeting_attendees = models.CharField("参加人员", max_length=300, blank=True)
    meeting_materials = models.CharField("须携带材料", max_length=300, blank=True)

    class Meta:
        verbose_name = "公文"
        verbose_name_plural = "公文"
        ordering = ["-issued_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["number_prefix", "number_year", "number_sequence"], name="notice_number_unique",
                condition=models.Q(number_sequence__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or '（草稿）'} {self.title}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded = dict(zip(field_names, values, strict=True))
        return instance

    def save(self, *args, **kwargs):
        """Refuse any change to an issued notice's content (the issued document is frozen)."""
        loaded = getattr(self, "_loaded", None)
        if loaded is not None and loaded.get("state") not in (*EDITABLE_STATES, None):
            changed = [
                f.attname for f in self._meta.concrete_fields
                if f.attname in loaded and f.attname not in LIFE_CYCLE_FIELDS
                and getattr(self, f.attname) != loaded[f.attname]
            ]
            if changed:
                raise ValidationError(f"公文已签发，不可修改（试图修改：{', '.join(changed)}）；如需更正请发更正通知。")
        super().save(*args, **kwargs)
        self._loaded = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}

    def delete(self, *args, **kwargs):
        if self.state not in EDITABLE_STATES and self.state != NoticeState.VOIDED:
            raise ValidationError("公文已签发，不可删除")
        return super().delete(*args, **kwargs)

    @property
    def is_issued(self) -> bool:
        return self.state not in (*EDITABLE_STATES, NoticeState.VOIDED)

    @property
    def is_read_only(self) -> bool:
        """Sent for information: read (已阅), never acknowledged or answered."""
        return self.kind in READ_ONLY_KINDS

    @property
    def answer_due(self):
        """The date the answer is due by now: the new deadline after a 退回, else the letter's."""
        return self.resubmit_deadline or self.answer_deadline

    @property
    def is_overdue(self) -> bool:
        today = timezone.localdate()
        if self.is_read_only:
            return False
        if self.state in (NoticeState.CLOSED, NoticeState.VOIDED) or not self.is_issued:
            return False
        if self.answer_required and self.answer_due and self.state != NoticeState.ANSWERED:
            if today > self.answer_due:
                return True
        if self.acknowledge_deadline and self.state in (NoticeState.ISSUED, NoticeState.DELIVERED):
            return today > self.acknowledge_deadline
        return False

    # --- transitions (called only from notices.services) --------------------------------
    @transition(field=state, source=NoticeState.DRAFT, target=NoticeState.PENDING_SIGNOFF)
    def submit_for_signoff(self) -> None:
        """草稿 → 待签发."""

    @transition(field=state, source=NoticeState.DRAFT, target=NoticeState.PENDING_REVIEW)
    def submit_for_review(self) -> None:
        """草稿 → 待核稿."""

    @transition(field=state, source=NoticeState.PENDING_REVIEW, target=NoticeState.PENDING_SIGNOFF)
    def pass_review(self) -> None:
        """待核稿 → 待签发 (核稿 by a second member of staff)."""

    @transition(field=state, source=[NoticeState.PENDING_REVIEW, NoticeState.PENDING_SIGNOFF],
                target=NoticeState.DRAFT)
    def send_back(self) -> None:
        """待核稿/待签发 → 草稿: returned to the drafter (or amended) with a reason."""

    @transition(field=state, source=[NoticeState.DRAFT, NoticeState.PENDING_SIGNOFF],
                target=NoticeState.ISSUED)
    def issue(self) -> None:
        """→ 已签发: numbered and frozen."""

    @transition(field=state, source=NoticeState.ISSUED, target=NoticeState.DELIVERED)
    def mark_delivered(self) -> None:
        """已签发 → 已送达: every recipient has it in the inbox (and by email when they have one)."""

    @transition(field=state, source=[NoticeState.ISSUED, NoticeState.DELIVERED],
                target=NoticeState.ACKNOWLEDGED)
    def acknowledge(self) -> None:
        """→ 已签收: every recipient has signed for it."""

    @transition(field=state, source=NoticeState.ACKNOWLEDGED, target=NoticeState.ANSWERED)
    def answer(self) -> None:
        """已签收 → 已反馈."""

    @transition(field=state, source=NoticeState.ANSWERED, target=NoticeState.ACKNOWLEDGED)
    def return_answer(self) -> None:
        """已反馈 → 已签收 (退回: the office rejects the answer)."""

    @transition(field=state, source=[NoticeState.ANSWERED, NoticeState.ACKNOWLEDGED, NoticeState.DELIVERED],
                target=NoticeState.CLOSED)
    def close(self) -> None:
        """→ 已办结."""

    @transition(field=state, source=list(EDITABLE_STATES), target=NoticeState.VOIDED)
    def void(self) -> None:
        """草稿/待签发 → 作废."""
