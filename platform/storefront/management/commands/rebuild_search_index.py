"""`python manage.py rebuild_search_index`: embed changed titles for semantic search, with a progress bar."""

from django.core.management.base import BaseCommand

from jobs import TqdmProgress
from storefront.search import rebuild_search_index


class Command(BaseCommand):
    help = "Embed every title whose name, synopsis, genres or tags changed since the last build."

    def handle(self, *args, **options):
        with TqdmProgress(unit="title", desc="search index") as report:
            counts = rebuild_search_index(report)
        self.stdout.write(f"{counts['titles']} titles, {counts['embedded']} embedded, {counts['unchanged']} unchanged")
