"""python manage.py detect_shots VIDEO [--json]"""

import json as jsonlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jobs import TqdmProgress
from tagging.shots import VideoReadError, detect_shots


class Command(BaseCommand):
    help = "Detect the shots of a video file. --json prints {fps, frames, shots: [...]} for use from outside."

    def add_arguments(self, parser):
        parser.add_argument("video", type=Path)
        parser.add_argument("--json", action="store_true", help="print only the JSON document on stdout")

    def handle(self, video: Path, **options):
        if not video.is_file():
            raise CommandError(f"{video}: no such file")
        # Progress goes to stderr so --json output stays machine-readable.
        try:
            with TqdmProgress(desc="frames", unit=" frames", file=self.stderr._out, disable=None, leave=False,
                              note_in=None) as progress:
                result = detect_shots(video, progress=progress)
        except VideoReadError as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(_dumps(result.as_json()))
            return
        self.stdout.write(f"{video}: {result.frames} frames at {result.fps:g} fps, {len(result.shots)} shots")
        for k, shot in enumerate(result.shots):
            self.stdout.write(
                f"{k:>4}  frames {shot.start_frame:>7}-{shot.end_frame:<7} {shot.start_s:>9.3f}-{shot.end_s:<9.3f} s  "
                f"{shot.transition}"
            )


def _dumps(document: dict) -> str:
    return jsonlib.dumps(document)
