"""The sentence encoder the engine embeds questions with: MiniLM, frozen or with fine-tuned top layers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .finetune import finetuned_embed

if TYPE_CHECKING:
    from .engine import EngineConfig

EmbedFn = Callable[[list[str]], np.ndarray]


def default_embed(texts: list[str], *, quantized: bool = False) -> np.ndarray:
    from catalog.embeddings import embed_texts

    return embed_texts(texts, quantized=quantized)


def embedder(config: EngineConfig, weights: dict | None = None) -> EmbedFn:
    """MiniLM as the engine was trained with it: fine-tuned top layers when `weights`, else the frozen model;
    int8 or float32 as configured (each gives different vectors, so answering must match training)."""
    quantized = getattr(config, "int8_embeddings", False)  # artefacts from before the option were float32
    if weights:
        return finetuned_embed(weights, quantized=quantized)
    return lambda texts: default_embed(texts, quantized=quantized)
