"""choose_offers --customers FILE.csv --id-column C --out OUT.csv"""

from django.core.management.base import BaseCommand, CommandError

from marketing import offer_data, offer_training


class Command(BaseCommand):
    help = ("Write, for customers with the trained model's feature columns, `<id column>, offer, uplift_<offer>...`; "
            "offer is empty when nothing should be sent.")

    def add_arguments(self, parser):
        parser.add_argument("--customers", required=True)
        parser.add_argument("--id-column", required=True)
        parser.add_argument("--out", required=True)

    def handle(self, *args, **o):
        try:
            ids, columns = offer_training.read_customers(o["customers"], o["id_column"])
            _, policy = offer_training.latest_file_policy()
            n = offer_training.write_choices(o["out"], o["id_column"], ids, policy, columns)
        except FileNotFoundError as error:
            raise CommandError(f"FileNotFoundError: {error}") from None
        except offer_data.OfferDataError as error:
            raise CommandError(f"{type(error).__name__}: {error}") from None
        self.stdout.write(f"wrote offers for {n} customers to {o['out']}")
