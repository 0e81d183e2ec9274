"""TitleSearchVector now belongs to the search app (search 0001); its table stays, only the state moves."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("storefront", "0003_search_index_schedule"),
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="TitleSearchVector")], database_operations=[]
        ),
    ]
