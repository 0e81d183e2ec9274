"""`evaluate_artwork_policy POLICY --json` or `--log LOG.csv --target TARGET.csv --json`: offline estimates."""

import json

from django.core.management.base import BaseCommand, CommandError

from artwork import evaluation, offline
from artwork.models import BanditPolicy


class Command(BaseCommand):
    help = "Estimate a policy's take rate offline (replay, IPS, SNIPS, DM, DR with bootstrap 95% intervals)."

    def add_arguments(self, parser):
        parser.add_argument("policy", nargs="?", help="name of a BanditPolicy, evaluated on the impression log")
        parser.add_argument("--log", help="external LOG.csv: action, reward, propensity[, position], context...")
        parser.add_argument("--target", help="TARGET.csv: p_<action> per log row")
        parser.add_argument("--json", action="store_true", help="one JSON object per estimator and line")
        parser.add_argument("--bootstrap", type=int, default=200)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        if options["log"] or options["target"]:
            if not (options["log"] and options["target"]) or options["policy"]:
                raise CommandError("give either POLICY, or both --log LOG.csv and --target TARGET.csv")
            try:
                actions, rewards, props, target, contexts, _ = offline.read_csv_logs(options["log"], options["target"])
            except (offline.LogError, OSError, UnicodeDecodeError) as error:
                raise CommandError(str(error)) from None
        elif options["policy"]:
            policy = BanditPolicy.objects.filter(name=options["policy"]).first()
            if policy is None:
                raise CommandError(f"no artwork policy named {options['policy']!r}")
            actions, rewards, props, target, contexts = offline.platform_log(policy)
        else:
            raise CommandError("give POLICY, or --log LOG.csv --target TARGET.csv")
        if len(actions) == 0:
            raise CommandError("no logged decisions to evaluate")
        results = evaluation.evaluate(actions, rewards, props, target, contexts,
                                      bootstrap=options["bootstrap"], seed=options["seed"])
        for result in results:
            if options["json"]:
                self.stdout.write(json.dumps(result.as_json()))
            else:
                lo, hi = result.ci95
                self.stdout.write(f"{result.estimator:7s} {result.estimate:.4f}  [{lo:.4f}, {hi:.4f}]  n={result.n}")
