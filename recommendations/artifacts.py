"""Model artefact files: where a version's embeddings live, written atomically, read back.

Its own module so the request path (ranking) can find the file without importing training.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings

from .hybrid import Embeddings
from .models import ModelVersion


def artifact_path(version: ModelVersion) -> Path:
    return Path(settings.MODEL_ARTIFACT_DIR) / version.artifact


def save_artifact(version: ModelVersion, embeddings: Embeddings) -> str:
    directory = Path(settings.MODEL_ARTIFACT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"recommender-v{version.version}.npz"
    temporary = directory / f".{name}.{uuid.uuid4().hex}.tmp"
    temporary.write_bytes(embeddings.to_bytes())
    os.replace(temporary, directory / name)  # readers never see a half-written file
    return name


def load_artifact(version: ModelVersion) -> Embeddings:
    return Embeddings.from_bytes(artifact_path(version).read_bytes())
