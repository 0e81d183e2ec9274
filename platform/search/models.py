"""Search's own state: the precomputed title-embedding index behind meaning search.

The search log (`SearchQuery`) is activity, read by the recommender, marketing and insights, so it lives
in `activity.models`; it is importable from here too, beside the index it is searched against.
"""

from django.db import models

from activity.models import SearchQuery  # noqa: F401  (the search log, re-exported)
from catalog.models import Title


class TitleSearchVector(models.Model):
    """One title's MiniLM embedding of its name, synopsis, genres and tags (rebuilt by a task)."""

    title = models.OneToOneField(Title, on_delete=models.CASCADE, related_name="search_vector")
    # float32 bytes of an L2-normalised 384-d vector; a dot product is the cosine similarity.
    vector = models.BinaryField()
    # Hash of the text that was embedded, so a rebuild re-embeds only titles whose text changed.
    text_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Created by the storefront, where search began; the table kept its name when search moved here.
        db_table = "storefront_titlesearchvector"

    def __str__(self) -> str:
        return f"search vector of {self.title_id}"
