from django.apps import AppConfig


class LedgersConfig(AppConfig):
    """Spreadsheets in and out: ledger exports, the master and weekly imports, OC4IDS."""

    name = "ledgers"
    verbose_name = "台账"
