from django.urls import path

from satisfaction import views

app_name = "satisfaction"
urlpatterns = [
    path("", views.my_interviews, name="my_interviews"),
    path("<int:pk>/", views.interview, name="interview"),
]
