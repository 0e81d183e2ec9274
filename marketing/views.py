"""E-mail link endpoints: thin, the rules are in tracking.py."""

import base64

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from . import tracking

_PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@csrf_exempt  # RFC 8058: mail providers POST "List-Unsubscribe=One-Click" with no session or CSRF token;
@never_cache  # the signed token is the credential.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        tracking.read_unsubscribe(token)
    except signing.BadSignature:
        return HttpResponseBadRequest("This unsubscribe link is not valid.")
    if request.method == "POST":
        tracking.unsubscribe(token)
        return render(request, "marketing/unsubscribed.html", {"done": True})
    # GET only asks: link scanners follow links, and must not unsubscribe anyone.
    return render(request, "marketing/unsubscribed.html", {"done": False})


@never_cache
@require_GET
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    tracking.record_open(token)
    return HttpResponse(_PIXEL, content_type="image/gif")


@never_cache
@require_GET
def click(request: HttpRequest, signed: str) -> HttpResponse:
    try:
        target = tracking.resolve_click(signed)
    except (signing.BadSignature, ValueError):
        return HttpResponseBadRequest("This link is not valid.")
    return HttpResponseRedirect(target)
