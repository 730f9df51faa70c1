from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo ledger and its people (`load_demo`, `generate_demo_notices`, `run_demo_history`):
    not product code; nothing in the product imports it."""

    name = "demo"
    verbose_name = "演示数据"
