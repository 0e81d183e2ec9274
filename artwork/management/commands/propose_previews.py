"""`propose_previews [--title ID ...]`: score preview windows from each title's detected shots."""

from django.core.management.base import BaseCommand

from artwork import previews
from catalog.models import Title
from jobs.progress import TqdmProgress


class Command(BaseCommand):
    help = "Propose 15-30 s preview windows (on shot boundaries, never starting or ending on black) per title video."

    def add_arguments(self, parser):
        parser.add_argument(
            "--title", type=int, action="append", help="title id (repeatable); default all with video"
        )

    def handle(self, *args, title=None, **options):
        titles = (
            Title.objects.filter(media_assets__kind="video", media_assets__status="ready")
            .distinct()
            .order_by("pk")
        )
        if title:
            titles = titles.filter(pk__in=title)
        titles = list(titles)
        made = 0
        with TqdmProgress(desc="previews", unit="title", total=len(titles)) as progress:
            for done, item in enumerate(titles, start=1):
                made += len(previews.propose_previews(item))
                progress(done, len(titles), item.name[:30])
        self.stdout.write(f"{made} preview windows for {len(titles)} titles")
