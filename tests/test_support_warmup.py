"""Support engine warm-up: the active engine and its encoder load at a process's first request, once."""

import os
import threading

from support_engine import build_without_minilm, fake_embed, small_kb

from support_bot import index, warmup
from support_bot.knowledge import import_entries
from support_bot.models import FaqEntry


def test_warming_loads_the_active_engine_and_embeds_once(db, settings, tmp_path, monkeypatch):
    settings.MODEL_ARTIFACT_DIR = tmp_path
    build_without_minilm(settings, monkeypatch)
    FaqEntry.objects.all().delete()
    import_entries(small_kb()[:3])
    index.build_index()
    monkeypatch.setattr(index, "_loaded", None)  # as in a fresh process
    embedded = []
    monkeypatch.setattr("support_bot.encoder.default_embed",
                        lambda texts, **kw: embedded.append(texts) or fake_embed(texts))

    assert warmup.warm_engine("test") is True

    assert index._loaded is not None and index._loaded[0] == 1
    assert embedded == [["warm-up"]]
    assert index.active_engine()[1] is index._loaded[1]  # the first question finds it loaded


def test_no_active_engine_is_no_warm_up_and_no_error(db):
    assert warmup.warm_engine("test") is False


def test_the_first_request_starts_one_warm_up_per_process(settings, monkeypatch):
    settings.SEMANTIC_WARMUP = True
    calls = []
    monkeypatch.setattr(warmup, "warm_engine", lambda reason: calls.append(reason))
    monkeypatch.setattr(warmup.engine_warmup, "started_in", None)
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)

    warmup._on_first_request()  # what request_started calls (sent here, it would start catalog's load too)
    assert warmup.warm_in_background("again") is None  # the same process: no second load
    for t in threading.enumerate():
        if t.name == "support-engine-warmup":
            t.join(5)
    assert calls == ["first request"] and warmup.engine_warmup.started_in == os.getpid()


def test_no_warm_up_when_switched_off(settings, monkeypatch):
    settings.SEMANTIC_WARMUP = False
    monkeypatch.setattr(warmup.engine_warmup, "started_in", None)
    assert warmup.warm_in_background("off") is None


def test_the_fine_tuned_encoder_loads_under_the_process_wide_model_lock(monkeypatch):
    # transformers' lazy imports fail when catalog's warm-up thread and this load import it at once.
    import transformers

    from catalog.embeddings import MODEL_LOAD_LOCK
    from support_bot import finetune

    held = []
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", lambda *a, **k: held.append(MODEL_LOAD_LOCK.locked()))
    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", lambda *a, **k: held.append(MODEL_LOAD_LOCK.locked()))
    finetune._base_model()
    assert held == [True, True] and not MODEL_LOAD_LOCK.locked()
