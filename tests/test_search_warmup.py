"""MiniLM warm-up: started once per process by its first request, in the background, only when enabled."""

import os
import threading

import pytest
from django.core.signals import request_started

from catalog import embeddings, warmup


@pytest.fixture
def loads(monkeypatch):
    calls = []
    monkeypatch.setattr(embeddings, "embed_texts", lambda texts, **kw: calls.append(texts))
    monkeypatch.setattr(warmup.minilm_warmup, "started_in", None)
    return calls


@pytest.mark.django_db
def test_the_first_request_warms_the_model_once_per_process(settings, loads, monkeypatch):
    settings.SEMANTIC_WARMUP = True

    request_started.send(sender=None)
    thread = warmup.warm_in_background("again")  # the same process: no second load
    warmup._on_first_request()

    assert thread is None and warmup.minilm_warmup.started_in == os.getpid()
    for t in threading.enumerate():
        if t.name == "minilm-warmup":
            t.join(5)
    assert loads == [["warm-up"]]

    monkeypatch.setattr(warmup.minilm_warmup, "started_in", -1)  # as in a child forked after the parent warmed up
    child = warmup.warm_in_background("forked child")
    child.join(5)
    assert loads == [["warm-up"], ["warm-up"]]


def test_no_warm_up_when_switched_off(settings, loads):
    settings.SEMANTIC_WARMUP = False

    assert warmup.warm_in_background("first request") is None and warmup.minilm_warmup.started_in is None and loads == []
