"""Import a MovieLens folder (ratings.csv, and movies/tags/links.csv when present) into Marquee.

Streams every file in batches, so memory is bounded by the batch size and the catalogue,
not by the number of ratings. Idempotent: rows already imported are left alone. A bad
row is reported with its file, line and reason; the good rows still go in unless strict.

This module owns the order and the transaction; the tolerant reader is `catalog.movielens_rows`, and
each file's writing is `catalog.movielens_titles` (movies, links), `catalog.movielens_ratings` and
`catalog.movielens_tags`.
"""

from datetime import UTC, datetime
from pathlib import Path

from django.db import connection, transaction

from jobs import Progress

from .movielens_checks import ImportReport
from .movielens_ratings import import_ratings
from .movielens_rows import RowReader
from .movielens_tags import import_tags
from .movielens_titles import import_movies, movielens_title_ids, read_links, reconcile_links


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
        self.report = ImportReport()
        self.reader = RowReader(self.report, strict=strict, batch_size=batch_size, progress=progress)
        # "Now" fixed once per import: a timestamp after it is corrupt, in every file alike.
        self._now = int(datetime.now(UTC).timestamp())

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
            links, links_report = read_links(self.reader, links_path) if links_path.is_file() else ({}, None)
            if (self.directory / "movies.csv").is_file():
                import_movies(self.reader, self.directory / "movies.csv", links)
            title_ids = movielens_title_ids()
            if links:
                reconcile_links(self.reader, links_path, links, links_report, title_ids)
            import_ratings(self.reader, ratings, title_ids, self._now)
            if (self.directory / "tags.csv").is_file():
                import_tags(self.reader, self.directory / "tags.csv", title_ids, self._now)
            self._set_constraints("DEFERRED")  # Django's initial mode, for the rest of an enclosing transaction
        return self.report

    @staticmethod
    def _set_constraints(mode: str) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS ALL {mode}")
