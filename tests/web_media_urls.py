"""The project's URLs plus media files, for browser tests (tests run with DEBUG off, which drops the dev route)."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from marquee.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    *project_urlpatterns,
]
