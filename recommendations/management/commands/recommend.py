"""python manage.py recommend --profile ID -n 10 [--json]: one profile's top picks, as served."""

import json

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Profile
from catalog.models import Title
from recommendations import services
from recommendations.ranking import active_version


class Command(BaseCommand):
    help = "Print a profile's top picks with scores and reasons (the same ranking the storefront uses)."

    def add_arguments(self, parser):
        parser.add_argument("--profile", type=int, required=True, help="Profile id")
        parser.add_argument("-n", type=int, default=10, help="how many titles")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        profile = Profile.objects.select_related("account").filter(pk=options["profile"]).first()
        if profile is None:
            raise CommandError(f"--profile {options['profile']}: no such profile")
        if options["n"] < 1:
            raise CommandError("-n must be at least 1")
        rows = services.rows_for(profile, limit=options["n"], only={"top_picks"})
        items = rows[0].items if rows else []
        names = dict(Title.objects.filter(pk__in=[i.title_id for i in items]).values_list("pk", "name"))
        version = active_version()
        result = [
            {"rank": rank, "title_id": i.title_id, "title": names.get(i.title_id, ""), "score": i.score, "reason": i.reason}
            for rank, i in enumerate(items, start=1)
        ]
        if options["json"]:
            payload = {"profile": profile.pk, "model_version": version.version if version else None, "items": result}
            self.stdout.write(json.dumps(payload, indent=2))
            return
        for item in result:
            self.stdout.write(f"{item['rank']:>3}  {item['score']:>9.4f}  {item['title'][:50]:<50}  {item['reason']}")
