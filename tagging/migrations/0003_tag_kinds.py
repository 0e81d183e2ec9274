"""Classify the tags that exist: the descriptor rules' words stay internal, the demo vocabulary is themes and
moods. Other words (e.g. imported MovieLens tags) stay "other" until staff classify them in the Tag admin.

The lists are frozen here as they stood when the kind was introduced; new tags get their kind where they
are created (tagging.pipeline.ensure_tags, the demo world).
"""

from django.db import migrations

COLOURS = ("red", "orange", "yellow", "green", "teal", "blue", "purple", "pink", "brown")
DESCRIPTORS = [
    "close-up",
    "two-shot",
    "group",
    "people",
    "dark",
    "night",
    "bright",
    "colourful",
    "muted",
    "calm",
    "action",
    "on-screen text",
    *(f"{colour} palette" for colour in COLOURS),
]
MOODS = ["feel-good", "dark humour", "slow burn"]
GENRES = ["satire"]
THEMES = [
    "heist",
    "space",
    "time travel",
    "dystopia",
    "coming of age",
    "road trip",
    "small town",
    "courtroom",
    "sports",
    "music",
    "cooking",
    "true story",
    "monsters",
    "ghosts",
    "detective",
    "martial arts",
    "car chase",
    "love story",
    "friendship",
    "family drama",
    "survival",
    "revenge",
    "political intrigue",
    "historical",
    "superhero",
    "twist ending",
    "ensemble cast",
    "underdog",
    "post-apocalyptic",
    "artificial intelligence",
    "ocean",
    "jungle",
    "winter",
    "city at night",
    "animals",
    "magic",
]


def classify(apps, schema_editor):
    Tag = apps.get_model("catalog", "Tag")
    for kind, names in (("descriptor", DESCRIPTORS), ("mood", MOODS), ("genre", GENRES), ("theme", THEMES)):
        Tag.objects.filter(name__in=names, kind="other").update(kind=kind)


def unclassify(apps, schema_editor):
    apps.get_model("catalog", "Tag").objects.update(kind="other")


class Migration(migrations.Migration):
    dependencies = [("tagging", "0002_content_editors_review_tags"), ("catalog", "0002_tag_kind")]

    operations = [migrations.RunPython(classify, unclassify)]
