"""`python manage.py rebuild_search_index`: embed changed titles for semantic search, with a progress bar."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from storefront.search import rebuild_search_index


class Command(BaseCommand):
    help = "Embed every title whose name, synopsis, genres or tags changed since the last build."

    def handle(self, *args, **options):
        bar = tqdm(unit="title", desc="search index")

        def report(done: int, total: int, note: str = "") -> None:
            bar.total = total
            bar.n = done
            bar.set_postfix_str(note)
            bar.refresh()

        counts = rebuild_search_index(report)
        bar.close()
        self.stdout.write(f"{counts['titles']} titles, {counts['embedded']} embedded, {counts['unchanged']} unchanged")
