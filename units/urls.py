from django.urls import path

from units import views

app_name = "units"
urlpatterns = [
    path("boards/<int:pk>/", views.work_group_board, name="work_group_board"),
    path("cards/village/<int:pk>/", views.village_cards, name="village_cards"),
    path("cards/cadre/<int:pk>/", views.cadre_cards, name="cadre_cards"),
    path("cadres/<int:pk>/photo/", views.cadre_photo, name="cadre_photo"),
]
