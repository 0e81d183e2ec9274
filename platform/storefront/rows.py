"""Home rows and "More like this" from the recommendations service, resolved to logged cards."""

from accounts.models import Profile
from catalog.models import Title
from recommendations import services as recommendations

from .cards import CardRow, RowSpec, build_rows

ROW_LIMIT = 12


def home_rows(profile: Profile, *, limit: int = ROW_LIMIT) -> list[CardRow]:
    """The profile's personalized rows, read from stored candidates (no model runs here)."""
    specs = [
        RowSpec(row.key, row.heading, [(item.title_id, item.reason) for item in row.items])
        for row in recommendations.rows_for(profile, limit=limit)
    ]
    return build_rows(profile, specs)


def more_like_this(profile: Profile, title: Title, *, limit: int = ROW_LIMIT) -> CardRow | None:
    items = recommendations.similar_titles(title, limit=limit + 1)
    spec = RowSpec("more_like_this", "More like this", [(i.title_id, i.reason) for i in items if i.title_id != title.pk])
    rows = build_rows(profile, [spec])
    return rows[0] if rows else None
