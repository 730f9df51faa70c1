"""The read side's pages (mounted at the site root; "home" itself is named in config/urls.py)."""
from django.urls import path

from dashboard import views, work_views

app_name = "dashboard"
urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("dashboard/data.json", views.dashboard_data_json, name="data"),
    path("ledger/", views.ledger, name="ledger"),
    path("search/", views.search, name="search"),
    path("problems/escalated/", views.escalated_problems, name="escalated_problems"),
    path("leader/", views.leader_home, name="leader_home"),
    path("unit/", views.unit_home, name="unit_home"),
    path("office/", work_views.office_home, name="office_home"),
    path("department/", work_views.department_home, name="department_home"),
    path("city/", work_views.city_home, name="city_home"),
]
