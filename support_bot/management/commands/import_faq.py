"""Import a knowledge-base JSON file: idempotent by entry id; malformed entries reported by position and field."""

from django.core.management.base import BaseCommand, CommandError

from support_bot.knowledge import import_entries, load_file


class Command(BaseCommand):
    help = "Import FAQ entries from a JSON list of {id, category, questions, answer} (idempotent by id)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the JSON file")

    def handle(self, *args, **options):
        try:
            data = load_file(options["file"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        report = import_entries(data)
        for error in report.errors:
            self.stderr.write(f"{options['file']}: {error}")
        self.stdout.write(
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.questions_added} questions added, {len(report.errors)} problem(s)"
        )
        if report.errors:
            raise CommandError(f"{len(report.errors)} problem(s) in {options['file']}; the valid entries were imported")
