import io

import cv2
import numpy as np
import pytest

from catalog.models import TitleTag
from factories import make_tag, make_title
from tagging import descriptors, learning
from tagging.models import Keyframe, LearnedTagger, Shot, SynopsisCalibration, TrainingLabel
from tagging.taggers import KeyframeInput, descriptor_tags, enabled_taggers


def names(suggestions) -> set[str]:
    return {s.tag for s in suggestions}


def test_colourfulness_orders_grey_below_saturated():
    grey = np.full((64, 96, 3), 128, np.uint8)
    vivid = np.zeros((64, 96, 3), np.uint8)
    vivid[:, :48] = (0, 0, 255)
    vivid[:, 48:] = (255, 200, 0)
    assert descriptors.colourfulness(grey) == 0.0
    assert descriptors.colourfulness(vivid) > 59


def test_dominant_colours_are_named():
    image = np.zeros((64, 96, 3), np.uint8)
    image[:, :70] = (30, 30, 220)  # BGR red
    image[:, 70:] = (200, 80, 20)  # BGR blue
    shares = descriptors.dominant_colours(image)
    assert max(shares, key=shares.get) == "red"
    assert "blue" in shares


def test_text_is_found_where_text_is_drawn():
    blank = np.full((180, 320, 3), 90, np.uint8)
    titled = blank.copy()
    cv2.putText(titled, "THE END OF TIME", (20, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    assert descriptors.text_score(cv2.cvtColor(blank, cv2.COLOR_BGR2GRAY)) == 0
    assert descriptors.text_score(cv2.cvtColor(titled, cv2.COLOR_BGR2GRAY)) > 0


def test_a_face_filling_the_frame_is_a_close_up():
    from tagging_media import drawn_face

    features = descriptors.describe(drawn_face(150))
    assert features["faces"] == 1 and features["largest_face"] > 0.1
    assert {"close-up", "people"} <= names(descriptor_tags(features))


def test_describe_runs_every_opencv_detector_on_a_plain_frame():
    features = descriptors.describe(np.full((180, 320, 3), 20, np.uint8), motion=0.2)
    assert features["faces"] == 0 and features["people"] == 0
    assert features["brightness"] < 0.1 and features["motion"] == 0.2


def test_descriptor_rules_map_features_to_tags():
    close_up = {"faces": 1, "largest_face": 0.12, "brightness": 0.18, "blue_cast": 0.1, "colourfulness": 80,
                "colours": {"red": 0.6, "black": 0.4}, "is_video": True, "motion": 0.1, "text": 0.05}
    assert names(descriptor_tags(close_up)) == {
        "close-up", "people", "night", "dark", "colourful", "red palette", "action", "on-screen text"
    }
    group = {"faces": 4, "brightness": 0.8, "colourfulness": 5, "is_video": True, "motion": 0.0}
    assert names(descriptor_tags(group)) == {"group", "people", "bright", "muted", "calm"}
    # A still has no motion: it is neither calm nor action.
    assert not names(descriptor_tags({"is_video": False, "motion": 0.0})) & {"calm", "action"}


def test_taggers_setting_picks_taggers_and_skips_clip_without_a_model(settings):
    settings.TAGGING_TAGGERS = ["learned", "clip", "descriptors"]
    settings.TAGGING_CLIP_MODEL = ""
    assert [t.name for t in enabled_taggers()] == ["learned", "descriptors"]
    settings.TAGGING_CLIP_MODEL = "/some/folder"
    assert [t.name for t in enabled_taggers()] == ["clip", "descriptors", "learned"]
    settings.TAGGING_TAGGERS = ["descriptors", "psychic"]
    with pytest.raises(Exception, match="psychic"):
        enabled_taggers()


@pytest.mark.django_db
def test_synopsis_tagger_calibrates_on_known_tags_and_suggests_matching_tags(settings):
    from tagging.text_tags import calibrate, synopsis_tags

    space = make_tag("space", "Outer space, astronauts, rockets and distant planets.")
    cooking = make_tag("cooking", "Chefs, kitchens, recipes and food.")
    make_tag("horses", "Horses, riders, ranches and the old west.")
    stories = [
        ("Astronauts fly a rocket to a distant planet.", space),
        ("A crew of astronauts is stranded in orbit far from Earth.", space),
        ("Rockets launch towards the planets of a far galaxy.", space),
        ("A young chef runs a busy kitchen and invents recipes.", cooking),
        ("Two cooks compete to make the best food in town.", cooking),
        ("A family restaurant kitchen fights to keep its recipes.", cooking),
    ]
    for synopsis, tag in stories:
        TitleTag.objects.create(title=make_title(synopsis=synopsis), tag=tag, source="imported")
    calibration = calibrate(min_positives=3)
    assert calibration is not None and calibration.positives == 6 and calibration.pairs == 18
    assert SynopsisCalibration.objects.count() == 1
    new = make_title(synopsis="An astronaut crew pilots a rocket to explore a strange planet.")
    suggested = {s.tag: s.confidence for s in synopsis_tags(new)}
    assert "space" in suggested and "cooking" not in suggested
    assert 0 <= suggested["space"] <= 1


@pytest.fixture
def tiny_clip(tmp_path):
    """A randomly initialised CLIP small enough to build in the test: the loading and scoring code is real."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, PreTrainedTokenizerFast

    vocab = {"[PAD]": 0, "[UNK]": 1, "[BOS]": 2, "[EOS]": 3}
    for word in "a film still showing dark bright action people".split():
        vocab.setdefault(word, len(vocab))
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[BOS] $A [EOS]", special_tokens=[("[BOS]", 2), ("[EOS]", 3)]
    )
    folder = tmp_path / "tiny-clip"
    PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="[PAD]", unk_token="[UNK]", bos_token="[BOS]",
                            eos_token="[EOS]").save_pretrained(folder)
    config = CLIPConfig(
        text_config={"vocab_size": len(vocab), "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                     "num_attention_heads": 2, "max_position_embeddings": 32, "eos_token_id": 3, "pad_token_id": 0,
                     "bos_token_id": 2},
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
                       "image_size": 32, "patch_size": 8},
        projection_dim=16,
    )
    CLIPModel(config).save_pretrained(folder)
    CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder


@pytest.mark.django_db
def test_clip_tagger_scores_keyframes_against_the_vocabulary(tiny_clip, settings):
    from tagging.clip import clip_tags, zero_shot

    settings.TAGGING_CLIP_MODEL = str(tiny_clip)
    settings.TAGGING_CLIP_MIN_PROBABILITY = 0.0
    for name in ("dark", "bright", "action"):
        make_tag(name)
    images = [np.full((64, 96, 3), value, np.uint8) for value in (10, 240)]
    probs, embedded = zero_shot(str(tiny_clip), images, ["dark", "bright", "action"])
    assert probs.shape == (2, 3) and np.allclose(probs.sum(axis=1), 1)
    assert embedded.shape == (2, 16) and np.allclose(np.linalg.norm(embedded, axis=1), 1, atol=1e-5)
    frames = [KeyframeInput(image=img, features={}) for img in images]
    found = clip_tags(frames)
    for row, row_probs in zip(found, probs, strict=True):
        expected = {name: p for name, p in zip(["dark", "bright", "action"], row_probs, strict=True) if p >= 0.5}
        assert {s.tag: s.confidence for s in row} == pytest.approx(expected, abs=1e-4)
    assert len(frames[0].features["clip"]) == 16  # kept for the learned tagger


def _label(tag, features, positive):
    return TrainingLabel.objects.create(tag=tag, features=features, positive=positive)


@pytest.mark.django_db
def test_learned_tagger_trains_from_labels_and_suggests_with_calibrated_confidence(settings):
    settings.TAGGING_LEARNED_MIN_LABELS = 4
    tag = make_tag("sunny beach")
    rng = np.random.default_rng(0)
    for _ in range(12):
        _label(tag, {"brightness": 0.8 + 0.1 * rng.random(), "colours": {"yellow": 0.6}}, True)
        _label(tag, {"brightness": 0.2 + 0.1 * rng.random(), "colours": {"blue": 0.6}}, False)
    outcome = learning.retrain()
    assert "activated" in outcome["sunny beach"]
    model = LearnedTagger.objects.get(tag=tag, is_active=True)
    assert model.positives == model.negatives == 12
    bright = KeyframeInput(image=None, features={"brightness": 0.85, "colours": {"yellow": 0.6}})
    dark = KeyframeInput(image=None, features={"brightness": 0.22, "colours": {"blue": 0.6}})
    found = learning.learned_tags([bright, dark])
    assert [s.tag for s in found[0]] == ["sunny beach"] and found[1] == []
    assert 0.5 <= found[0][0].confidence <= 1
    # Retraining adds a version and swaps the active one atomically.
    learning.retrain()
    assert LearnedTagger.objects.filter(tag=tag).count() == 2
    assert LearnedTagger.objects.get(tag=tag, is_active=True).version == 2


@pytest.mark.django_db
def test_learned_tagger_waits_for_enough_labels_of_both_kinds(settings):
    settings.TAGGING_LEARNED_MIN_LABELS = 4
    tag = make_tag("rain")
    for _ in range(6):
        _label(tag, {"brightness": 0.3}, True)
    assert "skipped" in learning.retrain()["rain"]
    assert not LearnedTagger.objects.exists()


@pytest.mark.django_db
def test_learned_tagger_keeps_the_previous_model_when_labels_are_noise(settings):
    settings.TAGGING_LEARNED_MIN_LABELS = 4
    tag = make_tag("noise")
    same = {"brightness": 0.5}
    for k in range(10):
        _label(tag, same, k % 2 == 0)  # identical features, opposite labels: nothing to learn
    learning.retrain()
    assert not LearnedTagger.objects.filter(tag=tag, is_active=True).exists()
    assert LearnedTagger.objects.filter(tag=tag, is_active=False).count() == 1


@pytest.mark.django_db
def test_retrain_task_uses_labels_from_reviewed_keyframes(settings, tmp_path):
    from django.core.files.base import ContentFile

    from catalog.models import MediaAsset
    from tagging import services, tasks
    from tagging.models import TagSuggestion

    settings.MEDIA_ROOT = tmp_path
    settings.TAGGING_LEARNED_MIN_LABELS = 2
    title = make_title()
    asset = MediaAsset.objects.create(title=title, kind="video", role="trailer", file="x.avi", status="ready")
    tag = make_tag("sunset")
    ids = []
    for k in range(6):
        shot = Shot.objects.create(asset=asset, index=k, start_frame=k, end_frame=k, start_s=k, end_s=k + 1,
                                   transition="cut")
        keyframe = Keyframe(shot=shot, frame=k, quality=0.5, features={"brightness": 0.9 if k % 2 else 0.1})
        keyframe.image.save(f"{k}.jpg", ContentFile(b"x"), save=False)
        keyframe.save()
        ids.append((k % 2, TagSuggestion.objects.create(title=title, keyframe=keyframe, tag=tag, tagger="clip",
                                                        confidence=0.5).pk))
    services.approve([pk for odd, pk in ids if odd])
    services.reject([pk for odd, pk in ids if not odd])
    result = tasks.retrain_learned_tagger.apply().get()
    assert "sunset" in result
    assert TrainingLabel.objects.filter(tag=tag).count() == 6


@pytest.mark.django_db
def test_retraining_takes_the_job_lock_itself_so_every_caller_is_serialised():
    from django.core.management import call_command
    from job_locks import lock_held_elsewhere

    from jobs import JobAlreadyRunning
    from tagging import tasks

    with lock_held_elsewhere(learning.LOCK_NAME):
        with pytest.raises(JobAlreadyRunning):
            learning.retrain()
        assert tasks.retrain_learned_tagger.apply().get() == {"skipped": "another retraining is running"}
        err = io.StringIO()
        call_command("retrain_taggers", "--skip-synopsis", stderr=err)
        assert "another retraining is running" in err.getvalue()
    assert learning.retrain() == {}


def test_the_synopsis_threshold_is_the_lowest_that_reaches_the_target_precision():
    from tagging.text_tags import threshold_for_precision

    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    labels = np.array([True, True, False, True, False, False])
    # At 0.6: 3 right of 4 (0.75); at 0.8: 2 of 2. At 0.7, 2 of 3 (0.667).
    assert threshold_for_precision(scores, labels, 0.75) == (0.6, 0.75, 1.0)
    assert threshold_for_precision(scores, labels, 0.8) == (0.8, 1.0, 2 / 3)
    assert threshold_for_precision(scores, labels[::-1] & False, 0.5) is None


def test_the_precision_lower_bound_asks_for_more_evidence_than_the_point_estimate():
    from tagging.text_tags import threshold_for_precision, wilson_lower

    assert wilson_lower(8, 10, 1.28) < 0.8 < wilson_lower(80, 90, 1.28)
    # The top 50 are right, the rest wrong: at P >= 0.95 the point estimate also takes two wrong ones
    # (50 of 52 = 0.96); the 90 % lower bound of 50 of 52 is below 0.95, so it stops at the clean top 50.
    scores = np.linspace(1, 0, 100)
    labels = np.arange(100) < 50
    point = threshold_for_precision(scores, labels, 0.95)
    bounded = threshold_for_precision(scores, labels, 0.95, z=1.28)
    assert point[0] == scores[51] and bounded[0] == scores[49]
    assert bounded[1] == 1.0 and point[1] == 50 / 52
