"""`python manage.py rebuild_search_index`: embed changed titles for meaning search, with a progress bar."""

from django.core.management.base import BaseCommand, CommandError

from jobs import JobAlreadyRunning, TqdmProgress
from search import services


class Command(BaseCommand):
    help = "Embed every title whose name, synopsis, genres or tags changed since the last build."

    def handle(self, *args, **options):
        try:
            with TqdmProgress(unit="title", desc="search index") as report:
                counts = services.rebuild_search_index(report)
        except JobAlreadyRunning:
            raise CommandError(
                f"another search index rebuild is running (lock {services.INDEX_LOCK}); try later"
            ) from None
        self.stdout.write(
            f"{counts['titles']} titles, {counts['embedded']} embedded, {counts['unchanged']} unchanged"
        )
