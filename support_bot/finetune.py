"""Few-shot adaptation of MiniLM to the knowledge base: contrastive fine-tuning of its top layers.

Two example questions of the same entry are pulled together and pushed away from the other entries in the
batch and from out-of-scope background questions (multiple-negatives ranking loss, in-batch negatives; one
entry per batch row, so no row's negative is a paraphrase of its own entry). `FinetuneConfig.loss` picks
the variant (`contrastive_loss`); they are the directions of sentence-transformers'
MultipleNegativesRankingLoss, written here in plain torch over our own loop. Only the top `layers` transformer
layers learn: training is several times cheaper on a CPU than the whole model and the artefact stores just
those weights (~7 MB for two layers) next to the engine that was trained on them. Runs offline from the
local model folder (`catalog.embeddings.model_dir`).
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from jobs import Progress

LOSSES = ("symmetric", "mnrl", "gte")
_cache: dict[str, tuple] = {}
_cache_lock = threading.Lock()


@dataclass
class FinetuneConfig:
    steps: int = -1  # -1: `epochs` passes over the examples; 0: no fine-tuning (frozen MiniLM)
    epochs: float = 5.0  # chosen on the development set (dev.json): 5 passes beat 2 by 0.5 points top-1, same recall
    batch_size: int = 32  # entries per step (two questions each)
    background_per_step: int = 16  # out-of-scope questions added as negatives to every step
    layers: int = 2
    learning_rate: float = 5e-5
    scale: float = 20.0  # cosine similarities times this are the logits
    max_tokens: int = 64
    seed: int = 13
    # "symmetric": anchor -> positives + background, and positive -> anchors, averaged; "mnrl": the first
    # term alone (the standard MNRL / InfoNCE); "gte": one softmax over anchor -> positives + background,
    # anchor -> other anchors, positive -> anchors and positive -> other positives (Li et al. 2023). "gte"
    # chosen on the dev set over two seeds (docs/benchmarks.md, issue 17 fourth pass); engines built before
    # it record no `finetune_loss` metric and were trained with "symmetric".
    loss: str = "gte"

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"unknown fine-tuning loss {self.loss!r}; expected one of {', '.join(LOSSES)}")

    def steps_for(self, n_examples: int) -> int:
        if self.steps >= 0:
            return self.steps
        return max(1, int(np.ceil(self.epochs * n_examples / (2 * self.batch_size))))


def _base_model():
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from catalog.embeddings import MODEL_LOAD_LOCK, model_dir

    folder = model_dir()
    with MODEL_LOAD_LOCK:  # not beside catalog's warm-up: transformers' lazy imports are not thread-safe
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModel.from_pretrained(folder, local_files_only=True)
    return tokenizer, model


def _trainable(model, layers: int) -> dict:
    """Parameters of the top `layers` transformer layers (by name), the rest frozen."""
    total = model.config.num_hidden_layers
    prefixes = tuple(f"encoder.layer.{i}." for i in range(max(0, total - layers), total))
    named = {}
    for name, param in model.named_parameters():
        param.requires_grad = name.startswith(prefixes)
        if param.requires_grad:
            named[name] = param
    return named


def _pool(tokenizer, model, texts: Sequence[str], max_tokens: int):
    import torch

    batch = tokenizer(list(texts), padding=True, truncation=True, max_length=max_tokens, return_tensors="pt")
    hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=1)


def contrastive_loss(anchors, positives, negatives, scale: float, kind: str = "symmetric"):
    """Multiple-negatives ranking loss of L2-normalised rows: anchor i's positive is positives[i]; every other
    positive and every negative (background question) is a negative of every anchor."""
    import torch
    from torch.nn.functional import cross_entropy

    if kind not in LOSSES:
        raise ValueError(f"unknown fine-tuning loss {kind!r}; expected one of {', '.join(LOSSES)}")
    n = len(anchors)
    target = torch.arange(n)
    to_docs = anchors @ torch.cat([positives, negatives]).T * scale  # anchor -> positives, then background
    if kind == "mnrl":
        return cross_entropy(to_docs, target)
    doc_to_anchor = positives @ anchors.T * scale
    if kind == "symmetric":
        return (cross_entropy(to_docs, target) + cross_entropy(doc_to_anchor, target)) / 2
    # GTE: one softmax per anchor over its row of all four matrices; self-similarities and a positive's own
    # pair among the positives are left out of the same-kind ones (the positive is counted twice, as in ST).
    own = torch.eye(n, dtype=torch.bool)
    anchor_to_anchor = (anchors @ anchors.T * scale).masked_fill(own, float("-inf"))
    docs = torch.cat([positives, negatives])
    doc_to_doc = (positives @ docs.T * scale).masked_fill(
        torch.cat([own, torch.zeros(n, len(negatives), dtype=torch.bool)], dim=1), float("-inf"))
    rows = torch.cat([to_docs, anchor_to_anchor, doc_to_anchor, doc_to_doc], dim=1)
    return (torch.logsumexp(rows, dim=1) - to_docs[target, target]).mean()


def finetune_encoder(texts: Sequence[str], labels: Sequence[int], background: Sequence[str],
                     config: FinetuneConfig, *, report: Progress | None = None) -> dict[str, np.ndarray]:
    """Fine-tune MiniLM's top layers on (question, entry) pairs; returns those layers' weights."""
    import torch

    report = report or (lambda done, total, note="": None)
    tokenizer, model = _base_model()
    params = _trainable(model, config.layers)
    model.train()
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    by_label: dict[int, list[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        by_label.setdefault(int(label), []).append(text)
    entries = sorted(by_label)
    optimizer = torch.optim.AdamW(list(params.values()), lr=config.learning_rate, weight_decay=0.01)
    steps = config.steps_for(len(texts))
    with torch.enable_grad():
        for step in range(steps):
            chosen = rng.permutation(entries)[: config.batch_size]
            pairs = [rng.choice(by_label[e], size=2, replace=len(by_label[e]) < 2) for e in chosen]
            negatives = [background[i] for i in rng.choice(len(background), size=min(len(background),
                         config.background_per_step), replace=False)] if len(background) else []
            anchors = _pool(tokenizer, model, [a for a, _ in pairs], config.max_tokens)
            candidates = _pool(tokenizer, model, [b for _, b in pairs] + negatives, config.max_tokens)
            loss = contrastive_loss(anchors, candidates[: len(pairs)], candidates[len(pairs):], config.scale,
                                    config.loss)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            report(step + 1, steps, f"fine-tuning MiniLM, step {step + 1}/{steps}, loss {loss.item():.3f}")
    return {name: param.detach().cpu().numpy().copy() for name, param in params.items()}


def weights_key(weights: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(weights):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(weights[name]).tobytes())
    return digest.hexdigest()[:16]


def _load_finetuned(weights: dict[str, np.ndarray], quantized: bool, key: str):
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        import torch

        tokenizer, model = _base_model()
        state = {name: torch.from_numpy(np.asarray(value)) for name, value in weights.items()}
        missing = set(state) - set(dict(model.named_parameters()))
        if missing:
            raise ValueError(f"fine-tuned weights do not fit this MiniLM: {sorted(missing)[:3]}")
        model.load_state_dict(state, strict=False)
        model.eval()
        if quantized:  # the same int8 treatment as catalog.embeddings gives the frozen model
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*quantiz.*deprecated", category=UserWarning)
                warnings.filterwarnings("ignore", category=DeprecationWarning)
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        # Keep at most two fine-tuned encoders per process (the active version and the one replacing it).
        while len(_cache) >= 2:
            _cache.pop(next(iter(_cache)))
        _cache[key] = (tokenizer, model, threading.Lock())
        return _cache[key]


def finetuned_embed(weights: dict[str, np.ndarray], *, quantized: bool, max_tokens: int = 128):
    """An embed function (texts -> L2-normalised float32 vectors) of MiniLM with these top layers."""
    key = f"{weights_key(weights)}:{int(quantized)}"  # hashing the weights costs ~10 ms: once, not per question

    def embed(texts: list[str]) -> np.ndarray:
        import torch

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        tokenizer, model, lock = _load_finetuned(weights, quantized, key)
        chunks = []
        with lock, torch.inference_mode():
            for start in range(0, len(texts), 64):
                chunks.append(_pool(tokenizer, model, [t or "" for t in texts[start:start + 64]], max_tokens).numpy())
        return np.vstack(chunks).astype(np.float32)

    return embed
