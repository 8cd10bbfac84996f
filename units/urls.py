from django.urls import path

from units import survey_views, views

app_name = "units"
urlpatterns = [
    path("boards/<int:pk>/", views.work_group_board, name="work_group_board"),
    path("cards/village/<int:pk>/", views.village_cards, name="village_cards"),
    path("cards/cadre/<int:pk>/", views.cadre_cards, name="cadre_cards"),
    path("cadres/<int:pk>/photo/", views.cadre_photo, name="cadre_photo"),
    path("me/villages/", survey_views.my_villages, name="my_villages"),
    path("me/villages/<int:pk>/survey/", survey_views.village_survey, name="village_survey"),
    path(
        "me/villages/<int:pk>/survey/<int:year>/",
        survey_views.village_survey,
        name="village_survey_year",
    ),
]
