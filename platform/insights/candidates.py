"""A title we do not have, as staff describe it: the description checked field by field (JSON file or form),
an existing title's features as such a description, and the vocabulary tags its synopsis matches (MiniLM).

The forecast of what it would be worth is `insights.forecast`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.utils.text import slugify

from catalog.models import Genre, Tag, Title

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
