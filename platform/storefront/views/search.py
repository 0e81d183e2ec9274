"""Search page (blended name + meaning matches, logged) and as-you-type suggestions."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from artwork.services import choose_artwork

from .. import search as search_service
from ..cards import visible_titles
from .common import profile_required


@profile_required
def search(request: HttpRequest) -> HttpResponse:
    profile = request.profile
    query = (request.GET.get("q") or "").strip()[: search_service.MAX_QUERY_CHARS]
    context = {"query": query, "hits": [], "popular": [], "search_id": None}
    if query:
        results = search_service.search_titles(query, region=profile.account.region_id)
        allowed = set(visible_titles(profile).filter(pk__in=[h.title.pk for h in results.hits]).values_list("id", flat=True))
        hits = [hit for hit in results.hits if hit.title.pk in allowed]
        context["search_id"] = search_service.log_search(profile, query, len(hits)).pk
        shown = [hit.title for hit in hits]
        if not hits:
            shown = context["popular"] = search_service.popular_titles(profile.account.region_id)
        artwork = choose_artwork(profile, shown)
        context["hits"] = [(hit, artwork[hit.title.pk].url) for hit in hits]
        context["popular"] = [(title, artwork[title.pk].url) for title in context["popular"]]
    return render(request, "storefront/search.html", context)


@profile_required
def suggest(request: HttpRequest) -> JsonResponse:
    query = (request.GET.get("q") or "").strip()
    if len(query) < 2:
        return JsonResponse({"suggestions": []})
    titles = search_service.suggest(query, region=request.profile.account.region_id)
    return JsonResponse(
        {
            "suggestions": [
                {"id": t.pk, "name": t.name, "year": t.year, "url": reverse("storefront:title", args=[t.pk])}
                for t in titles
            ]
        }
    )
