"""The four policies (uniform live until one passes the gate) and the learner's beat schedule."""

from django.db import migrations

from jobs.schedules import ensure_periodic_task, remove_periodic_task

TASK_NAME = "Artwork: learn from impressions"
POLICIES = [("uniform", "uniform", True), ("epsilon-greedy", "epsilon", False),
            ("thompson", "thompson", False), ("linear-ts", "lints", False)]


def create(apps, schema_editor):
    BanditPolicy = apps.get_model("artwork", "BanditPolicy")
    for name, kind, live in POLICIES:
        BanditPolicy.objects.get_or_create(name=name, defaults={"kind": kind, "is_live": live})
    ensure_periodic_task(
        apps, TASK_NAME, "artwork.learn", every=(10, "minutes"), expire_seconds=9 * 60,
        description="Join impressions whose reward window closed to later plays and store each policy's next state.",
    )


def remove(apps, schema_editor):
    remove_periodic_task(apps, TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("artwork", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
