"""Reference data of the Linfen portfolio: the 18 units, the lead departments, the 6 domains, basins.

Published facts (DOMAIN: The portfolio): 18 units in the city's table order, 6 domains,
22 ecology projects. The per-domain split of the other 73 projects is illustrative.
"""
from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from tracker.choices import UnitKind

COUNTY_GEOJSON = Path(__file__).resolve().parent / "data" / "linfen-counties.geojson"

# (code, name, short name, kind) in the order of the city's own tables.
UNITS = [
    ("yaodu", "尧都区", "尧都", UnitKind.DISTRICT),
    ("houma", "侯马市", "侯马", UnitKind.CITY),
    ("huozhou", "霍州市", "霍州", UnitKind.CITY),
    ("quwo", "曲沃县", "曲沃", UnitKind.COUNTY),
    ("yicheng", "翼城县", "翼城", UnitKind.COUNTY),
    ("xiangfen", "襄汾县", "襄汾", UnitKind.COUNTY),
    ("hongtong", "洪洞县", "洪洞", UnitKind.COUNTY),
    ("guxian", "古县", "古县", UnitKind.COUNTY),
    ("anze", "安泽县", "安泽", UnitKind.COUNTY),
    ("fushan", "浮山县", "浮山", UnitKind.COUNTY),
    ("jixian", "吉县", "吉县", UnitKind.COUNTY),
    ("xiangning", "乡宁县", "乡宁", UnitKind.COUNTY),
    ("daning", "大宁县", "大宁", UnitKind.COUNTY),
    ("xixian", "隰县", "隰县", UnitKind.COUNTY),
    ("yonghe", "永和县", "永和", UnitKind.COUNTY),
    ("puxian", "蒲县", "蒲县", UnitKind.COUNTY),
    ("fenxi", "汾西县", "汾西", UnitKind.COUNTY),
    ("kaifaqu", "临汾经济开发区", "开发区", UnitKind.ZONE),
]

# 临汾经济开发区 has no polygon of its own: it lies inside 尧都区 (DOMAIN: Map data).
DEVELOPMENT_ZONE_LABEL = (Decimal("111.530000"), Decimal("36.020000"))

# (code, name, short name)
DEPARTMENTS = [
    ("ecology_bureau", "临汾市生态环境局", "市生态环境局"),
    ("water_bureau", "临汾市水利局", "市水利局"),
    ("urban_management_bureau", "临汾市城市管理局", "市城管局"),
    ("housing_bureau", "临汾市住房和城乡建设局", "市住建局"),
    ("natural_resources_bureau", "临汾市规划和自然资源局", "市规自局"),
    ("commerce_bureau", "临汾市商务局", "市商务局"),
]

# (code, name, lead department code)
DOMAINS = [
    ("ecology", "生态", "ecology_bureau"),
    ("water", "水利", "water_bureau"),
    ("urban", "城管", "urban_management_bureau"),
    ("housing", "住建", "housing_bureau"),
    ("natural_resources", "规自", "natural_resources_bureau"),
    ("commerce", "商务", "commerce_bureau"),
]

BASINS = ["黄河干流", "汾河", "浍河", "昕水河", "沁河"]


@cache
def county_polygons() -> dict[str, dict]:
    """{county name: {"cp": [lon, lat], "ring": [[lon, lat], …]}} from the bundled GeoJSON."""
    data = json.loads(COUNTY_GEOJSON.read_text(encoding="utf-8"))
    result = {}
    for feature in data["features"]:
        geometry = feature["geometry"]
        ring = geometry["coordinates"][0] if geometry["type"] == "Polygon" else geometry["coordinates"][0][0]
        result[feature["properties"]["name"]] = {"cp": feature["properties"]["cp"], "ring": ring}
    return result


def point_in_ring(lon: float, lat: float, ring: list[list[float]]) -> bool:
    """Ray casting: is the point inside the polygon ring?"""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside
