from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_merge_duplicate_title_tags")]

    operations = [
        migrations.RemoveConstraint(model_name="titletag", name="unique_title_tag_source"),
        migrations.AddConstraint(
            model_name="titletag",
            constraint=models.UniqueConstraint(fields=("title", "tag"), name="unique_title_tag"),
        ),
    ]
