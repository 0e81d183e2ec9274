"""cache_fill --region CODE -k 50 --json: tomorrow's cache-fill list for a region with each title's expected views."""

import json

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Region
from insights import cache_fill
from jobs import TqdmProgress


class Command(BaseCommand):
    help = (
        "Print tomorrow's top K titles by expected views for a region (trends plus the profiles' top picks)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, metavar="CODE", help="region code, e.g. US")
        parser.add_argument("-k", type=int, default=50, help="how many titles (default 50)")
        parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")

    def handle(self, *args, **options):
        region = Region.objects.filter(code__iexact=options["region"].strip()).first()
        if region is None:
            known = ", ".join(Region.objects.order_by("code").values_list("code", flat=True)) or "none"
            raise CommandError(f"--region {options['region']!r}: no such region (known: {known})")
        if options["k"] < 1:
            raise CommandError("-k must be at least 1")
        with TqdmProgress(
            desc=f"cache fill {region.code}", unit="profile", disable=None, file=self.stderr
        ) as bar:
            items = cache_fill.cache_fill(region, options["k"], progress=bar)
        if options["json"]:
            self.stdout.write(json.dumps([item.as_dict() for item in items], indent=2))
            return
        for rank, item in enumerate(items, start=1):
            self.stdout.write(f"{rank:3d}  {item.expected_views:9.2f}  {item.name}")
