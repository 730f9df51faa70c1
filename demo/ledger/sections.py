"""The demo's monitoring sections (9 national, some provincial) and their monthly readings."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from tracker import reference_data
from tracker.choices import SectionLevel
from tracker.models import AdministrativeUnit, Domain, MonitoringSection, SectionReading


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _location_in(unit: AdministrativeUnit, rng: random.Random) -> tuple[Decimal, Decimal]:
    """A point inside the unit's polygon (临汾经济开发区: around its label inside 尧都区)."""
    q = Decimal("0.000001")
    if unit.code == "kaifaqu":
        assert unit.label_longitude is not None and unit.label_latitude is not None  # set by the demo's units
        lon = float(unit.label_longitude) + rng.uniform(-0.03, 0.03)
        lat = float(unit.label_latitude) + rng.uniform(-0.02, 0.02)
        return Decimal(str(lon)).quantize(q), Decimal(str(lat)).quantize(q)
    polygon = reference_data.county_polygons()[unit.name]
    ring = polygon["ring"]
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    cx, cy = polygon["cp"]
    for _ in range(500):
        # Sample near the label point first, so markers cluster where the towns are.
        spread = rng.uniform(0.2, 1.0)
        lon = cx + (rng.uniform(min(lons), max(lons)) - cx) * spread
        lat = cy + (rng.uniform(min(lats), max(lats)) - cy) * spread
        if reference_data.point_in_ring(lon, lat, ring):
            return Decimal(str(lon)).quantize(q), Decimal(str(lat)).quantize(q)
    return Decimal(str(cx)).quantize(q), Decimal(str(cy)).quantize(q)


# Sections: (code, name, river, level, unit code, target class, bad years). Names illustrative.
SECTIONS = [
    ("GK-01", "汾河霍州出境", "汾河", SectionLevel.NATIONAL, "huozhou", 3, ()),
    ("GK-02", "汾河洪洞段", "汾河", SectionLevel.NATIONAL, "hongtong", 3, ()),
    ("GK-03", "汾河临汾城区下游", "汾河", SectionLevel.NATIONAL, "yaodu", 3, ()),
    ("GK-04", "汾河襄汾出境", "汾河", SectionLevel.NATIONAL, "xiangfen", 3, ()),
    ("GK-05", "浍河侯马出境", "浍河", SectionLevel.NATIONAL, "houma", 4, (2023, 2024)),
    ("GK-06", "浍河曲沃段", "浍河", SectionLevel.NATIONAL, "quwo", 3, (2023,)),
    ("GK-07", "昕水河大宁入黄口", "昕水河", SectionLevel.NATIONAL, "daning", 3, ()),
    ("GK-08", "黄河干流吉县段", "黄河", SectionLevel.NATIONAL, "jixian", 2, ()),
    ("GK-09", "沁河安泽出境", "沁河", SectionLevel.NATIONAL, "anze", 2, ()),
    ("SK-01", "汾河尧都入境", "汾河", SectionLevel.PROVINCIAL, "yaodu", 3, ()),
    ("SK-02", "鄂河乡宁出境", "鄂河", SectionLevel.PROVINCIAL, "xiangning", 3, (2023,)),
    ("SK-03", "州川河吉县段", "州川河", SectionLevel.PROVINCIAL, "jixian", 3, ()),
    ("SK-04", "浍河翼城出境", "浍河", SectionLevel.PROVINCIAL, "yicheng", 3, (2023, 2024)),
]


def _sections_create(projects, rng, until) -> None:
    units = {u.code: u for u in AdministrativeUnit.objects.all()}
    linkable_domains = set(
        Domain.objects.filter(code__in=["ecology", "water", "urban", "housing"]).values_list("pk", flat=True)
    )
    readings = []
    for code, name, river, level, unit_code, target, bad_years in SECTIONS:
        unit = units[unit_code]
        lon, lat = _location_in(unit, rng)
        section = MonitoringSection.objects.create(
            code=code, name=name, river=river, level=level, target_class=target, unit=unit, longitude=lon,
            latitude=lat
        )
        linked = [p for p in projects if p.unit_id == unit.pk and p.domain_id in linkable_domains]
        section.projects.set(linked[:5])
        month = dt.date(2023, 1, 1)
        while month <= until:
            if month.year in bad_years:
                # A poor year: the annual mean lands in class IV (see selectors' annual class).
                water_class = rng.choice([4, 4, 4, 5, 3])
            else:
                water_class = rng.choice([2, 3, 3]) if target >= 3 else rng.choice([2, 2, 3, 1])
            readings.append(SectionReading(section=section, month=month, water_class=water_class))
            month = _next_month(month)
    SectionReading.objects.bulk_create(readings)
