from django.urls import path

from tracker.audit import views as audit_views

app_name = "audit"
urlpatterns = [
    path("", audit_views.audit_log, name="log"),
    path("export.csv", audit_views.audit_log_export, name="export"),
]
