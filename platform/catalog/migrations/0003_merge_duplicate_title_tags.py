"""One row per (title, tag): merge the rows that stated the same tag once per source.

The row kept is the strongest source's (staff over imported over model, as TitleTag.SOURCE_RANK); on a tie
of source (impossible under the old constraint) the higher confidence. The constraint follows in 0004, in
its own transaction (PostgreSQL refuses an ALTER TABLE with the deletes' deferred triggers pending).
"""

from django.db import migrations
from django.db.models import Count

RANK = {"staff": 3, "imported": 2, "model": 1}


def merge(apps, schema_editor):
    TitleTag = apps.get_model("catalog", "TitleTag")
    doubled = (
        TitleTag.objects.values("title_id", "tag_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("title_id", "tag_id")
    )
    doomed = []
    for title_id, tag_id in doubled.iterator():
        rows = list(TitleTag.objects.filter(title_id=title_id, tag_id=tag_id))
        rows.sort(key=lambda row: (RANK.get(row.source, 0), row.confidence, -row.pk), reverse=True)
        doomed += [row.pk for row in rows[1:]]
    for start in range(0, len(doomed), 1000):
        TitleTag.objects.filter(pk__in=doomed[start : start + 1000]).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_tag_kind")]

    operations = [migrations.RunPython(merge, migrations.RunPython.noop)]
