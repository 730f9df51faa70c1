"""Pages of the calendar (mounted at /dispatch/)."""
from django.urls import path

from dispatch import views

app_name = "dispatch"
urlpatterns = [
    path("thresholds/", views.thresholds, name="thresholds"),
    path("thresholds/start-gate/", views.office_settings, name="office_settings"),
    path("site-visits/", views.site_visits, name="site_visits"),
]
