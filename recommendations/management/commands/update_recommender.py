"""python manage.py update_recommender [--epochs N]: the daily incremental update, in the foreground."""

from django.core.management.base import BaseCommand, CommandError

from jobs import JobAlreadyRunning, TqdmProgress
from recommendations.incremental import update_active_model


class Command(BaseCommand):
    help = "Fold behaviour since the active model's fit into it with fit_partial (same code as the daily task)."

    def add_arguments(self, parser):
        parser.add_argument("--epochs", type=int, default=None, help="fit_partial epochs (default: the setting)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, epochs: int | None, no_progress: bool, **options):
        try:
            with TqdmProgress(total=1, disable=no_progress, leave=False, note_in="description") as progress:
                update = update_active_model(epochs=epochs, progress=progress)
        except JobAlreadyRunning:
            raise CommandError("a recommender training or update is running (lock recommendations.train); try later") from None
        if update.version is None:
            self.stdout.write(f"Nothing updated: {update.skipped}.")
            return
        if update.refused:
            self.stdout.write(f"v{update.version.version} refused by the quality gate: {update.refused}.")
            return
        self.stdout.write(f"v{update.version.version}: updated from v{update.version.updated_from.version} "
                          f"with {update.profiles} profiles' behaviour; now {update.version.get_status_display()}")
