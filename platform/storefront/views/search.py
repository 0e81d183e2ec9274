"""Search page (blended name + meaning matches, logged) and as-you-type suggestions."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from search import services as search_service

from ..cards import RowSpec, build_rows
from .common import profile_required


def _reason(hit: search_service.SearchHit) -> str:
    return "Title match" if hit.lexical >= search_service.LEXICAL_MIN else "Matches the theme of your search"


@profile_required
def search(request: HttpRequest) -> HttpResponse:
    """Results are cards like any row: artwork per profile, and each one logged as an impression."""
    profile = request.profile
    query = (request.GET.get("q") or "").strip()[: search_service.MAX_QUERY_CHARS]
    context = {"query": query, "hits": [], "popular": [], "search_id": None}
    if query:
        results = search_service.search_titles(query, profile=profile)
        spec = RowSpec("search", "Results", [(hit.title.pk, _reason(hit)) for hit in results.hits])
        hits = build_rows(profile, [spec])
        context["hits"] = hits[0].cards if hits else []
        if not context["hits"]:
            popular = search_service.popular_titles(profile)
            spec = RowSpec("search_popular", "Popular", [(title.pk, "Popular right now") for title in popular])
            rows = build_rows(profile, [spec])
            context["popular"] = rows[0].cards if rows else []
        context["search_id"] = search_service.log_search(profile, query, len(context["hits"])).pk
    return render(request, "storefront/search.html", context)


@profile_required
def suggest(request: HttpRequest) -> JsonResponse:
    query = (request.GET.get("q") or "").strip()
    if len(query) < 2:
        return JsonResponse({"suggestions": []})
    titles = search_service.suggest(query, profile=request.profile)
    return JsonResponse(
        {
            "suggestions": [
                {"id": t.pk, "name": t.name, "year": t.year, "url": reverse("storefront:title", args=[t.pk])}
                for t in titles
            ]
        }
    )
