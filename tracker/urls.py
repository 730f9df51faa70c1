"""Pages of the portfolio (mounted at the site root; "home" itself is named in config/urls.py)."""
from django.urls import path

from tracker import views

app_name = "tracker"
urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("ledger/", views.ledger, name="ledger"),
    path("search/", views.search, name="search"),
    path("projects/<int:project_id>/", views.project_detail, name="project"),
    path("projects/<int:project_id>/report/", views.weekly_report, name="weekly_report"),
    path("projects/<int:project_id>/transition/", views.project_transition, name="transition"),
    path("projects/<int:project_id>/problems/", views.problem_raise, name="problem_raise"),
    path("problems/<int:problem_id>/escalate/", views.problem_escalate, name="problem_escalate"),
    path("problems/<int:problem_id>/resolve/", views.problem_resolve, name="problem_resolve"),
    path("problems/escalated/", views.escalated_problems, name="escalated_problems"),
    path("leader/", views.leader_home, name="leader_home"),
    path("unit/", views.unit_home, name="unit_home"),
    path("site-visits/", views.site_visits, name="site_visits"),
]
