"""The project's URLs plus media files, for browser tests (tests run with DEBUG off, which drops the dev route)."""

from django.urls import re_path

from marquee.media import serve_media
from marquee.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    re_path(r"^media/(?P<path>.*)$", serve_media),
    *project_urlpatterns,
]
