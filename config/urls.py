"""Root URLconf: each app mounts its own urls module here."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.http import require_http_methods
from django.views.generic import RedirectView

from config import accounts
from dashboard import views as dashboard_views

admin.site.site_header = "一泓 · 临汾市“一泓清水入黄河”工程专班"
admin.site.site_title = "一泓管理后台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz/", include("config.health")),
    # LoginView would also take PUT as a POST; only GET and POST are meant.
    path("accounts/login/", require_http_methods(["GET", "POST"])(auth_views.LoginView.as_view()),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", require_http_methods(["GET", "POST"])(accounts.PasswordChangeView.as_view()),
         name="password_change"),
    path("accounts/password/done/", require_http_methods(["GET"])(accounts.PasswordChangeDoneView.as_view()),
         name="password_change_done"),
    path("notices/", include("notices.urls")),
    path("audit/", include("tracker.audit.urls")),
    path("ledgers/", include("ledgers.urls")),
    path("dispatch/", include("dispatch.urls")),
    path("outreach/", include("outreach.urls")),
    # The site-visit list moved to the calendar's pages; old bookmarks still land.
    path("site-visits/", RedirectView.as_view(pattern_name="dispatch:site_visits", permanent=True)),
    path("", dashboard_views.home, name="home"),
    path("", include("dashboard.urls")),
    path("", include("tracker.urls")),
]

# Chinese 403/404 pages (templates/403.html, templates/404.html).
handler403 = "tracker.views.projects.permission_denied"
handler404 = "tracker.views.projects.page_not_found"
