"""tags.csv into the tag vocabulary and title tags: new words added, one imported TitleTag per
(title, tag), and a model's guess of the same tag promoted to imported.
"""

from pathlib import Path

from django.utils import timezone
from django.utils.text import slugify

from jobs.bulk import insert_rows

from .models import Tag, TitleTag
from .movielens_checks import control_character, positive_id, unix_time
from .movielens_files import TAGS_HEADER, normalize_tag
from .movielens_rows import RowReader


def import_tags(reader: RowReader, path: Path, title_ids: dict[int, int], now: int) -> None:
    """Tags of known titles, timestamped from 1990 up to `now` (Unix seconds)."""
    report = reader.file_report(path)
    tags = dict(Tag.objects.values_list("slug", "pk"))
    for batch in reader.batches(path, TAGS_HEADER, report):
        pairs: set[tuple[int, str]] = set()
        names: dict[str, str] = {}
        valid = 0
        for line, (user_id, movie_id, raw_tag, timestamp) in batch:
            try:
                positive_id(user_id, "userId")
                ml_movie = positive_id(movie_id, "movieId")
                unix_time(timestamp, now)
            except ValueError as error:
                reader.bad_field(report, path.name, line, error)
                continue
            if not reader.known_title(report, path.name, line, ml_movie, title_ids):
                continue
            if control := control_character(raw_tag):
                reader.bad(report, path.name, line, f"tag contains a control character ({control})",
                           "control character in tag")
                continue
            name = normalize_tag(raw_tag)
            slug = slugify(name)[:100]
            if not slug:
                reader.bad(report, path.name, line, f"tag {raw_tag!r} has no letters or digits", "empty tag")
                continue
            valid += 1
            names.setdefault(slug, name)
            pairs.add((title_ids[ml_movie], slug))
        _ensure_tags(names, tags)
        # One row per (title, tag), whatever its source: a model's row of the same tag becomes imported
        # (a person applied it), a staff row stays staff's.
        existing = {
            (title_id, tag_id): source for title_id, tag_id, source in TitleTag.objects.filter(
                title_id__in={t for t, _ in pairs}
            ).values_list("title_id", "tag_id", "source")
        }
        keyed = {(title_id, tags[slug]) for title_id, slug in pairs}
        new = {pair for pair in keyed if pair not in existing}
        for title_id, tag_id in (pair for pair in keyed if existing.get(pair) == TitleTag.Source.MODEL):
            TitleTag.objects.filter(title_id=title_id, tag_id=tag_id).update(
                source=TitleTag.Source.IMPORTED, confidence=1.0
            )
        created_at = timezone.now()
        insert_rows(TitleTag, ["title_id", "tag_id", "source", "confidence", "created_at"],
                    [(t, g, TitleTag.Source.IMPORTED, 1.0, created_at) for t, g in new])
        report.created += len(new)
        report.unchanged += valid - len(new)


def _ensure_tags(names: dict[str, str], tags: dict[str, int]) -> None:
    """Add the batch's new vocabulary words; `tags` maps slug to Tag id and is updated in place."""
    missing = {slug: name for slug, name in names.items() if slug not in tags}
    if not missing:
        return
    Tag.objects.bulk_create([Tag(name=n, slug=s) for s, n in missing.items()], ignore_conflicts=True)
    tags.update(Tag.objects.filter(slug__in=missing).values_list("slug", "pk"))
    # A word whose name exists under another slug (e.g. made by staff) reuses that tag.
    unresolved = {slug: name for slug, name in missing.items() if slug not in tags}
    if unresolved:
        by_name = dict(Tag.objects.filter(name__in=unresolved.values()).values_list("name", "pk"))
        tags.update({slug: by_name[name] for slug, name in unresolved.items()})
