"""Issue 20: two answers named controls the screens do not have: a profile "language" (the profile form has name,
maturity and avatar colour) and rating with "stars" (a title page has thumbs up and down). As in 0006 and 0007,
an answer is replaced only while it is still the text Marquee shipped, so an answer staff have edited is kept.
"""

from django.db import migrations

# slug -> (every text shipped for it before, the text that replaces them). Frozen copies, as in 0006.
ANSWERS: dict[str, tuple[tuple[str, ...], str]] = {
    "profiles-edit": (
        ('Open Profiles > Manage profiles and pick the profile to change its name, avatar colour, language or maturity setting.',),
        'Open Profiles > Manage profiles and pick the profile to change its name, avatar colour or maturity setting. Profiles have no language setting: audio and subtitles are chosen in the player during playback.',
    ),
    "profiles-ratings": (
        ("Rate a title with the thumbs or stars on its page. Ratings are per profile and shape that profile's recommendations; you can change or remove a rating any time.",),
        "Rate a title with the thumbs up or thumbs down on its page; press the same thumb again to remove your rating. Ratings are per profile and shape that profile's recommendations.",
    ),
}


def forward(apps, schema_editor):
    FaqEntry = apps.get_model("support_bot", "FaqEntry")
    for slug, (shipped, new) in ANSWERS.items():
        FaqEntry.objects.filter(slug=slug, answer__in=shipped).update(answer=new)


def backward(apps, schema_editor):
    FaqEntry = apps.get_model("support_bot", "FaqEntry")
    for slug, (shipped, new) in ANSWERS.items():
        FaqEntry.objects.filter(slug=slug, answer=new).update(answer=shipped[-1])


class Migration(migrations.Migration):
    dependencies = [("support_bot", "0007_no_sign_out_of_all_devices_control")]

    operations = [migrations.RunPython(forward, backward)]
