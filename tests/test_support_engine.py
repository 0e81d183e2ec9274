"""Engine index: versioned artefacts swapped in atomically, reloaded when the active version changes."""
# ruff: noqa: F811  (pytest fixtures imported from support_engine are redefined as arguments)

import json

import pytest
from django.core.management import call_command
from support_engine import build_without_minilm, fake_embed, small_engine, small_kb, support_engine  # noqa: F401  (fixtures)

from support_bot import index
from support_bot.engine import EngineConfig
from support_bot.knowledge import import_entries
from support_bot.models import EngineIndex, FaqEntry, FaqQuestion
from support_bot.questions import normalize_question


def test_confidence_is_a_probability_and_threshold_comes_from_cross_validation(small_engine):
    assert 0.0 < small_engine.threshold < 1.0
    assert small_engine.metrics["cv_false_rejection_rate"] <= 0.2
    prediction = small_engine.predict("how do I cancel my membership?")
    assert 0.0 <= prediction.confidence <= 1.0
    assert prediction.slug in small_engine.slugs


def test_an_empty_question_is_a_handoff(small_engine):
    assert small_engine.predict("   ").handoff is True


def test_the_rejection_target_moves_the_threshold_of_the_previous_rule():
    import numpy as np

    from support_bot.engine import SupportEngine
    from support_bot.scoring import HANDOFF_RULES
    from support_bot.training import _choose_thresholds

    labels = np.array([0, 1] * 50)
    scores = np.column_stack([np.linspace(0.1, 0.9, 100), np.linspace(0.05, 0.5, 100)])
    nearest = {rule: scores.max(axis=1) for rule in HANDOFF_RULES}
    none = {rule: np.zeros(0) for rule in HANDOFF_RULES}
    strict = SupportEngine(["a", "b"], EngineConfig(target_frr=0.01, handoff_target="frr"))
    loose = SupportEngine(["a", "b"], EngineConfig(target_frr=0.2, handoff_target="frr"))
    _choose_thresholds(strict, labels, scores, nearest, none)
    _choose_thresholds(loose, labels, scores, nearest, none)
    assert strict.handoff_threshold < loose.handoff_threshold
    assert strict.metrics["cv_false_rejection_rate"] < loose.metrics["cv_false_rejection_rate"]


def test_an_engine_stored_before_the_engine_module_was_split_still_loads(small_engine, monkeypatch):
    import pickle

    from support_bot import entry_classifier

    # Saved before the split, an engine named its classifier `support_bot.engine._Classifier`.
    monkeypatch.setattr(entry_classifier._Classifier, "__module__", "support_bot.engine")
    stored = pickle.dumps(small_engine)
    monkeypatch.undo()
    assert b"entry_classifier" not in stored
    loaded = pickle.loads(stored)
    assert type(loaded.classifier) is entry_classifier._Classifier
    loaded.use_embedder(small_engine._embed)
    question = "how do I cancel my membership?"
    assert loaded.predict(question) == small_engine.predict(question)


def _small_kb_only():
    FaqEntry.objects.all().delete()
    import_entries(small_kb()[:3])


def test_build_is_versioned_atomic_and_idempotent(db, settings, tmp_path, monkeypatch):
    settings.MODEL_ARTIFACT_DIR = tmp_path
    build_without_minilm(settings, monkeypatch)
    _small_kb_only()
    first = index.build_index()
    assert (first.version, first.status, first.is_active) == (1, EngineIndex.Status.READY, True)
    assert (tmp_path / "support_bot" / "engine-v1.joblib").is_file()
    assert not list((tmp_path / "support_bot").glob("*.tmp"))
    assert index.build_index().version == 1  # unchanged knowledge base: no new version

    version, engine = index.active_engine()
    assert version == 1
    assert index.active_engine()[1] is engine  # loaded once per process

    entry = FaqEntry.objects.order_by("slug").first()
    FaqQuestion.objects.create(entry=entry, text="a brand new way to ask this")
    second = index.build_index()
    assert second.version == 2
    assert EngineIndex.objects.filter(is_active=True).get() == second
    reloaded_version, reloaded = index.active_engine()
    assert reloaded_version == 2 and reloaded is not engine
    assert normalize_question("a brand new way to ask this") in {
        normalize_question(q) for q, _ in index.kb_examples()}

    index.activate(1)  # roll back: the old file is still there
    assert index.active_engine()[0] == 1


def test_a_failed_build_is_recorded_and_keeps_the_previous_engine(db, settings, tmp_path):
    settings.MODEL_ARTIFACT_DIR = tmp_path
    FaqEntry.objects.all().delete()
    import_entries(small_kb()[:1])  # one entry cannot train a classifier
    with pytest.raises(ValueError):
        index.build_index()
    failed = EngineIndex.objects.get()
    assert failed.status == EngineIndex.Status.FAILED and "at least two entries" in failed.error
    assert not failed.is_active


def test_ask_support_prints_one_json_object_per_line(support_engine, tmp_path, capsys):
    questions = tmp_path / "q.txt"
    questions.write_text("How do I cancel my subscription?\n\nWhat is the boiling point of mercury in kelvin?\n")
    call_command("ask_support", "--file", str(questions), "--json")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2
    assert all({"answer", "faq_id", "confidence", "handoff", "clarify"} == set(line) for line in lines)
    assert lines[0]["faq_id"] == "cancel-subscription"
    assert lines[1]["handoff"] is True and lines[1]["faq_id"] is None


def test_the_task_builds_and_reports(db, settings, tmp_path, monkeypatch):
    from support_bot.tasks import rebuild_support_index

    settings.MODEL_ARTIFACT_DIR = tmp_path
    build_without_minilm(settings, monkeypatch)
    _small_kb_only()
    result = rebuild_support_index.apply().get()
    assert result["status"] == "ready" and result["version"] == 1


def test_a_question_worded_like_a_kb_example_skips_the_embedding_model(small_engine):
    import copy

    engine = copy.copy(small_engine)
    calls = []

    def counting_embed(texts):
        calls.append(texts)
        return small_engine._embed(texts)

    engine.use_embedder(counting_embed)
    assert engine.predict("How do I cancel my subscription?").slug == "cancel-subscription"
    assert calls == []
    engine.predict("how might one end this membership thing")
    assert len(calls) == 1
