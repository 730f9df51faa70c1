"""How money and percentages are stored: 万元 with two places, never floats (STYLE)."""
from decimal import Decimal
from typing import TypedDict

from django.core.validators import MaxValueValidator, MinValueValidator


class DecimalShape(TypedDict, total=False):
    """The keyword arguments of a DecimalField that fix what it holds."""

    max_digits: int
    decimal_places: int
    validators: list[MinValueValidator | MaxValueValidator]


WAN: DecimalShape = {"max_digits": 14, "decimal_places": 2}  # money in 万元, two places (STYLE: never floats)
PERCENT: DecimalShape = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
}
