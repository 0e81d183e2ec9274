"""Knowledge-base categories become rows staff edit; entries keep their category ids in the same column."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

# Frozen copy of the list that was in code (a migration must not import the live models module).
STARTING = {
    "billing": "Billing", "plans": "Plans", "cancelling": "Cancelling", "login": "Passwords and login",
    "profiles": "Profiles", "playback": "Playback and buffering", "devices": "Devices", "downloads": "Downloads",
    "parental": "Parental controls", "regions": "Regions and availability", "privacy": "Privacy and data",
    "discovery": "Finding something to watch",
}


def create_categories(apps, schema_editor):
    FaqCategory = apps.get_model("support_bot", "FaqCategory")
    FaqEntry = apps.get_model("support_bot", "FaqEntry")
    used = set(FaqEntry.objects.values_list("category", flat=True))
    for slug in sorted(set(STARTING) | used):
        FaqCategory.objects.get_or_create(slug=slug, defaults={"name": STARTING.get(slug, slug.replace("-", " ").title())})


class Migration(migrations.Migration):

    dependencies = [
        ('support_bot', '0003_starting_knowledge_base'),
    ]

    operations = [
        migrations.CreateModel(
            name='FaqCategory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.CharField(help_text='Stable id; exports use it.', max_length=40, unique=True, validators=[django.core.validators.RegexValidator('^[a-z0-9_][a-z0-9_-]*$', 'Use lower-case letters, digits, hyphens and underscores.')])),
                ('name', models.CharField(max_length=80)),
            ],
            options={
                'verbose_name': 'FAQ category',
                'verbose_name_plural': 'FAQ categories',
                'ordering': ['name'],
            },
        ),
        migrations.RunPython(create_categories, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name='faqentry',
            options={'ordering': ['category_id', 'slug'], 'verbose_name': 'FAQ entry', 'verbose_name_plural': 'FAQ entries'},
        ),
        migrations.AlterField(
            model_name='faqentry',
            name='slug',
            field=models.CharField(help_text='Stable id; exports and the API use it.', max_length=80, unique=True, validators=[django.core.validators.RegexValidator('^[a-z0-9_][a-z0-9_-]*$', 'Use lower-case letters, digits, hyphens and underscores.')]),
        ),
        migrations.AlterField(
            model_name='faqentry',
            name='category',
            field=models.ForeignKey(db_column='category', on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='support_bot.faqcategory', to_field='slug'),
        ),
    ]
