"""The shipped "compare plans" answer listed the plans in prose that could contradict the plan table; it now
reads them from the table ({plans}). Only an answer staff have not edited is replaced."""

from django.db import migrations

OLD = ("Marquee has three plans: Basic (one screen, HD), Standard (two screens, Full HD, downloads) and Premium "
       "(four screens, 4K and HDR, downloads). You're on {plan}: {max_streams} screen(s) at once, best quality "
       "{video_quality}, downloads {downloads}.")
NEW = ("Marquee's plans: {plans}. You're on {plan}: {max_streams} screen(s) at once, best quality {video_quality}, "
       "downloads {downloads}.")


def forward(apps, schema_editor):
    apps.get_model("support_bot", "FaqEntry").objects.filter(slug="plans-compare", answer=OLD).update(answer=NEW)


def backward(apps, schema_editor):
    apps.get_model("support_bot", "FaqEntry").objects.filter(slug="plans-compare", answer=NEW).update(answer=OLD)


class Migration(migrations.Migration):
    dependencies = [("support_bot", "0004_faq_categories")]

    operations = [migrations.RunPython(forward, backward)]
