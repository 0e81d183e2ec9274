"""python manage.py import_movielens DIR [--strict] [--batch-size N]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.movielens import MovieLensImporter
from catalog.movielens_checks import BadRow
from jobs import TqdmProgress

SHOW_BAD_ROWS = 50


class Command(BaseCommand):
    help = "Import a MovieLens folder (ratings.csv; movies, tags and links when present). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--strict", action="store_true", help="abort without writing anything on any bad row")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, directory: Path, strict: bool, batch_size: int, no_progress: bool, **options):
        if not directory.is_dir():
            raise CommandError(f"{directory}: not a folder")

        # One bar for all files: its description names the file being read.
        with TqdmProgress(unit=" rows", disable=no_progress, leave=False, note_in="description") as progress:
            importer = MovieLensImporter(directory, strict=strict, batch_size=batch_size, progress=progress)
            try:
                report = importer.run()
            except BadRow as error:
                raise CommandError(
                    f"{directory / error.file}:{error.line}: {error.reason} (--strict: nothing was written)"
                ) from None
            except FileNotFoundError as error:
                raise CommandError(str(error)) from None

        for file in report.files:
            self.stdout.write(
                f"{file.name:<12} read {file.read:>8}  created {file.created:>8}  updated {file.updated:>6}  "
                f"unchanged {file.unchanged:>8}  skipped {file.skipped_total:>6}"
            )
            for reason, count in file.skipped.most_common():
                self.stdout.write(f"{'':<14}skipped {count} x {reason}")
        self.stdout.write(f"accounts created: {report.accounts_created}")
        if report.bad_rows:
            self.stderr.write(f"{len(report.bad_rows)} bad rows (not imported):")
            for problem in report.bad_rows[:SHOW_BAD_ROWS]:
                self.stderr.write(f"  {directory / problem.file}:{problem.line}: {problem.reason}")
            if len(report.bad_rows) > SHOW_BAD_ROWS:
                self.stderr.write(f"  ... and {len(report.bad_rows) - SHOW_BAD_ROWS} more")
