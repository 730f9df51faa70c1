"""Signals the domain sends for readers above it.

`portfolio_bulk_changed`: bulk writes (`bulk_create`, `update()`, raw SQL) send no model signals,
so whoever writes the portfolio in bulk (the ledger import, the demo loader) sends this one after
its transaction commits; the dashboard's cache (dashboard.cache) bumps its data version on it.
"""
from django.dispatch import Signal

portfolio_bulk_changed = Signal()


def portfolio_bulk_changed_send(*, sender) -> None:
    portfolio_bulk_changed.send(sender=sender)
