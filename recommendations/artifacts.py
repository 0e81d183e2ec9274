"""Model artefact files: where a version's embeddings (and its LightFM state) live, written atomically, read back.

Its own module so the request path (ranking) can find the file without importing training.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings

from .hybrid import Embeddings, LearnerState
from .models import ModelVersion


def artifact_path(version: ModelVersion) -> Path:
    return Path(settings.MODEL_ARTIFACT_DIR) / version.artifact


def write_atomically(name: str, raw: bytes) -> str:
    """Write `raw` to `name` under MODEL_ARTIFACT_DIR so that readers never see a half-written file."""
    directory = Path(settings.MODEL_ARTIFACT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{name}.{uuid.uuid4().hex}.tmp"
    temporary.write_bytes(raw)
    os.replace(temporary, directory / name)
    return name


def save_artifact(version: ModelVersion, embeddings: Embeddings) -> str:
    return write_atomically(f"recommender-v{version.version}.npz", embeddings.to_bytes())


def load_artifact(version: ModelVersion) -> Embeddings:
    return Embeddings.from_bytes(artifact_path(version).read_bytes())


def learner_state_path(version: ModelVersion) -> Path:
    return Path(settings.MODEL_ARTIFACT_DIR) / version.learner_state


def save_learner_state(version: ModelVersion, state: LearnerState) -> str:
    return write_atomically(f"recommender-v{version.version}-lightfm.npz", state.to_bytes())


def load_learner_state(version: ModelVersion) -> LearnerState:
    return LearnerState.from_bytes(learner_state_path(version).read_bytes())
