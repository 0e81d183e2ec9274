"""Staff pages of the tagging app."""

from django.urls import path

from . import views

app_name = "tagging"
urlpatterns = [
    path("titles/<int:title_id>/tags/", views.title_tags, name="title_tags"),
    path("suggestions/<int:pk>/<str:decision>/", views.decide_suggestion, name="decide_suggestion"),
]
