from django.urls import path

from visits import need_views, offline_views, views

app_name = "visits"
urlpatterns = [
    path("", views.my_households, name="my_households"),
    path("sw.js", offline_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline_views.manifest, name="manifest"),
    path("offline/pages.json", offline_views.pages, name="offline_pages"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/visit/", views.log_visit, name="log_visit"),
    path(
        "households/<int:pk>/photos/<int:photo_pk>/",
        views.household_photo,
        name="household_photo",
    ),
    path("needs/", need_views.my_needs, name="my_needs"),
    path("needs/<int:pk>/", need_views.need, name="need"),
    path("needs/<int:pk>/step/", need_views.need_step, name="need_step"),
]
