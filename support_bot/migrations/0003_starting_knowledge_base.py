"""Load the starting knowledge base shipped in support_bot/data/faq.json (entries already present are kept)."""

import json
from pathlib import Path

from django.db import migrations

FAQ_FILE = Path(__file__).resolve().parents[1] / "data" / "faq.json"


def load(apps, schema_editor):
    FaqEntry = apps.get_model("support_bot", "FaqEntry")
    FaqQuestion = apps.get_model("support_bot", "FaqQuestion")
    for item in json.loads(FAQ_FILE.read_text(encoding="utf-8")):
        entry, created = FaqEntry.objects.get_or_create(
            slug=item["id"], defaults={"category": item["category"], "answer": item["answer"]}
        )
        if created:
            FaqQuestion.objects.bulk_create(FaqQuestion(entry=entry, text=q) for q in item["questions"])


def unload(apps, schema_editor):
    FaqEntry = apps.get_model("support_bot", "FaqEntry")
    slugs = [item["id"] for item in json.loads(FAQ_FILE.read_text(encoding="utf-8"))]
    FaqEntry.objects.filter(slug__in=slugs).delete()


class Migration(migrations.Migration):
    dependencies = [("support_bot", "0002_support_agents_permissions")]

    operations = [migrations.RunPython(load, unload)]
