from django.urls import path

from projects import ledger_views

app_name = "projects"
urlpatterns = [
    path("ledger/", ledger_views.export_ledger, name="ledger"),
]
