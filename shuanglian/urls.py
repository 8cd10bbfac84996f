from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from shuanglian import account_views, views
from shuanglian.figures import dashboards, ranking_views, report_views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path(
        "accounts/password/",
        account_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/own_password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("accounts/logout/", account_views.SignOutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("me/interviews/", include("satisfaction.urls")),
    path("me/reminders/", include("reminders.urls")),
    path("me/away/", include("visitflags.urls")),
    path("me/", include("visits.urls")),
    path("", include("units.urls")),
    path("projects/", include("projects.urls")),
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("dashboard/gaps/<slug:slug>/", dashboards.gap_list, name="gap_list"),
    path("dashboard/ranking/", ranking_views.ranking_page, name="ranking"),
    path("dashboard/report/", report_views.report, name="report"),
    path("dashboard/reports/", report_views.archive_page, name="report_archive"),
    path(
        "dashboard/reports/<int:pk>/download/",
        report_views.archive_download,
        name="report_archive_download",
    ),
    path("admin/", admin.site.urls),
]
