"""The "recommend me something like X" intent: find X in the catalog, suggest titles for the asking profile.

Suggestions are X's nearest titles from `recommendations.services.similar_titles` (the active model's item
space, or shared genres and tags), kept to the asker's region and the profile's maturity limit; when that
yields nothing, titles sharing the most genres with X.
"""

import re

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse

from catalog.models import Title

RECOMMEND_SLUG = "recommend-similar"
_LIKE = re.compile(
    r"(?:similar to|something like|anything like|more like|films? like|movies? like|shows? like|series like|like|"
    r"liked|loved|enjoyed|as good as)\s+(?:the\s+(?:movie|film|show|series)\s+)?(?P<name>.+)$",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"(?:\s*(?:please|thanks|what else would i enjoy|suggest more like it|,.*))?[\s?.!]*$",
                       re.IGNORECASE)
_MATURITY = {
    "kids": [Title.Maturity.G, Title.Maturity.PG],
    "teen": [Title.Maturity.G, Title.Maturity.PG, Title.Maturity.PG13],
}


def title_named_in(question: str, region) -> Title | None:
    """The catalog title the question names after "like …" (exact name first, then the shortest containing it)."""
    match = _LIKE.search(question.strip())
    if not match:
        return None
    name = _TRAILING.sub("", match.group("name")).strip(" \"'“”")
    if len(name) < 2:
        return None
    titles = Title.objects.available_in(region)
    exact = titles.filter(name__iexact=name).order_by("-year", "id").first()
    if exact:
        return exact
    candidates = titles.filter(name__icontains=name).only("id", "name", "year")[:50]
    return min(candidates, key=lambda t: (len(t.name), t.id), default=None)


def title_link(title: Title) -> str:
    try:
        return reverse("storefront:title", args=[title.pk])
    except NoReverseMatch:  # the storefront has no title page yet: point at its card on the home page
        return f"{reverse('storefront:home')}#title-{title.pk}"


def similar_titles(seed: Title, *, region, maturity_limit: str | None, limit: int = 5) -> list[Title]:
    from recommendations.services import similar_titles as recommender_neighbours

    ranked_ids = [item.title_id for item in recommender_neighbours(seed, limit=limit * 4)]
    allowed = Title.objects.available_in(region).filter(pk__in=ranked_ids).exclude(pk=seed.pk)
    if maturity_limit in _MATURITY:
        allowed = allowed.filter(maturity_rating__in=_MATURITY[maturity_limit])
    by_id = {title.pk: title for title in allowed}
    picks = [by_id[title_id] for title_id in ranked_ids if title_id in by_id][:limit]
    return picks or _sharing_genres(seed, region=region, maturity_limit=maturity_limit, limit=limit)


def _sharing_genres(seed: Title, *, region, maturity_limit: str | None, limit: int) -> list[Title]:
    genre_ids = list(seed.genres.values_list("id", flat=True))
    if not genre_ids:
        return []
    titles = Title.objects.available_in(region).exclude(pk=seed.pk)
    if maturity_limit in _MATURITY:
        titles = titles.filter(maturity_rating__in=_MATURITY[maturity_limit])
    titles = titles.annotate(shared=Count("genres", filter=Q(genres__in=genre_ids), distinct=True)).filter(shared__gt=0)
    return list(titles.order_by("-shared", "-year", "name")[:limit])


def recommend_like(user, profile, question: str, *, intro: str) -> tuple[str, list[dict]]:
    """The reply text and links for the asking account's profile; nothing from any other account is read."""
    region = user.region_id
    seed = title_named_in(question, region)
    if seed is None:
        return ("Tell me a title you enjoyed, for example “something like Toy Story”, and I'll suggest similar "
                "ones."), []
    picks = similar_titles(seed, region=region, maturity_limit=getattr(profile, "maturity_limit", None))
    if not picks:
        return f"I couldn't find anything close to {seed.name} in your catalogue yet.", []
    links = [{"title": str(t), "url": title_link(t)} for t in picks]
    lines = "\n".join(f"• {t}" for t in picks)
    return f"{intro.strip()} (because you liked {seed.name})\n{lines}", links
