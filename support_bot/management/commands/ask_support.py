"""Ask the support engine questions from a file, one per line, so it can be judged from outside.

With --json each question gives one JSON object per line with the API's fields (answer, faq_id,
confidence, handoff, clarify). Answers are filled from --account's data (default: a blank account,
so account placeholders read "no plan" and so on). Nothing is logged and no ticket is opened.
With no active engine (say, right after import_faq with no worker running) it first builds one in the
foreground, as `build_support_index` does.
"""

import json
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from support_bot.services import preview_answer


class Command(BaseCommand):
    help = "Answer each line of --file with the active support engine; --json prints one JSON object per line."

    def add_arguments(self, parser):
        parser.add_argument("--file", required=True, help="text file, one question per line")
        parser.add_argument("--json", action="store_true", help="one JSON object per line (answer, faq_id, confidence, handoff, clarify)")
        parser.add_argument("--account", help="email of the account whose data fills the answers")

    def handle(self, *args, **options):
        from accounts.models import User

        try:
            with open(options["file"], encoding="utf-8") as handle:
                questions = [line.strip() for line in handle]
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from None
        user = User()
        if options["account"]:
            user = User.objects.filter(email=options["account"].lower()).first()
            if user is None:
                raise CommandError(f"--account {options['account']}: no such account")
        from support_bot.index import active_engine

        if active_engine()[1] is None:
            self.stderr.write("no support engine is active yet: building one now (what build_support_index does)")
            call_command("build_support_index", stdout=self.stderr)
        for number, question in enumerate(tqdm(questions, disable=not sys.stderr.isatty(), file=sys.stderr), start=1):
            if not question:
                continue
            result = preview_answer(user, question)
            if result is None:
                raise CommandError("no support engine is active: run `manage.py build_support_index`")
            if options["json"]:
                self.stdout.write(json.dumps(result, ensure_ascii=False))
            else:
                label = "HAND-OFF" if result["handoff"] else ("CLARIFY" if result["clarify"] else result["faq_id"])
                self.stdout.write(f"{number}\t{label}\t{result['confidence']:.3f}\t{question}")
