"""The engine on unseen questions: a calibrated hand-off threshold, the fine-tuned encoder, typos."""
# ruff: noqa: F811  (pytest fixtures imported from support_engine are redefined as arguments)

import numpy as np
import pytest
from support_engine import small_engine, small_kb, tiny_finetune  # noqa: F401  (fixtures)

from support_bot.encoder import default_embed
from support_bot.engine import EngineConfig
from support_bot.finetune import FinetuneConfig
from support_bot.handoff import choose_threshold, rates, tradeoff_curve
from support_bot.questions import normalize_question
from support_bot.spelling import Speller
from support_bot.training import train_engine

BACKGROUND = ["what's the weather tomorrow", "order a pizza", "who won the football", "tell me a joke",
              "how do i open a bank account", "my fridge is broken", "translate hello to french",
              "what is the capital of peru", "book a flight to rome", "how tall is everest", "is coffee healthy",
              "remind me to call mum"]


def test_the_threshold_reaches_the_target_recall_within_the_bound_on_generated_scores():
    rng = np.random.default_rng(3)
    valid, out = rng.normal(0.8, 0.1, 400), rng.normal(0.3, 0.12, 300)
    threshold, report = choose_threshold(valid, out, target_recall=0.9, max_false_handoff=0.05)
    assert report["oos_recall"] >= 0.9 and report["false_handoff"] <= 0.05 and report["recall_target_met"]
    # The lowest such threshold: any lower and the recall target is missed.
    assert rates(valid, out, np.nextafter(np.sort(out)[int(np.ceil(0.9 * 300)) - 1], -np.inf))["oos_recall"] < 0.9
    assert threshold == report["threshold"]


def test_when_the_two_targets_conflict_the_bound_on_valid_questions_wins():
    rng = np.random.default_rng(4)
    valid, out = rng.normal(0.5, 0.1, 400), rng.normal(0.45, 0.1, 300)  # heavily overlapping
    _, report = choose_threshold(valid, out, target_recall=0.9, max_false_handoff=0.05)
    assert report["false_handoff"] <= 0.05
    assert not report["recall_target_met"] and report["oos_recall"] < 0.9


def test_the_tradeoff_curve_runs_from_no_handoffs_to_all():
    curve = tradeoff_curve(np.linspace(0.5, 1.0, 50), np.linspace(0.0, 0.6, 50))
    recalls, false = [c[1] for c in curve], [c[2] for c in curve]
    assert recalls == sorted(recalls) and false == sorted(false)
    assert recalls[0] == 0.0 and recalls[-1] > 0.95


def test_a_misspelt_word_is_corrected_to_the_knowledge_bases_word_and_real_words_are_left_alone():
    speller = Speller(["How do I cancel my subscription?", "My payment was declined"], known=frozenset({"weather"}))
    assert speller.correct("how do i cancle my subscrption") == "how do i cancel my subscription"
    assert speller.correct("paymnet declnied") == "payment declined"
    assert speller.correct("what is the weather") == "what is the weather"


def test_a_typo_of_an_entrys_key_word_still_finds_it(small_engine):
    prediction = small_engine.predict("how do i cancle")
    assert not prediction.handoff
    assert "cancel-subscription" in {prediction.slug, prediction.runner_up if prediction.clarify else None}
    assert small_engine.predict("my pasword is not working, forgot it").slug == "login-forgot-password"


def test_the_fine_tuned_encoder_is_used_when_present_and_stored_with_the_engine(small_engine, tmp_path):
    import joblib

    assert small_engine.fine_tuned and small_engine.metrics["fine_tuned"]
    assert small_engine.metrics["finetune_loss"] == small_engine.config.finetune.loss  # stored with the version
    text = normalize_question("Can I watch on two TVs at the same time?")
    frozen = default_embed([text], quantized=True)[0]
    tuned = small_engine._embed([text])[0]
    assert not np.allclose(frozen, tuned, atol=1e-3)  # answers are embedded with the fine-tuned layers
    joblib.dump(small_engine, tmp_path / "engine.joblib")
    loaded = joblib.load(tmp_path / "engine.joblib")
    assert loaded.fine_tuned
    assert np.allclose(loaded._embed([text])[0], tuned, atol=1e-5)


def test_without_fine_tuning_or_when_it_fails_the_engine_uses_frozen_minilm(monkeypatch):
    examples = [(q, e["id"]) for e in small_kb()[:3] for q in e["questions"]]
    config = EngineConfig(folds=3, finetune=FinetuneConfig(steps=0))
    frozen = train_engine(examples, config, background=BACKGROUND)
    text = normalize_question(examples[0][0])
    assert not frozen.fine_tuned and frozen.metrics["finetune_loss"] is None
    assert np.allclose(frozen._embed([text])[0], default_embed([text], quantized=True)[0], atol=1e-5)

    def broken(*args, **kwargs):
        raise RuntimeError("no trainable MiniLM here")

    monkeypatch.setattr("support_bot.finetune.finetune_encoder", broken)
    fallback = train_engine(examples, EngineConfig(folds=3, finetune=tiny_finetune()), background=BACKGROUND)
    assert not fallback.fine_tuned and fallback.metrics["finetune_steps"] == 0
    assert np.allclose(fallback._embed([text])[0], default_embed([text], quantized=True)[0], atol=1e-5)


@pytest.mark.parametrize("rule", ["nearest", "centroid", "oos_class", "mahalanobis", "knn", "stacked"])
def test_every_handoff_rule_has_a_threshold_and_sends_an_unrelated_question_to_a_person(small_engine, rule):
    import copy

    engine = copy.copy(small_engine)
    engine.config = copy.copy(small_engine.config)
    engine.config.handoff_rule = rule
    assert rule in small_engine.metrics["rules"]
    assert engine.predict("What is the boiling point of mercury in kelvin?").handoff


def test_mahalanobis_distance_follows_the_shared_spread_of_the_entries():
    from support_bot.scoring import _mahalanobis, _space

    # Two entries whose questions spread widely along the first axis and hardly along the second.
    rng = np.random.default_rng(0)
    spread = np.array([3.0, 0.1, 0.1])
    emb = np.vstack([rng.normal(size=(200, 3)) * spread + [0, 0, 5], rng.normal(size=(200, 3)) * spread + [0, 5, 0]])
    labels = np.repeat([0, 1], 200)
    space = _space(emb.astype(np.float32), labels, 2, pad=False)
    along, across = np.array([[4.0, 0, 5]]), np.array([[0, 1.0, 5]])
    # Further from the mean in plain distance, but along the spread: nearer in Mahalanobis distance.
    assert np.linalg.norm(along - [0, 0, 5]) > np.linalg.norm(across - [0, 0, 5])
    assert _mahalanobis(along.astype(np.float32), space)[0] < _mahalanobis(across.astype(np.float32), space)[0]


def test_the_stacked_score_sets_its_threshold_on_scores_it_was_not_fitted_on():
    from support_bot.scoring import SCORE_RULES
    from support_bot.training import _fit_stacker

    rng = np.random.default_rng(1)
    valid = {rule: rng.normal(1.0, 1.0, 300) for rule in SCORE_RULES}
    out_of_scope = {rule: rng.normal(-1.0, 1.0, 300) for rule in SCORE_RULES}
    model, valid_oof, oos_oof = _fit_stacker(valid, out_of_scope, folds=5, seed=0)
    features = np.vstack([np.column_stack([valid[r] for r in SCORE_RULES]),
                          np.column_stack([out_of_scope[r] for r in SCORE_RULES])])
    # Out-of-fold scores differ from the final model's in-sample ones, and still separate the two kinds.
    assert not np.allclose(np.concatenate([valid_oof, oos_oof]), model.decision_function(features))
    assert np.mean(valid_oof > 0) > 0.9 and np.mean(oos_oof < 0) > 0.9


def _rows(seed: int, n: int):
    import torch

    generator = torch.Generator().manual_seed(seed)
    return torch.nn.functional.normalize(torch.randn(n, 16, generator=generator), dim=1)


@pytest.mark.parametrize("kind", ["symmetric", "mnrl", "gte"])
def test_each_fine_tuning_loss_is_lower_when_every_anchor_is_nearest_its_own_positive(kind):
    import torch

    from support_bot.finetune import contrastive_loss

    anchors, negatives = _rows(0, 8), _rows(1, 5)
    matched = torch.nn.functional.normalize(anchors + 0.1 * _rows(2, 8), dim=1)
    shuffled = matched[torch.roll(torch.arange(8), 1)]  # each anchor's positive is now another anchor's
    assert contrastive_loss(anchors, matched, negatives, 20.0, kind) < contrastive_loss(
        anchors, shuffled, negatives, 20.0, kind)
    # A background question that looks like an anchor is a harder negative than unrelated ones.
    assert contrastive_loss(anchors, matched, anchors[:5], 20.0, kind) > contrastive_loss(
        anchors, matched, negatives, 20.0, kind)


@pytest.mark.parametrize(("kind", "directions", "partition", "with_negatives"), [
    ("mnrl", ("query_to_doc",), "joint", True),
    ("symmetric", ("query_to_doc", "doc_to_query"), "per_direction", True),
    # sentence-transformers ties each hard negative to one anchor for doc_to_doc; ours are shared: pairs only.
    ("gte", ("query_to_doc", "query_to_query", "doc_to_query", "doc_to_doc"), "joint", False),
])
def test_the_losses_are_sentence_transformers_multiple_negatives_ranking_loss(kind, directions, partition,
                                                                              with_negatives):
    losses = pytest.importorskip("sentence_transformers.sentence_transformer.losses.multiple_negatives_ranking")
    from support_bot.finetune import contrastive_loss

    anchors, positives = _rows(3, 6), _rows(4, 6)
    negatives = _rows(5, 4) if with_negatives else _rows(5, 0)
    reference = losses.MultipleNegativesRankingLoss(None, scale=20.0, directions=directions, partition_mode=partition)
    columns = [anchors, positives] + ([negatives] if with_negatives else [])
    assert np.isclose(contrastive_loss(anchors, positives, negatives, 20.0, kind).item(),
                      reference.compute_loss_from_embeddings(columns, None).item(), rtol=1e-5)


def test_an_unknown_fine_tuning_loss_is_refused_when_configured():
    with pytest.raises(ValueError, match="'triplet'.*symmetric, mnrl, gte"):
        FinetuneConfig(loss="triplet")


def test_fine_tuning_trains_with_the_configured_loss(monkeypatch):
    import support_bot.finetune as finetune

    used, real = [], finetune.contrastive_loss

    def spy(anchors, positives, negatives, scale, kind="symmetric"):
        used.append((kind, len(anchors), len(negatives)))
        return real(anchors, positives, negatives, scale, kind)

    monkeypatch.setattr(finetune, "contrastive_loss", spy)
    entries = small_kb()[:4]
    texts = [normalize_question(q) for e in entries for q in e["questions"][:3]]
    labels = [i for i, e in enumerate(entries) for _ in e["questions"][:3]]
    config = FinetuneConfig(steps=1, batch_size=4, background_per_step=2, loss="mnrl")
    weights = finetune.finetune_encoder(texts, labels, BACKGROUND, config)
    assert used == [("mnrl", 4, 2)]
    assert weights and all(name.startswith(("encoder.layer.4.", "encoder.layer.5.")) for name in weights)
