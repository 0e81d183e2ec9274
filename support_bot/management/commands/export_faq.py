"""Export the knowledge base in the import_faq format (to stdout, or --output FILE)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from support_bot.knowledge import export_entries


class Command(BaseCommand):
    help = "Write the FAQ entries as a JSON list of {id, category, questions, answer}."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, **options):
        text = json.dumps(export_entries(), indent=1, ensure_ascii=False) + "\n"
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")
