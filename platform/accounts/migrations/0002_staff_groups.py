from django.db import migrations

from accounts.groups import CONTENT_EDITORS, MARKETERS, SUPPORT_AGENTS, crud, grant, view


def create_groups(apps, schema_editor):
    grant(apps, CONTENT_EDITORS, {
        "catalog": crud("title", "genre", "tag", "titletag", "titleavailability", "mediaasset") + view("region"),
    })
    grant(apps, MARKETERS, {
        "catalog": view("title", "genre", "tag", "region"),
        "accounts": view("user", "profile", "plan"),
        "activity": view("viewingevent", "rating", "searchquery", "impression", "mylistentry"),
    })
    grant(apps, SUPPORT_AGENTS, {
        "catalog": view("title", "region"),
        "accounts": view("user", "profile", "plan"),
        "activity": view("viewingevent", "rating"),
    })


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[CONTENT_EDITORS, MARKETERS, SUPPORT_AGENTS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("catalog", "0001_initial"),
        ("activity", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
