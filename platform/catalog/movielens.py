"""Import a MovieLens folder (ratings.csv, and movies/tags/links.csv when present) into Marquee.

Streams every file in batches, so memory is bounded by the batch size and the catalogue,
not by the number of ratings. Idempotent: rows already imported are left alone. A bad
row is reported with its file, line and reason; the good rows still go in unless strict.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Profile, User
from activity.models import Rating
from jobs import Progress
from jobs.bulk import insert_rows

from .models import Genre, Tag, Title, TitleTag
from .movielens_checks import (  # what a bad row is and the field checks
    BadRow,
    FileReport,
    ImportReport,
    Link,
    control_character,
    half_stars,
    positive_id,
    scan_file,
    undecodable_byte,
    unix_time,
)
from .movielens_files import (  # the format's one owner, shared with the recommender's dataset
    LINKS_HEADER,
    MOVIES_HEADER,
    RATINGS_HEADER,
    TAGS_HEADER,
    genre_names,
    header_matches,
    normalize_tag,
    split_title,
)

MOVIELENS_EMAIL_DOMAIN = "movielens.marquee.invalid"


# Rows read between two progress reports: a report per row would cost more than the row (ml-25m has 25M).
PROGRESS_EVERY = 10_000


def _no_progress(done: int, total: int, note: str) -> None:
    return None


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class MovieLensImporter:
    def __init__(
        self,
        directory: Path,
        *,
        strict: bool = False,
        batch_size: int = 5000,
        progress: Progress | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.strict = strict
        self.batch_size = batch_size
        self.progress = progress or _no_progress
        self.report = ImportReport()
        self._title_ids: dict[int, int] = {}
        self._profile_ids: dict[int, int] = {}
        self._unusable_password = make_password(None)
        self._now = int(datetime.now(UTC).timestamp())

    # -- entry point -------------------------------------------------------------------
    def run(self) -> ImportReport:
        ratings = self.directory / "ratings.csv"
        if not ratings.is_file():
            raise FileNotFoundError(f"{ratings}: ratings.csv is required in a MovieLens folder")
        # One transaction: --strict rolls everything back on the first bad row, and a crash
        # half-way leaves the database as it was.
        with transaction.atomic():
            # Foreign keys checked row by row as COPY goes, not all at commit (Django's are deferred):
            # PostgreSQL's queue of ~200k deferred checks cost ~2 s more (docs/benchmarks.md).
            self._set_constraints("IMMEDIATE")
            links_path = self.directory / "links.csv"
            links = self._read_links(links_path) if links_path.is_file() else {}
            if (self.directory / "movies.csv").is_file():
                self._import_movies(self.directory / "movies.csv", links)
            self._load_title_ids()
            if links:
                self._reconcile_links(links_path, links)
            self._import_ratings(ratings)
            if (self.directory / "tags.csv").is_file():
                self._import_tags(self.directory / "tags.csv")
            self._set_constraints("DEFERRED")  # Django's initial mode, for the rest of an enclosing transaction
        return self.report

    @staticmethod
    def _set_constraints(mode: str) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS ALL {mode}")

    # -- shared reading --------------------------------------------------------------------
    def _rows(self, path: Path, header: list[str], report: FileReport) -> Iterator[tuple[int, list[str]]]:
        """Yield (line number, fields) for well-formed rows; report the rest by file and line.

        A byte-order mark is skipped; rows with bytes that are not UTF-8, an unparseable field (one
        over the csv module's 128 KB limit) or the wrong number of columns are reported, not fatal.
        """
        total, valid_utf8 = scan_file(path)
        with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
            reader = csv.reader(handle)
            try:
                first = next(reader, None)
            except csv.Error as error:
                raise BadRow(path.name, reader.line_num, f"header is unreadable ({error})") from None
            if not header_matches(first, header):
                raise BadRow(path.name, 1, f"header is {first!r}, expected {','.join(header)}")
            for line, fields in self._parsed(reader, path.name, report):
                report.read += 1
                if report.read % PROGRESS_EVERY == 0:
                    self.progress(report.read, total, path.name)
                if not valid_utf8 and (byte := undecodable_byte(fields)):
                    self._bad(report, path.name, line, f"not valid UTF-8 (byte {byte})", "invalid UTF-8")
                    continue
                if len(fields) != len(header):
                    self._bad(report, path.name, line, f"expected {len(header)} columns, found {len(fields)}",
                              "wrong column count")
                    continue
                yield line, fields
            self.progress(report.read, total, path.name)

    def _parsed(self, reader, file: str, report: FileReport) -> Iterator[tuple[int, list[str]]]:
        """The csv reader's rows with their line numbers; a row it cannot parse is reported and skipped."""
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                report.read += 1
                reason = str(error)
                if "field larger than field limit" in reason:
                    reason = f"a field is longer than {csv.field_size_limit()} characters"
                self._bad(report, file, reader.line_num, reason, "unparseable row")
                continue
            yield reader.line_num, fields

    def _bad(self, report: FileReport, file: str, line: int, reason: str, kind: str) -> None:
        problem = BadRow(file, line, reason)
        if self.strict:
            raise problem
        report.skipped[kind] += 1
        self.report.bad_rows.append(problem)

    # -- movies.csv --------------------------------------------------------------------------
    def _import_movies(self, path: Path, links: dict[int, "Link"]) -> None:
        report = FileReport(path.name)
        self.report.files.append(report)
        genres = {genre.name: genre.pk for genre in Genre.objects.all()}
        for batch in _batches(self._rows(path, MOVIES_HEADER, report), self.batch_size):
            parsed: dict[int, tuple[str, int | None, list[str]]] = {}
            for line, (movie_id, raw_title, raw_genres) in batch:
                try:
                    ml_id = positive_id(movie_id, "movieId")
                except ValueError as error:
                    self._bad(report, path.name, line, str(error), "bad movieId")
                    continue
                if not raw_title.strip():
                    self._bad(report, path.name, line, "title is empty", "empty title")
                    continue
                if control := control_character(raw_title):
                    self._bad(report, path.name, line, f"title contains a control character ({control})",
                              "control character in title")
                    continue
                if ml_id in parsed:
                    self._bad(report, path.name, line, f"movieId {ml_id} appears twice", "duplicate movieId")
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

    def _load_title_ids(self) -> None:
        self._title_ids = dict(
            Title.objects.filter(movielens_id__isnull=False).values_list("movielens_id", "pk").iterator()
        )

    # -- links.csv ---------------------------------------------------------------------------
    def _read_links(self, path: Path) -> dict[int, "Link"]:
        """links.csv, read before the titles so new titles are created with their ids (one row per title)."""
        report = FileReport(path.name)
        self.report.files.append(report)
        self._links_report = report
        links: dict[int, Link] = {}
        for line, (movie_id, imdb, tmdb) in self._rows(path, LINKS_HEADER, report):
            try:
                ml_id = positive_id(movie_id, "movieId")
                imdb_id = f"tt{positive_id(imdb, 'imdbId'):07d}" if imdb.strip() else ""
                tmdb_id = positive_id(tmdb, "tmdbId") if tmdb.strip() else None
            except ValueError as error:
                self._bad(report, path.name, line, str(error), "bad id")
                continue
            links[ml_id] = Link(line, imdb_id, tmdb_id)
        return links

    def _reconcile_links(self, path: Path, links: dict[int, "Link"]) -> None:
        """Report links to unknown titles; update titles whose external ids changed since the last import."""
        report = self._links_report
        for ml_id, link in links.items():
            if ml_id not in self._title_ids:
                self._bad(report, path.name, link.line, f"unknown movieId {ml_id}", "unknown movieId")
        known = [ml_id for ml_id in links if ml_id in self._title_ids]
        for start in range(0, len(known), self.batch_size):
            chunk = known[start : start + self.batch_size]
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

    # -- ratings.csv -------------------------------------------------------------------------
    def _profiles_for(self, ml_user_ids: set[int]) -> None:
        """Make sure every MovieLens user in the batch has an account with one profile."""
        missing = ml_user_ids - self._profile_ids.keys()
        if not missing:
            return
        existing = Profile.objects.filter(account__movielens_user_id__in=missing).order_by("pk")
        for profile_id, ml_id in existing.values_list("pk", "account__movielens_user_id"):
            self._profile_ids.setdefault(ml_id, profile_id)
        missing -= self._profile_ids.keys()
        if not missing:
            return
        accounts = User.objects.bulk_create(
            [
                User(
                    email=f"user{ml_id}@{MOVIELENS_EMAIL_DOMAIN}",
                    movielens_user_id=ml_id,
                    password=self._unusable_password,
                )
                for ml_id in sorted(missing)
            ]
        )
        profiles = Profile.objects.bulk_create([Profile(account_id=a.pk, name="Main") for a in accounts])
        for account, profile in zip(accounts, profiles, strict=True):
            self._profile_ids[account.movielens_user_id] = profile.pk
        self.report.accounts_created += len(accounts)

    def _import_ratings(self, path: Path) -> None:
        report = FileReport(path.name)
        self.report.files.append(report)
        header = RATINGS_HEADER
        for batch in _batches(self._rows(path, header, report), self.batch_size):
            parsed: dict[tuple[int, int], tuple[float, datetime]] = {}
            for line, (user_id, movie_id, rating, timestamp) in batch:
                try:
                    ml_user = positive_id(user_id, "userId")
                    ml_movie = positive_id(movie_id, "movieId")
                    stars = half_stars(rating)
                    rated_at = unix_time(timestamp, self._now)
                except ValueError as error:
                    kind = str(error).split(" ", 1)[0]
                    self._bad(report, path.name, line, str(error), f"bad {kind}")
                    continue
                if ml_movie not in self._title_ids:
                    self._bad(report, path.name, line, f"unknown movieId {ml_movie}", "unknown movieId")
                    continue
                if (ml_user, ml_movie) in parsed:
                    self._bad(report, path.name, line, f"user {ml_user} rated movie {ml_movie} twice",
                              "duplicate rating")
                    continue
                parsed[(ml_user, ml_movie)] = (stars, rated_at)
            self._profiles_for({ml_user for ml_user, _ in parsed})
            keyed = {
                (self._profile_ids[ml_user], self._title_ids[ml_movie]): value
                for (ml_user, ml_movie), value in parsed.items()
            }
            # Filtering by profile alone is ~10x faster than profile AND title lists; the
            # file is grouped by user, so a batch covers a few profiles' ratings.
            existing = set(
                Rating.objects.filter(profile_id__in={p for p, _ in keyed}).values_list("profile_id", "title_id")
            )
            new = [
                (profile_id, title_id, stars, rated_at)
                for (profile_id, title_id), (stars, rated_at) in keyed.items()
                if (profile_id, title_id) not in existing
            ]
            insert_rows(Rating, ["profile_id", "title_id", "stars", "rated_at"], new)
            report.created += len(new)
            report.unchanged += len(keyed) - len(new)

    # -- tags.csv ----------------------------------------------------------------------------
    def _import_tags(self, path: Path) -> None:
        report = FileReport(path.name)
        self.report.files.append(report)
        tags = dict(Tag.objects.values_list("slug", "pk"))
        for batch in _batches(self._rows(path, TAGS_HEADER, report), self.batch_size):
            pairs: set[tuple[int, str]] = set()
            names: dict[str, str] = {}
            valid = 0
            for line, (user_id, movie_id, raw_tag, timestamp) in batch:
                try:
                    positive_id(user_id, "userId")
                    ml_movie = positive_id(movie_id, "movieId")
                    unix_time(timestamp, self._now)
                except ValueError as error:
                    kind = str(error).split(" ", 1)[0]
                    self._bad(report, path.name, line, str(error), f"bad {kind}")
                    continue
                if ml_movie not in self._title_ids:
                    self._bad(report, path.name, line, f"unknown movieId {ml_movie}", "unknown movieId")
                    continue
                if control := control_character(raw_tag):
                    self._bad(report, path.name, line, f"tag contains a control character ({control})",
                              "control character in tag")
                    continue
                name = normalize_tag(raw_tag)
                slug = slugify(name)[:100]
                if not slug:
                    self._bad(report, path.name, line, f"tag {raw_tag!r} has no letters or digits", "empty tag")
                    continue
                valid += 1
                names.setdefault(slug, name)
                pairs.add((self._title_ids[ml_movie], slug))
            self._ensure_tags(names, tags)
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
            now = timezone.now()
            insert_rows(TitleTag, ["title_id", "tag_id", "source", "confidence", "created_at"],
                        [(t, g, TitleTag.Source.IMPORTED, 1.0, now) for t, g in new])
            report.created += len(new)
            report.unchanged += valid - len(new)

    @staticmethod
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
