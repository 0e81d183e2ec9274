"""python manage.py train_recommender [--search N]: train, evaluate, gate and activate in the foreground."""

from django.core.management.base import BaseCommand, CommandError

from jobs import JobAlreadyRunning, TqdmProgress
from recommendations import training
from recommendations.models import ModelVersion


class Command(BaseCommand):
    help = "Train the hybrid recommender now (same code as the nightly task), with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument("--search", type=int, default=0, metavar="N",
                            help="first run a hyperparameter search of N trials on a validation split")
        parser.add_argument("--if-missing", action="store_true",
                            help="do nothing when a model is already active (used by `make run`)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, search: int, no_progress: bool, if_missing: bool = False, **options):
        if if_missing and ModelVersion.objects.filter(is_active=True).exists():
            self.stdout.write("A recommender model is already active: not retraining.")
            return
        try:
            with TqdmProgress(total=1, disable=no_progress, leave=False, note_in="description") as progress:
                if search:
                    search_id = training.run_hyperparameter_search(trials=search, progress=progress)
                    self.stdout.write(f"hyperparameter search {search_id}: {search} trials stored")
                version = training.train_recommender(progress=progress)
        except JobAlreadyRunning:
            raise CommandError("another recommender training is running (lock recommendations.train); try later") from None
        except training.NotEnoughData as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"v{version.version}: {version.get_status_display()}  "
                          f"held-out NDCG@10 {version.ndcg}  training {version.training_seconds}s")
        if version.note:
            self.stdout.write(version.note)
