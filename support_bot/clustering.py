"""Group missed questions by meaning so an agent can fix a whole cluster in one step."""

from dataclasses import dataclass

import numpy as np

from .models import Message

# Cosine distance under which two questions are "the same thing asked differently" (average linkage).
CLUSTER_DISTANCE = 0.45


@dataclass
class MissCluster:
    messages: list[Message]
    suggested_entry_id: int | None

    @property
    def size(self) -> int:
        return len(self.messages)


def cluster_misses(messages: list[Message], *, embed=None) -> list[MissCluster]:
    """Clusters of similar questions, largest first; each suggests the entry most of its questions were given."""
    if not messages:
        return []
    if len(messages) == 1:
        return [MissCluster(messages, messages[0].entry_id)]
    from sklearn.cluster import AgglomerativeClustering

    from .encoder import default_embed  # scikit-learn: only when clustering
    from .questions import normalize_question

    vectors = (embed or default_embed)([normalize_question(m.text) for m in messages])
    labels = AgglomerativeClustering(
        n_clusters=None, distance_threshold=CLUSTER_DISTANCE, metric="cosine", linkage="average"
    ).fit_predict(vectors)
    clusters = []
    for label in np.unique(labels):
        members = [m for m, lab in zip(messages, labels, strict=True) if lab == label]
        guesses = [m.entry_id for m in members if m.entry_id]
        suggested = max(set(guesses), key=guesses.count) if guesses else None
        clusters.append(MissCluster(members, suggested))
    return sorted(clusters, key=lambda c: (-c.size, c.messages[0].pk))
