"""How money and percentages are stored: 万元 with two places, never floats (STYLE)."""
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator

WAN = {"max_digits": 14, "decimal_places": 2}  # money in 万元, two places (STYLE: never floats)
PERCENT = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
}
