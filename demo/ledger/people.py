"""The demo's logins: one per role (and per unit / department), with the office group's admin rights."""
from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission, User

from tracker.choices import Role
from tracker.models import AdministrativeUnit, Department, Domain, StaffProfile

DEMO_PASSWORD = "Yihong@2025"

SEED = 20230501  # the task force was set up in May 2023

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡郭何高林罗郑梁谢宋唐"

GIVEN = ["建华", "志强", "秀英", "海燕", "国庆", "晓东", "丽娟", "文博", "红梅", "卫东", "鹏", "静", "磊", "敏", "伟"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


OFFICE_MODELS = [
    "project", "procedure", "weeklyreport", "monthlyplan", "problem", "monitoringsection", "sectionreading",
    "administrativeunit", "department", "domain", "basin", "staffprofile", "rollbackrequest",
]


def _office_group() -> Group:
    group, _ = Group.objects.get_or_create(name="专班办")
    perms = Permission.objects.filter(
        content_type__app_label="tracker", content_type__model__in=OFFICE_MODELS
    ).exclude(codename__startswith="delete_")
    audit_view = Permission.objects.filter(content_type__app_label="tracker", codename="view_auditevent")
    other_apps = Permission.objects.filter(content_type__app_label__in=["offices", "notices", "dispatch"])
    other_apps = other_apps.exclude(codename__startswith="delete_")
    group.permissions.set(list(perms) + list(audit_view) + list(other_apps))
    return group


def _user(username: str, *, role: str, full_name: str, staff: bool = False, **scope) -> User:
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"is_staff": staff})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.first_name = full_name
        user.email = f"{username}@linfen.example.gov.cn"
        user.save()
    domains = scope.pop("assigned_domains", [])
    profile, _ = StaffProfile.objects.update_or_create(
        user=user, defaults={"role": role, "full_name": full_name, "phone": scope.pop("phone", ""), **scope}
    )
    if domains:
        profile.assigned_domains.set(domains)
    return user


def demo_users_create() -> list[tuple[str, str, str]]:
    """One login per role (per unit for county liaisons); returns (username, role, scope) rows."""
    rng = random.Random(SEED + 1)
    group = _office_group()
    User = get_user_model()
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@linfen.example.gov.cn", DEMO_PASSWORD)
    rows = [("admin", "系统管理员", "全部")]
    # A person's name, not a title: it is printed as 签发人 on the reports to 市人民政府 (GB/T 9704 §7.2.5).
    leader = _user("leader", role=Role.OFFICE_LEADER, full_name="赵建民", staff=True, phone="0357-2010001")
    clerk = _user("clerk", role=Role.CLERK, full_name="刘志强", staff=True, phone="0357-2010002")
    clerk_eco = _user(
        "clerk_eco", role=Role.CLERK, full_name="陈海燕", staff=True, phone="0357-2010003",
        assigned_domains=[Domain.objects.get(code="ecology")],
    )
    for user in (leader, clerk, clerk_eco):
        user.groups.add(group)
    rows += [("leader", Role.OFFICE_LEADER.label, "全部"), ("clerk", Role.CLERK.label, "全部"),
             ("clerk_eco", Role.CLERK.label, "生态领域")]
    _user("cityleader", role=Role.CITY_LEADER, full_name="李副市长", phone="0357-2020001")
    rows.append(("cityleader", Role.CITY_LEADER.label, "全部（只读）"))
    for department in Department.objects.all():
        username = f"dept_{department.code.removesuffix('_bureau')}"
        _user(username, role=Role.DEPARTMENT_LIAISON, full_name=_name(rng), department=department,
              phone=f"0357-30{department.display_order:05d}")
        rows.append((username, Role.DEPARTMENT_LIAISON.label, department.name))
    for unit in AdministrativeUnit.objects.all():
        username = f"county_{unit.code}"
        _user(username, role=Role.COUNTY_LIAISON, full_name=_name(rng), unit=unit,
              phone=f"0357-40{unit.display_order:05d}")
        rows.append((username, Role.COUNTY_LIAISON.label, unit.name))
    return rows
