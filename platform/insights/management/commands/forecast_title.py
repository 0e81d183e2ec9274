"""forecast_title --json FILE: the audience forecast of a described title, one JSON object per region."""

import json

from django.core.management.base import BaseCommand, CommandError

from insights import candidates, forecast


class Command(BaseCommand):
    help = (
        'Forecast a title the catalogue does not have from FILE\'s {"name", "genres", "tags", "year", "synopsis"} '
        "(runtime_minutes optional): per region, profiles with it in their top 50, expected first-month viewers "
        "and the five most similar titles with their actual performance there. Prints a JSON list."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", required=True, metavar="FILE", help="the title's description as JSON")

    def handle(self, *args, **options):
        try:
            candidate = candidates.read_candidate(options["json"])
        except candidates.ForecastInputError as error:
            raise CommandError(str(error)) from None
        regions = forecast.forecast(candidate)
        if not regions:
            raise CommandError("no active recommender model knows any of these features: train one first")
        self.stdout.write(json.dumps([r.as_dict() for r in regions], indent=2))
