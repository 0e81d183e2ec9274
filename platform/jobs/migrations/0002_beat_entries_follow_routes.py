"""Beat entries stop naming a queue where it only repeated CELERY_TASK_ROUTES, so the routes alone decide.

The schedule migrations used to store a queue on each entry. On a database created before they stopped,
an entry whose stored queue is what the routes would choose anyway is cleared; one that staff pointed
elsewhere in the admin keeps its queue. Fresh databases have nothing to clear.
"""

from django.db import migrations


def clear_repeated_queues(apps, schema_editor):
    from django.utils import timezone

    from jobs.monitor import queue_of

    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    cleared = [entry.pk for entry in PeriodicTask.objects.exclude(queue=None) if entry.queue == queue_of(entry.task)]
    if cleared:
        PeriodicTask.objects.filter(pk__in=cleared).update(queue=None)
        apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
            ident=1, defaults={"last_update": timezone.now()}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(clear_repeated_queues, migrations.RunPython.noop)]
