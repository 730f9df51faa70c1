"""Surface-water monitoring sections (断面) and their monthly class."""
from __future__ import annotations

from django.db import models

from core.models import TimeStampedModel
from tracker.choices import SectionLevel, WaterClass
from tracker.models.portfolio import AdministrativeUnit, Project


class MonitoringSection(TimeStampedModel):
    """A surface-water monitoring section (断面), national or provincial, with its target class."""

    code = models.CharField("断面编码", max_length=32, unique=True)
    name = models.CharField("断面名称", max_length=64)
    river = models.CharField("所在河流", max_length=32)
    level = models.CharField("级别", max_length=16, choices=SectionLevel.choices)
    target_class = models.PositiveSmallIntegerField("目标水质", choices=WaterClass.choices)
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name="所在县(市、区)", on_delete=models.PROTECT, related_name="sections"
    )
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6)
    projects = models.ManyToManyField(Project, verbose_name="关联项目", related_name="sections", blank=True)

    class Meta:
        verbose_name = "监测断面"
        verbose_name_plural = "监测断面"
        ordering = ["level", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_level_display()}）"


class SectionReading(TimeStampedModel):
    """The water class measured at a section in one month."""

    section = models.ForeignKey(
        MonitoringSection, verbose_name="断面", on_delete=models.CASCADE, related_name="readings"
    )
    month = models.DateField("月份(当月1日)")
    water_class = models.PositiveSmallIntegerField("水质类别", choices=WaterClass.choices)

    class Meta:
        verbose_name = "断面水质月报"
        verbose_name_plural = "断面水质月报"
        ordering = ["section", "month"]
        constraints = [models.UniqueConstraint(fields=["section", "month"],
                                               name="section_reading_one_per_month")]

    def __str__(self) -> str:
        return f"{self.section.name} {self.month:%Y年%m月} {self.get_water_class_display()}"
