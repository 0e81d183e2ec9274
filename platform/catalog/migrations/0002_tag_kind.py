from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="tag",
            name="kind",
            field=models.CharField(
                choices=[
                    ("genre", "Genre"),
                    ("mood", "Mood"),
                    ("theme", "Theme"),
                    ("descriptor", "Picture descriptor (colour, text, people, framing)"),
                    ("other", "Not classified yet"),
                ],
                db_index=True,
                default="other",
                help_text="Only genres, moods and themes are shown to subscribers.",
                max_length=12,
            ),
        ),
    ]
