"""train_offer_model [--history FILE.csv --id-column C --offer-column C --holdout VALUE --response-column C]"""

from django.core.management.base import BaseCommand, CommandError

from marketing import offer_data, offer_training


class Command(BaseCommand):
    help = ("Train the offer-uplift model on a randomized test file (one row per customer; every other column "
            "is a feature) or, without --history, on the platform's own campaign logs.")

    def add_arguments(self, parser):
        parser.add_argument("--history", help="CSV of a past randomized test")
        parser.add_argument("--id-column")
        parser.add_argument("--offer-column")
        parser.add_argument("--holdout", help="the offer column's value that means holdout")
        parser.add_argument("--response-column")
        parser.add_argument("--propensity-column", help="optional: logged probability of the arm received")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **o):
        try:
            if o["history"]:
                missing = [f"--{k.replace('_', '-')}" for k in ("id_column", "offer_column", "holdout", "response_column")
                           if o[k] is None]
                if missing:
                    raise CommandError(f"--history needs {', '.join(missing)}")
                history = offer_data.read_history(o["history"], id_column=o["id_column"], offer_column=o["offer_column"],
                                              holdout=o["holdout"], response_column=o["response_column"],
                                              propensity_column=o["propensity_column"])
                source = str(o["history"])
            else:
                history = offer_training.platform_history()
                source = "platform"
            row, policy = offer_training.train_and_store(history, source=source, seed=o["seed"])
        except FileNotFoundError as error:
            raise CommandError(f"FileNotFoundError: {error}") from None
        except offer_data.OfferDataError as error:
            raise CommandError(f"{type(error).__name__}: {error}") from None
        m = policy.metrics
        self.stdout.write(f"trained offer model {row.pk} ({policy.learner_name}) on {m['rows']} rows, "
                          f"offers: {', '.join(policy.offers)}")
        for name, learner in m["learners"].items():
            qini = ", ".join(f"{k} {v:.4f}" for k, v in learner["qini"].items())
            self.stdout.write(f"  {name}: mean Qini {learner['mean_qini']:.4f} ({qini})")
        value = ", ".join(f"{k} {v:.4f}" for k, v in m["policy_value"].items())
        self.stdout.write(f"  held-out policy value (response rate): {value}")
