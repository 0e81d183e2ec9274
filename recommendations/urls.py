"""Recommendations API (mounted at api/recommendations/)."""

from django.urls import path

from . import api

app_name = "recommendations"
urlpatterns = [
    path("rows/", api.my_rows, name="my-rows"),
    path("profiles/<int:profile_id>/rows/", api.profile_rows, name="profile-rows"),
    path("titles/<int:title_id>/similar/", api.similar, name="similar"),
]
