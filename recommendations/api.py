"""JSON API for the storefront: the signed-in account's rows and "more like this"; other accounts' profiles are 404."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import current_profile, get_profile_for
from catalog.models import Title

from . import services

MAX_LIMIT = 50


def _limit(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("limit", 12)), MAX_LIMIT))
    except ValueError:
        return 12


def _item_payload(profile, items: list[services.RowItem]) -> list[dict]:
    """Only titles the profile may see, whatever the source of `items`."""
    wanted = [i.title_id for i in items]
    titles = {t.pk: t for t in Title.objects.visible_to(profile).filter(pk__in=wanted).only("pk", "name", "year")}
    return [
        {"title_id": i.title_id, "name": titles[i.title_id].name, "year": titles[i.title_id].year,
         "score": i.score, "reason": i.reason}
        for i in items
        if i.title_id in titles
    ]


def _rows_payload(profile, limit: int) -> dict:
    """Cached like the home page's rows (same TTL, same per-profile version bumped on every action)."""
    return services.cached_for_profile(
        profile.pk, f"recommendations:api-rows:{limit}", lambda: _ranked_payload(profile, limit),
        ttl=getattr(settings, "STOREFRONT_ROWS_CACHE_SECONDS", 120),
    )


def _ranked_payload(profile, limit: int) -> dict:
    rows = services.rows_for(profile, limit=limit)
    every = [item for row in rows for item in row.items]
    payload = {i["title_id"]: i for i in _item_payload(profile, every)}
    return {
        "profile": profile.pk,
        "rows": [
            {"key": row.key, "heading": row.heading,
             "items": [payload[i.title_id] | {"reason": i.reason, "score": i.score} for i in row.items
                       if i.title_id in payload]}
            for row in rows
        ],
    }


@api_view(["GET"])
def my_rows(request: Request) -> Response:
    """Rows for the profile chosen on "Who's watching?"."""
    profile = current_profile(request)
    if profile is None:
        raise Http404("No profile selected")
    return Response(_rows_payload(profile, _limit(request)))


@api_view(["GET"])
def profile_rows(request: Request, profile_id: int) -> Response:
    """Rows for one of the signed-in account's profiles (another account's profile is a 404)."""
    return Response(_rows_payload(get_profile_for(request.user, profile_id), _limit(request)))


@api_view(["GET"])
def similar(request: Request, title_id: int) -> Response:
    """More like a title the chosen profile may see; a title it may not see is a 404, as on its page."""
    profile = current_profile(request)
    if profile is None:
        raise Http404("No profile selected")
    title = get_object_or_404(Title.objects.visible_to(profile), pk=title_id)
    items = services.similar_titles(title, limit=_limit(request), profile=profile)
    return Response({"title_id": title.pk, "items": _item_payload(profile, items)})
