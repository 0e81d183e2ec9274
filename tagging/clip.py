"""Zero-shot image tags with a CLIP model loaded from the local folder TAGGING_CLIP_MODEL (never downloaded)."""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from django.conf import settings

from .taggers import KeyframeInput, Suggested

_lock = threading.Lock()
PROMPT = "a film still showing {name}"
TOP_K = 3


@lru_cache(maxsize=2)
def load(folder: str):
    """(model, tokenizer, image processor) from a local folder, loaded once per process."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoImageProcessor, AutoTokenizer, CLIPModel

    path = Path(folder)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"{path}: no config.json; TAGGING_CLIP_MODEL must name a local CLIP model folder")
    model = CLIPModel.from_pretrained(path, local_files_only=True)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    processor = AutoImageProcessor.from_pretrained(path, local_files_only=True)
    return model, tokenizer, processor


def _as_tensor(output):
    # transformers 5 may wrap projected features in a model output; older versions return the tensor.
    return output if hasattr(output, "norm") else output.pooler_output


@lru_cache(maxsize=8)
def _prompt_embeddings(folder: str, names: tuple[str, ...]) -> np.ndarray:
    import torch

    model, tokenizer, _ = load(folder)
    with _lock, torch.inference_mode():
        batch = tokenizer([PROMPT.format(name=name) for name in names], padding=True, return_tensors="pt")
        text = _as_tensor(model.get_text_features(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]))
        return torch.nn.functional.normalize(text, dim=-1).numpy()


def image_embeddings(folder: str, images: list[np.ndarray]) -> np.ndarray:
    """L2-normalised CLIP image embeddings of BGR images."""
    import torch

    model, _, processor = load(folder)
    rgb = [cv2.cvtColor(image, cv2.COLOR_BGR2RGB) for image in images]
    with _lock, torch.inference_mode():
        pixels = processor(images=rgb, return_tensors="pt")["pixel_values"]
        features = _as_tensor(model.get_image_features(pixel_values=pixels))
        return torch.nn.functional.normalize(features, dim=-1).numpy()


def zero_shot(folder: str, images: list[np.ndarray], names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities over `names` per image, image embeddings)."""
    model, _, _ = load(folder)
    text = _prompt_embeddings(folder, tuple(names))
    embedded = image_embeddings(folder, images)
    scale = float(model.logit_scale.exp().item())
    logits = scale * embedded @ text.T
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    return probs, embedded


def clip_tags(keyframes: list[KeyframeInput]) -> list[list[Suggested]]:
    """Top tags per keyframe whose probability clearly beats a uniform guess; stores the image embedding."""
    from catalog.models import Tag

    folder = settings.TAGGING_CLIP_MODEL
    names = list(Tag.objects.filter(is_active=True).order_by("id").values_list("name", flat=True))
    usable = [k for k, frame in enumerate(keyframes) if frame.image is not None]
    out: list[list[Suggested]] = [[] for _ in keyframes]
    if not folder or not names or not usable:
        return out
    probs, embedded = zero_shot(folder, [keyframes[k].image for k in usable], names)
    floor = max(settings.TAGGING_CLIP_MIN_PROBABILITY, 1.5 / len(names))  # clearly above a uniform guess
    for row, k in enumerate(usable):
        keyframes[k].features["clip"] = [round(float(v), 5) for v in embedded[row]]
        for j in np.argsort(-probs[row])[:TOP_K]:
            if probs[row, j] >= floor:
                out[k].append(Suggested(names[j], round(float(probs[row, j]), 4)))
    return out
