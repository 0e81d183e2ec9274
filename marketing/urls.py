"""Links inside campaign e-mails: they work without signing in."""

from django.urls import path

from . import views

app_name = "marketing"
urlpatterns = [
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("o/<str:token>.gif", views.open_pixel, name="open"),
    path("c/<str:signed>/", views.click, name="click"),
]
