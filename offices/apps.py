from django.apps import AppConfig


class OfficesConfig(AppConfig):
    """The office itself: for now its settings (办理规则, 调度阈值, 公文联系人, 公文种类设置), in one
    place every app reads from. It imports only core and Django; the apps that own each setting's
    meaning write it through their audited services."""

    name = "offices"
    verbose_name = "专班办"
