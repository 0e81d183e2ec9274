"""refresh_trends [--weeks N]: recount the latest weeks' summary tables and test their trends now."""

from django.core.management.base import BaseCommand, CommandError

from insights import trends
from jobs import JobAlreadyRunning, TqdmProgress


class Command(BaseCommand):
    help = "Recount weekly views and searches per region into the summary tables and flag significant trends."

    def add_arguments(self, parser):
        parser.add_argument(
            "--weeks",
            type=int,
            default=None,
            help=f"weeks to recount, ending with this one (default: {trends.RECOUNT_WEEKS}, "
            f"or {trends.BASELINE_WEEKS + trends.RECOUNT_WEEKS} on a first run)",
        )

    def handle(self, *args, **options):
        if options["weeks"] is not None and options["weeks"] < 1:
            raise CommandError("--weeks must be at least 1")
        try:
            with TqdmProgress(desc="trends", unit="step", disable=None) as bar:
                result = trends.refresh_trends(weeks=options["weeks"], progress=bar)
        except JobAlreadyRunning:
            raise CommandError("a trends refresh is already running") from None
        self.stdout.write(
            f"{result['summary_rows']} summary rows over {result['weeks']} weeks, "
            f"{result['trends']} trends tested, {result['significant']} significant"
        )
