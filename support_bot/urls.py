"""Support bot API, mounted at api/support/."""
from django.urls import path

from . import api

app_name = "support_bot"
urlpatterns = [
    path("ask", api.ask, name="ask"),
    path("feedback", api.feedback, name="feedback"),
    path("replies", api.replies, name="replies"),
]
