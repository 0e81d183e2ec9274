"""Build the support engine from the knowledge base now (what the rebuild task does), with progress."""

from django.core.management.base import BaseCommand, CommandError

from jobs import JobAlreadyRunning, TqdmProgress
from support_bot.index import build_index


class Command(BaseCommand):
    help = "Train the support engine on the current knowledge base and make it active (no-op if unchanged)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="build a new version even if the KB is unchanged")

    def handle(self, *args, **options):
        try:
            with TqdmProgress(total=1, desc="support engine", unit="step") as report:
                record = build_index(report=report, force=options["force"])
        except JobAlreadyRunning:
            raise CommandError("another build is running; try again when it finishes") from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        metrics = record.metrics or {}
        self.stdout.write(
            f"v{record.version} active: {record.entries} entries, {record.questions} questions, "
            f"threshold {record.threshold:.3f}, KB cross-validation top-1 {metrics.get('cv_top1_accuracy', 0):.1%}"
        )
