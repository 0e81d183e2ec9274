"""Shared helpers for the support-bot tests: one small engine per test session, and its entries in the DB."""

import json
from functools import lru_cache
from pathlib import Path

import pytest

FAQ_FILE = Path(__file__).resolve().parents[1] / "support_bot" / "data" / "faq.json"
SMALL_KB = [
    "billing-next-charge", "cancel-subscription", "profiles-add", "plans-compare",
    "login-forgot-password", "playback-buffering", "recommend-similar", "parental-controls",
]


def small_kb() -> list[dict]:
    entries = {e["id"]: e for e in json.loads(FAQ_FILE.read_text())}
    return [entries[slug] for slug in SMALL_KB]


def tiny_finetune():
    from support_bot.finetune import FinetuneConfig

    return FinetuneConfig(steps=3, batch_size=8, background_per_step=8)


@lru_cache(maxsize=1)
def _trained():
    from support_bot.engine import EngineConfig
    from support_bot.training import train_engine
    examples = [(q, e["id"]) for e in small_kb() for q in e["questions"]]
    # A few fine-tuning steps only: the tests check behaviour, not how good a long fine-tune gets.
    return train_engine(examples, EngineConfig(folds=3, finetune=tiny_finetune()))


@pytest.fixture(scope="session")
def small_engine():
    """The real engine (MiniLM + TF-IDF + classifier) trained once on eight shipped entries."""
    return _trained()


@pytest.fixture
def support_engine(small_engine, db):
    """The small engine answering for the API, with its entries present in the database."""
    import copy

    from support_bot.index import using_engine
    from support_bot.knowledge import import_entries

    import_entries(small_kb())
    engine = copy.copy(small_engine)  # tests may tweak thresholds on their copy only
    engine.config = copy.copy(small_engine.config)
    engine.handoff_thresholds = dict(small_engine.handoff_thresholds)
    with using_engine(engine):
        yield engine


def build_without_minilm(settings, monkeypatch) -> None:
    """Engine builds in this test embed with `fake_embed` and skip fine-tuning: the plumbing is under test.

    Replacing the encoder alone is not enough: a build would still load MiniLM to fine-tune it.
    """
    settings.SUPPORT_BOT_FINETUNE_STEPS = 0
    monkeypatch.setattr("support_bot.encoder.default_embed", fake_embed)


def fake_embed(texts: list[str], *, quantized: bool = False):
    """A fast stand-in for MiniLM where only the plumbing is under test: hashed character trigrams, normalised."""
    import numpy as np
    from sklearn.feature_extraction.text import HashingVectorizer

    vectors = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 3), n_features=384, alternate_sign=False,
                                norm="l2").transform(texts).toarray()
    return vectors.astype(np.float32)
