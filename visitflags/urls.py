from django.urls import path

from visitflags import views

app_name = "visitflags"
urlpatterns = [
    path("", views.days_away, name="days_away"),
    path("<int:pk>/delete/", views.delete_days_away, name="delete_days_away"),
]
