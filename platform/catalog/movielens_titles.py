"""movies.csv and links.csv into the catalogue: new titles with their genres and external ids, and the
ids of known titles updated when links.csv changed them.
"""

from pathlib import Path

from django.utils import timezone
from django.utils.text import slugify

from jobs.bulk import insert_rows

from .models import Genre, Title
from .movielens_checks import FileReport, Link, control_character, positive_id
from .movielens_files import LINKS_HEADER, MOVIES_HEADER, genre_names, split_title
from .movielens_rows import RowReader


def read_links(reader: RowReader, path: Path) -> tuple[dict[int, Link], FileReport]:
    """links.csv, read before the titles so new titles are created with their ids (one row per title)."""
    report = reader.file_report(path)
    links: dict[int, Link] = {}
    for line, (movie_id, imdb, tmdb) in reader.rows(path, LINKS_HEADER, report):
        try:
            ml_id = positive_id(movie_id, "movieId")
            imdb_id = f"tt{positive_id(imdb, 'imdbId'):07d}" if imdb.strip() else ""
            tmdb_id = positive_id(tmdb, "tmdbId") if tmdb.strip() else None
        except ValueError as error:
            reader.bad(report, path.name, line, str(error), "bad id")
            continue
        links[ml_id] = Link(line, imdb_id, tmdb_id)
    return links, report


def import_movies(reader: RowReader, path: Path, links: dict[int, Link]) -> None:
    report = reader.file_report(path)
    genres = {genre.name: genre.pk for genre in Genre.objects.all()}
    for batch in reader.batches(path, MOVIES_HEADER, report):
        parsed: dict[int, tuple[str, int | None, list[str]]] = {}
        for line, (movie_id, raw_title, raw_genres) in batch:
            try:
                ml_id = positive_id(movie_id, "movieId")
            except ValueError as error:
                reader.bad(report, path.name, line, str(error), "bad movieId")
                continue
            if not raw_title.strip():
                reader.bad(report, path.name, line, "title is empty", "empty title")
                continue
            if control := control_character(raw_title):
                reader.bad(report, path.name, line, f"title contains a control character ({control})",
                           "control character in title")
                continue
            if ml_id in parsed:
                reader.bad(report, path.name, line, f"movieId {ml_id} appears twice", "duplicate movieId")
                continue
            name, year = split_title(raw_title)
            names = genre_names(raw_genres)
            parsed[ml_id] = (name, year, names)

        existing = set(Title.objects.filter(movielens_id__in=parsed).values_list("movielens_id", flat=True))
        report.unchanged += len(existing)
        new = {ml_id: row for ml_id, row in parsed.items() if ml_id not in existing}
        for genre_name in {g for _, _, names in new.values() for g in names} - genres.keys():
            genre, _ = Genre.objects.get_or_create(name=genre_name, defaults={"slug": slugify(genre_name)})
            genres[genre_name] = genre.pk
        now = timezone.now()
        no_link = Link(0, "", None)
        insert_rows(Title, ["name", "kind", "year", "synopsis", "maturity_rating", "movielens_id", "imdb_id",
                            "tmdb_id", "added_at"], [
            (name[:300], Title.Kind.MOVIE, year, "", Title.Maturity.UNRATED, ml_id,
             links.get(ml_id, no_link).imdb_id, links.get(ml_id, no_link).tmdb_id, now)
            for ml_id, (name, year, _) in new.items()
        ])
        titles = dict(Title.objects.filter(movielens_id__in=new).values_list("movielens_id", "pk"))
        insert_rows(Title.genres.through, ["title_id", "genre_id"], [
            (titles[ml_id], genres[g]) for ml_id, (_, _, names) in new.items() for g in names
        ])
        report.created += len(titles)


def movielens_title_ids() -> dict[int, int]:
    """MovieLens movieId to Title id for every imported title: what ratings, tags and links refer to."""
    return dict(Title.objects.filter(movielens_id__isnull=False).values_list("movielens_id", "pk").iterator())


def reconcile_links(
    reader: RowReader, path: Path, links: dict[int, Link], report: FileReport, title_ids: dict[int, int]
) -> None:
    """Report links to unknown titles; update titles whose external ids changed since the last import."""
    known = [ml_id for ml_id, link in links.items() if reader.known_title(report, path.name, link.line, ml_id, title_ids)]
    for start in range(0, len(known), reader.batch_size):
        chunk = known[start : start + reader.batch_size]
        changed = []
        for title in Title.objects.filter(movielens_id__in=chunk).only("pk", "movielens_id", "imdb_id", "tmdb_id"):
            link = links[title.movielens_id]
            if (title.imdb_id, title.tmdb_id) == (link.imdb_id, link.tmdb_id):
                report.unchanged += 1
                continue
            title.imdb_id, title.tmdb_id = link.imdb_id, link.tmdb_id
            changed.append(title)
        Title.objects.bulk_update(changed, ["imdb_id", "tmdb_id"])
        report.updated += len(changed)
