"""python manage.py detect_shots VIDEO [--json] (manage.py runs the plain form without Django: tagging.cli)"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tagging.cli import DetectShotsError, run


class Command(BaseCommand):
    help = "Detect the shots of a video file. --json prints {fps, frames, shots: [...]} for use from outside."

    def add_arguments(self, parser):
        parser.add_argument("video", type=Path)
        parser.add_argument("--json", action="store_true", help="print only the JSON document on stdout")

    def handle(self, video: Path, **options):
        try:
            run(video, as_json=options["json"], out=self.stdout, err=self.stderr._out)
        except DetectShotsError as error:
            raise CommandError(str(error)) from None
