"""python manage.py retrain_taggers [--skip-synopsis]"""

from django.core.management.base import BaseCommand

from jobs import JobAlreadyRunning, TqdmProgress
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
        try:
            with TqdmProgress(desc="tags", unit=" tags", disable=None, leave=False, note_in=None) as progress:
                outcome = learning.retrain(progress=progress)
        except JobAlreadyRunning:
            self.stderr.write("another retraining is running; try again later")
            return
        for tag, verdict in sorted(outcome.items()):
            self.stdout.write(f"{tag}: {verdict}")
        if not outcome:
            self.stdout.write("learned tagger: no staff labels yet")
