"""Ledger pages, mounted at /ledgers/ with the namespace "ledgers"."""
from django.urls import path

from ledgers import views as ledger_views

app_name = "ledgers"
urlpatterns = [
    path("", ledger_views.ledger_index, name="index"),
    path("download/<slug:kind>/", ledger_views.ledger_download, name="download"),
    path("weekly-template/", ledger_views.weekly_template_download, name="weekly_template"),
    path("oc4ids.json", ledger_views.oc4ids_download, name="oc4ids"),
    path("imports/", ledger_views.import_upload, name="upload"),
    path("imports/<str:token>/", ledger_views.import_preview, name="preview"),
    path("imports/<str:token>/confirm/", ledger_views.import_confirm, name="confirm"),
    path("imports/<str:token>/progress/", ledger_views.import_progress, name="progress"),
    path("imports/<str:token>/result/", ledger_views.import_result, name="result"),
]
