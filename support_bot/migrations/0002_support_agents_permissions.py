from django.db import migrations

from accounts.groups import SUPPORT_AGENTS, grant, view


def give_support_agents(apps, schema_editor):
    grant(apps, SUPPORT_AGENTS, {
        # Least privilege, as for every staff group: agents add and edit knowledge, never delete
        # (an entry is retired by unticking "active").
        "support_bot": [f"{action}_{model}" for model in ("faqentry", "faqquestion") for action in ("add", "change", "view")]
        + view("conversation", "message", "engineindex")
        + ["view_supportticket", "change_supportticket", "view_missedquestion", "change_missedquestion"],
    })


def take_back(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=SUPPORT_AGENTS).first()
    if group:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="support_bot"))


class Migration(migrations.Migration):
    dependencies = [
        ("support_bot", "0001_initial"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(give_support_agents, take_back)]
