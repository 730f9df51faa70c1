"""factory_boy factories: a test builds just what it is about, and says so, instead of leaning on
the demo's people and projects by name."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from tracker.choices import Role, UnitKind
from tracker.models import AdministrativeUnit, Department, Domain, Project, StaffProfile


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"unit{n}")
    name = factory.Sequence(lambda n: f"测试{n}县")
    short_name = factory.Sequence(lambda n: f"测{n}")
    kind = UnitKind.COUNTY
    display_order = factory.Sequence(lambda n: 100 + n)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"市测试局{n}")
    short_name = factory.Sequence(lambda n: f"测局{n}")


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"domain{n}")
    name = factory.Sequence(lambda n: f"测试领域{n}")
    lead_department = factory.SubFactory(DepartmentFactory)


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project in 前期, listed on `listed_on` (default: the day it is built, as in production)."""

    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"LF-F-{n:04d}")
    map_number = factory.Sequence(lambda n: 5000 + n)
    name = factory.Sequence(lambda n: f"测试生态修复工程{n}")
    unit = factory.SubFactory(UnitFactory)
    domain = factory.SubFactory(DomainFactory)
    lead_department = factory.SelfAttribute("domain.lead_department")
    owner_name = "测试项目单位"
    total_investment = Decimal("1000.00")
    planned_start = dt.date(2025, 3, 1)
    planned_completion = dt.date(2026, 6, 30)
    target_year = 2026


class UserFactory(factory.django.DjangoModelFactory):
    """A login with a role (StaffProfile); pass `role`, and `unit` for a county liaison."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True  # the hook writes the profile; the user needs no second save

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        StaffProfile.objects.update_or_create(
            user=self, defaults={"role": extracted or Role.CLERK, "full_name": self.username, **kwargs}
        )
