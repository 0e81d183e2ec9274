"""python manage.py export_recommendations -k 10 --out FILE.csv: top-k per MovieLens user, MovieLens ids."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommendations.export import export_rows


class Command(BaseCommand):
    help = "Write user_id,title_id,rank,score (MovieLens userId/movieId) for every imported account, for outside judging."

    def add_arguments(self, parser):
        parser.add_argument("-k", type=int, default=10, help="titles per user")
        parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        k, out = options["k"], options["out"]
        if k < 1:
            raise CommandError("-k must be at least 1")
        if not out.parent.is_dir():
            raise CommandError(f"--out {out}: folder {out.parent} does not exist")
        written = 0
        with out.open("w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["user_id", "title_id", "rank", "score"])
            for row in tqdm(export_rows(k), desc="profiles", unit=" rows", disable=options["no_progress"], leave=False):
                writer.writerow(row)
                written += 1
        self.stdout.write(f"wrote {written} rows to {out}")
