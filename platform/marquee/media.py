"""Uploaded media as Django serves it (the development route): never rendered as HTML or SVG by the browser.

Staff uploads are checked at upload (catalog.formats), but files stored before that check, or placed in
MEDIA_ROOT by other means, are still served from the site's own origin here. So only the allow-listed
image and video extensions are served inline, with their own Content-Type; anything else is a download.
"""

from pathlib import PurePath

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.static import serve

from catalog.formats import CONTENT_TYPES


def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    content_type = CONTENT_TYPES.get(PurePath(path).suffix.lower())
    if content_type:
        response["Content-Type"] = content_type
    else:
        response["Content-Type"] = "application/octet-stream"
        response["Content-Disposition"] = content_disposition_header(True, PurePath(path).name)
    # The browser must not guess a type from the bytes, and even a file it renders may not run script.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def media_urlpatterns() -> list:
    """The media route, when Django is the one serving MEDIA_URL (DEBUG, and MEDIA_URL is a path on this site)."""
    import re

    from django.urls import re_path

    if not settings.DEBUG or "://" in settings.MEDIA_URL or settings.MEDIA_URL.startswith("//"):
        return []
    prefix = settings.MEDIA_URL.lstrip("/")
    return [re_path(rf"^{re.escape(prefix)}(?P<path>.*)$", serve_media)]
