"""python manage.py seed_demo [--if-empty] [--titles N] [--accounts N] [--videos N] [--seed S]"""

from django.core.management.base import BaseCommand

from catalog.demo import DemoSize, DemoWorld
from catalog.models import Title


class Command(BaseCommand):
    help = "Build the deterministic demo world: titles, posters, videos, subscribers whose viewing follows tastes."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the catalogue has titles")
        parser.add_argument("--titles", type=int, default=DemoSize.titles)
        parser.add_argument("--accounts", type=int, default=DemoSize.accounts)
        parser.add_argument("--videos", type=int, default=DemoSize.videos)
        parser.add_argument("--seed", type=int, default=DemoSize.seed)

    def handle(self, *args, if_empty: bool, titles: int, accounts: int, videos: int, seed: int, **options):
        if if_empty and Title.objects.exists():
            self.stdout.write("The catalogue is not empty: demo data not loaded.")
            return
        world = DemoWorld(DemoSize(titles=titles, accounts=accounts, videos=videos, seed=seed),
                          progress=lambda step: self.stdout.write(f"  building {step}..."))
        report = world.build()
        self.stdout.write(self.style.SUCCESS(
            f"Demo world: {report.titles} titles ({report.posters} posters, {report.videos} videos), "
            f"{report.accounts} accounts / {report.profiles} profiles, {report.views} views, {report.ratings} ratings."
        ))
