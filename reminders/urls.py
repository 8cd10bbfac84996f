from django.urls import path

from reminders import views

app_name = "reminders"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("mute/", views.mute, name="mute"),
]
