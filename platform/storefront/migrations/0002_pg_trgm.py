"""Enable pg_trgm for typo-tolerant title search; Django's CreateExtension is a no-op on SQLite."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("storefront", "0001_initial")]

    operations = [TrigramExtension()]
