"""How the dashboard states its figures: money in 亿元 where it is large, units ranked with ties shared.

Money is kept in 万元 (STYLE: Decimal, two places); a wall chart reads 129.69 亿元, not
1296900.00 万元. Ranks follow the usual competition ranking: two units with the same
rates share a rank (并列) and the next rank is skipped (1, 2, 2, 4).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tracker.portfolio import shared_ranks

WAN_PER_YI = Decimal("10000")
# From this amount on (1 亿元) money is shown in 亿元.
YI_FROM_WAN = WAN_PER_YI


def yi_text(wan) -> str:
    """万元 → 亿元 with two places: "1296900.00" → "129.69"."""
    return str((Decimal(str(wan)) / WAN_PER_YI).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def money_text(wan) -> str:
    """A sum as a reader expects it: "129.69亿元" when large, else "850.00万元"."""
    amount = Decimal(str(wan))
    if abs(amount) >= YI_FROM_WAN:
        return f"{yi_text(amount)}亿元"
    return f"{amount.quantize(Decimal('0.01'))}万元"


def _rank_key(unit: dict) -> tuple[Decimal, Decimal]:
    return Decimal(unit["completed_rate"]), Decimal(unit["started_rate"])


def units_ranked(units: list[dict]) -> list[dict]:
    """The unit rows with "rank" (None for a unit without projects) and "tied" (shares its rank),
    ranked by 完工率, then 开工率 (tracker.portfolio.shared_ranks); the rows keep their order
    (the office's unit order)."""
    ranks = shared_ranks((unit["code"], _rank_key(unit)) for unit in units if unit["projects"])
    return [
        {**unit, "rank": ranks[unit["code"]][0] if unit["code"] in ranks else None,
         "tied": ranks[unit["code"]][1] if unit["code"] in ranks else False}
        for unit in units
    ]
