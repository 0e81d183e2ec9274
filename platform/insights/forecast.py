"""What a title we do not have would be worth in each market: a cold-start forecast from its description alone.

The recommender scores the described title from its genres, tags and year
(`recommendations.services.score_cold_title`: the active model's feature embeddings, for every profile it
was trained on). Per region the forecast says how many profiles would have it in their top 50, and the
expected first-month viewers: the five nearest existing titles' actual first-month viewers there, scaled by
how the candidate's top-50 reach compares with theirs. The synopsis adds tags through the core's MiniLM
(a tag whose description it matches closely counts like a model-suggested tag); the runtime is accepted and
echoed but the landed hybrid has no runtime feature, so it does not move the forecast.

No interaction of the candidate is ever read, so forecasting an existing title from its features (the
`exclude_title_id` path, used to check the forecast honestly) reads only other titles' logs.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.db.models import Count, Min
from django.utils.text import slugify

from accounts.models import Profile
from activity.models import ViewingEvent
from catalog.models import Genre, Region, Tag, Title

TOP_K = 50
SIMILAR = 5
FIRST_MONTH = timedelta(days=30)
SYNOPSIS_TAG_MIN = 0.45  # MiniLM cosine of synopsis and tag description; unrelated pairs score ~0.0-0.3
SYNOPSIS_TAG_WEIGHT = 0.4  # like a model-suggested tag (recommendations' TAG_SOURCE_WEIGHT["model"])
SYNOPSIS_TAGS = 3


class ForecastInputError(ValueError):
    """The description cannot be forecast; the message names the field."""


@dataclass(frozen=True)
class CandidateTitle:
    name: str
    genres: list[str]  # genre slugs
    tags: list[str]  # tag slugs
    year: int | None = None
    synopsis: str = ""
    runtime_minutes: int | None = None
    unknown_tags: list[str] = field(default_factory=list)  # named by staff, not in the vocabulary: unused


def _slugs(values, model, field_name: str, source: str) -> tuple[list[str], list[str]]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ForecastInputError(f"{source}: {field_name!r} must be a list of names")
    known = {}
    for pk_slug, name in model.objects.values_list("slug", "name"):
        known[pk_slug] = pk_slug
        known[name.lower()] = pk_slug
    found, unknown = [], []
    for value in values:
        slug = known.get(value.strip().lower()) or known.get(slugify(value))
        (found if slug else unknown).append(slug or value)
    return list(dict.fromkeys(found)), unknown


def parse_candidate(raw: object, source: str = "input") -> CandidateTitle:
    """A description {"name", "genres", "tags", "year", "synopsis"[, "runtime_minutes"]}, checked field by field."""
    if not isinstance(raw, dict):
        raise ForecastInputError(f"{source}: expected a JSON object with name, genres, tags, year, synopsis")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ForecastInputError(f"{source}: 'name' must be a non-empty string")
    genres, unknown_genres = _slugs(raw.get("genres", []), Genre, "genres", source)
    if unknown_genres:
        raise ForecastInputError(
            f"{source}: 'genres': unknown genre(s) {', '.join(map(repr, unknown_genres))}"
        )
    tags, unknown_tags = _slugs(raw.get("tags", []), Tag, "tags", source)
    year = raw.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1870 <= year <= 2100):
        raise ForecastInputError(f"{source}: 'year' must be a whole year such as 2024, not {year!r}")
    synopsis = raw.get("synopsis", "") or ""
    if not isinstance(synopsis, str):
        raise ForecastInputError(f"{source}: 'synopsis' must be a string")
    runtime = raw.get("runtime_minutes", raw.get("runtime"))
    if runtime is not None and (not isinstance(runtime, int) or isinstance(runtime, bool) or runtime <= 0):
        raise ForecastInputError(f"{source}: 'runtime_minutes' must be a positive whole number of minutes")
    if not genres and not tags and year is None and not synopsis.strip():
        raise ForecastInputError(f"{source}: give at least one of genres, tags, year or synopsis")
    return CandidateTitle(name.strip(), genres, tags, year, synopsis.strip(), runtime, unknown_tags)


def read_candidate(path: str | Path) -> CandidateTitle:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ForecastInputError(f"{path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        line = getattr(error, "lineno", 1)
        raise ForecastInputError(f"{path}:{line}: not valid JSON ({error})") from None
    return parse_candidate(raw, str(path))


def candidate_from_title(title: Title) -> CandidateTitle:
    """An existing title's description (its features only), to forecast it as if it were new."""
    return CandidateTitle(
        name=title.name,
        genres=list(title.genres.values_list("slug", flat=True)),
        tags=sorted(set(title.tags.values_list("slug", flat=True))),
        year=title.year,
        synopsis=title.synopsis,
        runtime_minutes=title.runtime_minutes,
    )


def synopsis_tags(synopsis: str, *, exclude: set[str] = frozenset()) -> dict[str, float]:
    """Vocabulary tags whose descriptions the synopsis matches closely (MiniLM), as weak tag features."""
    if not synopsis.strip():
        return {}
    tags = list(
        Tag.objects.filter(is_active=True)
        .exclude(slug__in=exclude)
        .values_list("slug", "name", "description")
    )
    if not tags:
        return {}
    from catalog.embeddings import embed_texts

    vectors = embed_texts([synopsis[:2000]] + [f"{name}: {description}" for _, name, description in tags])
    cosines = vectors[1:] @ vectors[0]
    best = np.argsort(-cosines)[:SYNOPSIS_TAGS]
    return {tags[i][0]: SYNOPSIS_TAG_WEIGHT for i in best if cosines[i] >= SYNOPSIS_TAG_MIN}


# -- the forecast --------------------------------------------------------------------------------------
def first_month_viewers(title_ids: list[int]) -> dict[int, dict[int, int]]:
    """{title: {region: distinct profiles who watched it in its first 30 days}}, from its first view anywhere.

    The first view, not `added_at`: imported catalogues carry no date the title arrived on the service.
    """
    firsts = dict(
        ViewingEvent.objects.filter(title_id__in=title_ids, hidden_at__isnull=True)
        .values("title_id")
        .annotate(first=Min("started_at"))
        .values_list("title_id", "first")
    )
    found: dict[int, dict[int, int]] = {t: {} for t in title_ids}
    for title_id, first in firsts.items():
        rows = (
            ViewingEvent.objects.filter(
                title_id=title_id,
                hidden_at__isnull=True,
                started_at__lt=first + FIRST_MONTH,
                profile__account__region__isnull=False,
            )
            .values_list("profile__account__region_id")
            .annotate(n=Count("profile_id", distinct=True))
            .order_by()
        )
        found[title_id] = dict(rows)
    return found


def expected_viewers(reach: float, similar_reach: np.ndarray, similar_actual: np.ndarray) -> float:
    """The neighbours' mean first-month viewers, scaled by the candidate's top-k reach against theirs (+1 smoothed)."""
    if not len(similar_actual):
        return 0.0
    return float(similar_actual.mean() * (reach + 1) / (similar_reach.mean() + 1))


@dataclass
class SimilarTitle:
    id: int
    name: str
    similarity: float
    first_month_viewers: int
    profiles_with_it_in_top_50: int


@dataclass
class RegionForecast:
    region: str
    name: str
    profiles: int  # profiles of the region the model scored
    profiles_with_it_in_top_50: int
    expected_first_month_viewers: float
    similar_titles: list[SimilarTitle]

    def as_dict(self) -> dict:
        return asdict(self)


def forecast(
    candidate: CandidateTitle, *, exclude_title_id: int | None = None, use_synopsis: bool = True
) -> list[RegionForecast]:
    """One forecast per region (every region, even one without profiles). Empty without an active model."""
    from recommendations.services import score_cold_title

    tag_weights = {slug: 1.0 for slug in candidate.tags}  # staff describe it: curated like staff tags
    if use_synopsis:
        for slug, weight in synopsis_tags(candidate.synopsis, exclude=set(candidate.tags)).items():
            tag_weights.setdefault(slug, weight)
    scored = score_cold_title(
        candidate.genres,
        tag_weights,
        candidate.year,
        k=TOP_K,
        similar=SIMILAR,
        exclude_title_id=exclude_title_id,
    )
    if scored is None:
        return []
    region_of = dict(
        Profile.objects.filter(pk__in=scored.profile_ids.tolist()).values_list("pk", "account__region_id")
    )
    regions_by_row = np.array([region_of.get(p) or 0 for p in scored.profile_ids.tolist()])
    in_top = scored.scores > scored.cutoffs
    similar_in_top = scored.similar_scores > scored.cutoffs[:, None]
    similar_ids = [int(t) for t in scored.similar_ids]
    names = dict(Title.objects.filter(pk__in=similar_ids).values_list("pk", "name"))
    actual = first_month_viewers(similar_ids)
    results = []
    for region in Region.objects.order_by("code"):
        rows = regions_by_row == region.pk
        reach = int(in_top[rows].sum())
        similar_reach = similar_in_top[rows].sum(axis=0)
        similar_actual = np.array([actual[t].get(region.pk, 0) for t in similar_ids], dtype=float)
        similar = [
            SimilarTitle(
                t, names.get(t, str(t)), round(float(c), 4), int(similar_actual[i]), int(similar_reach[i])
            )
            for i, (t, c) in enumerate(zip(similar_ids, scored.similar_cosines.tolist(), strict=True))
        ]
        results.append(
            RegionForecast(
                region.code,
                region.name,
                int(rows.sum()),
                reach,
                round(expected_viewers(reach, similar_reach, similar_actual), 2),
                similar,
            )
        )
    return results
