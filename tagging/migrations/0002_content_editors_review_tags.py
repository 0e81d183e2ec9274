from django.db import migrations

from accounts.groups import CONTENT_EDITORS, grant, view


def give_content_editors(apps, schema_editor):
    # Editors own the catalogue's tags, so they review suggestions and re-tag titles; the learned
    # taggers and their labels stay read-only to them (they follow from reviews).
    grant(apps, CONTENT_EDITORS, {
        "tagging": ["view_tagsuggestion", "change_tagsuggestion"]
        + view("shot", "keyframe", "learnedtagger", "traininglabel", "synopsiscalibration"),
    })


def take_back(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=CONTENT_EDITORS).first()
    if group:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="tagging"))


class Migration(migrations.Migration):
    dependencies = [
        ("tagging", "0001_initial"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(give_content_editors, take_back)]
