"""python manage.py evaluate_recommender: the hybrid and every baseline on both split protocols, as a table."""

import json

from django.core.management.base import BaseCommand, CommandError

from recommendations import training
from recommendations.behaviour import dataset_from_database
from recommendations.dataset import SignalWeights, fold_events
from recommendations.evaluation import PROTOCOLS, format_table


class Command(BaseCommand):
    help = "Evaluate the hybrid (current best hyperparameters) against popularity, item-kNN and LightFM defaults."

    def add_arguments(self, parser):
        parser.add_argument("--protocol", choices=PROTOCOLS, action="append",
                            help="time and/or stratified (default: both)")
        parser.add_argument("--json", action="store_true", help="print the numbers as JSON instead of a table")

    def handle(self, *args, **options):
        protocol = options["protocol"]
        data = dataset_from_database()
        pairs = fold_events(data.events, SignalWeights())
        if not (pairs.weight > 0).any():
            raise CommandError("no behaviour to evaluate on (import MovieLens or record some activity first)")
        params = training.best_params()
        results = {}
        for name in protocol or PROTOCOLS:
            try:
                results[name] = training.evaluate_against_baselines(data, pairs, params, name)
            except ValueError as error:
                raise CommandError(f"{name} split: {error}") from None
        self.stdout.write(json.dumps(results, indent=2) if options["json"] else format_table(results))

