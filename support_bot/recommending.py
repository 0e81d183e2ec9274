"""The "recommend me something like X" intent: find X in the catalog, suggest titles for the asking profile.

Suggestions are X's nearest titles from `recommendations.services.similar_titles` (the active model's item
space, or shared genres and tags), kept to the titles the asker may see (`Title.objects.visible_to` for the
chosen profile; with none chosen, the account's region and the kids ratings); when that yields nothing,
titles sharing the most genres with X.
"""

import re

from django.db.models import Count, Q

from accounts.models import Profile
from catalog.models import Title

RECOMMEND_SLUG = "recommend-similar"
_LIKE = re.compile(
    r"(?:similar to|something like|anything like|more like|films? like|movies? like|shows? like|series like|like|"
    r"liked|loved|enjoyed|as good as)\s+(?:the\s+(?:movie|film|show|series)\s+)?(?P<name>.+)$",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"(?:\s*(?:please|thanks|what else would i enjoy|suggest more like it|,.*))?[\s?.!]*$",
                       re.IGNORECASE)


def _visible(user, profile):
    """The core's visibility rule for the asker: the profile's, or the account's region when none is chosen
    (then only titles every maturity limit admits, since we do not know who is asking)."""
    if profile is not None:
        return Title.objects.visible_to(profile)
    return Title.objects.visible_in(user.region_id, Profile.ALLOWED_RATINGS[Profile.Maturity.KIDS])


def title_named_in(question: str, titles) -> Title | None:
    """The catalog title the question names after "like …" (exact name first, then the shortest containing it)."""
    match = _LIKE.search(question.strip())
    if not match:
        return None
    name = _TRAILING.sub("", match.group("name")).strip(" \"'“”")
    if len(name) < 2:
        return None
    exact = titles.filter(name__iexact=name).order_by("-year", "id").first()
    if exact:
        return exact
    candidates = titles.filter(name__icontains=name).only("id", "name", "year")[:50]
    return min(candidates, key=lambda t: (len(t.name), t.id), default=None)


def titles_like(seed: Title, *, visible, limit: int = 5) -> list[Title]:
    """Up to `limit` of the recommender's neighbours of `seed` among `visible` titles."""
    from recommendations.services import similar_titles

    ranked_ids = [item.title_id for item in similar_titles(seed, limit=limit * 4)]
    allowed = visible.filter(pk__in=ranked_ids).exclude(pk=seed.pk)
    by_id = {title.pk: title for title in allowed}
    picks = [by_id[title_id] for title_id in ranked_ids if title_id in by_id][:limit]
    return picks or _sharing_genres(seed, visible=visible, limit=limit)


def _sharing_genres(seed: Title, *, visible, limit: int) -> list[Title]:
    genre_ids = list(seed.genres.values_list("id", flat=True))
    if not genre_ids:
        return []
    titles = visible.exclude(pk=seed.pk)
    titles = titles.annotate(shared=Count("genres", filter=Q(genres__in=genre_ids), distinct=True)).filter(shared__gt=0)
    return list(titles.order_by("-shared", "-year", "name")[:limit])


def recommend_like(user, profile, question: str, *, intro: str) -> tuple[str, list[dict]]:
    """The reply text and links for the asking account's profile; nothing from any other account is read."""
    visible = _visible(user, profile)
    seed = title_named_in(question, visible)
    if seed is None:
        return ("Tell me a title you enjoyed, for example “something like Toy Story”, and I'll suggest similar "
                "ones."), []
    picks = titles_like(seed, visible=visible)
    if not picks:
        return f"I couldn't find anything close to {seed.name} in your catalogue yet.", []
    links = [{"title": str(t), "url": t.get_absolute_url()} for t in picks]
    lines = "\n".join(f"• {t}" for t in picks)
    return f"{intro.strip()} (because you liked {seed.name})\n{lines}", links
