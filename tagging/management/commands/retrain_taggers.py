"""python manage.py retrain_taggers [--skip-synopsis]"""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from jobs import JobAlreadyRunning
from tagging import learning
from tagging.text_tags import calibrate


class Command(BaseCommand):
    help = "Refit the synopsis threshold on known title tags and retrain the learned tagger from staff labels."

    def add_arguments(self, parser):
        parser.add_argument("--skip-synopsis", action="store_true")

    def handle(self, skip_synopsis: bool, **options):
        if not skip_synopsis:
            calibration = calibrate()
            self.stdout.write(str(calibration) if calibration else "synopsis: too few known tags to calibrate")
        bar = tqdm(desc="tags", unit=" tags", disable=None, leave=False)

        def progress(done: int, total: int, note: str = "") -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            outcome = learning.retrain(progress=progress)
        except JobAlreadyRunning:
            self.stderr.write("another retraining is running; try again later")
            return
        finally:
            bar.close()
        for tag, verdict in sorted(outcome.items()):
            self.stdout.write(f"{tag}: {verdict}")
        if not outcome:
            self.stdout.write("learned tagger: no staff labels yet")
