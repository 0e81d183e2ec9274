"""Tags shown to subscribers (issue 20): only stated or confident tags of genre/mood/theme kinds; one row per tag."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from catalog.models import Tag, TitleTag, subscriber_tag_names
from factories import make_account, make_profile, make_tag, make_title, signed_in
from tagging import pipeline, services
from tagging.models import TagSuggestion

pytestmark = pytest.mark.django_db


def tag(name: str, kind: str) -> Tag:
    made = make_tag(name)
    Tag.objects.filter(pk=made.pk).update(kind=kind)
    return Tag.objects.get(pk=made.pk)


def put(title, name: str, kind: str, source: str, confidence: float = 1.0) -> TitleTag:
    return TitleTag.objects.create(title=title, tag=tag(name, kind), source=source, confidence=confidence)


@pytest.fixture
def robot_film(settings):
    settings.SUBSCRIBER_MODEL_TAG_MIN_CONFIDENCE = 0.8
    title = make_title("The Iron Machine")
    put(title, "artificial intelligence", "theme", "staff")
    put(title, "slow burn", "mood", "model", 0.91)  # confident model tag of a subscriber kind
    put(title, "ghosts", "theme", "model", 0.55)  # unconfident: internal
    put(title, "green palette", "descriptor", "model", 0.99)  # descriptors stay internal however sure
    put(title, "on-screen text", "descriptor", "model", 0.95)
    put(title, "people", "descriptor", "staff")  # even staff-approved (a keyframe label for training)
    put(title, "in netflix queue", "other", "imported")  # unclassified MovieLens word
    put(title, "robots", "theme", "imported")
    return title


def test_only_stated_or_confident_tags_of_subscriber_kinds_are_shown(robot_film):
    assert subscriber_tag_names(robot_film) == ["artificial intelligence", "robots", "slow burn"]


def test_the_title_page_lists_the_subscriber_tags_only(client, robot_film):
    signed_in(client, make_profile())
    page = client.get(reverse("storefront:title", args=[robot_film.pk])).content.decode()
    tags = page[page.index('aria-label="Tags"') :].split("</ul>", 1)[0]
    for shown in ("artificial intelligence", "robots", "slow burn"):
        assert f"<li>{shown}</li>" in tags
    for hidden in ("ghosts", "green palette", "on-screen text", "people", "in netflix queue"):
        assert hidden not in tags


def test_the_threshold_is_the_setting(settings, robot_film):
    settings.SUBSCRIBER_MODEL_TAG_MIN_CONFIDENCE = 0.5
    assert "ghosts" in subscriber_tag_names(robot_film)


def test_a_tag_is_stored_once_per_title_whatever_the_source():
    title = make_title()
    put(title, "heist", "theme", "model", 0.7)
    with pytest.raises(IntegrityError), transaction.atomic():
        TitleTag.objects.create(title=title, tag=Tag.objects.get(name="heist"), source="staff")


def test_approving_a_model_tag_turns_its_row_into_staffs():
    title = make_title()
    put(title, "heist", "theme", "model", 0.7)
    suggestion = TagSuggestion.objects.create(
        title=title, tag=Tag.objects.get(name="heist"), tagger="synopsis", confidence=0.7
    )
    services.approve([suggestion.pk], make_account(is_staff=True))
    assert list(TitleTag.objects.filter(title=title).values_list("source", "confidence")) == [("staff", 1.0)]


def test_the_model_never_overwrites_a_staff_or_imported_row(settings):
    settings.TAGGING_MODEL_TAG_THRESHOLD = 0.3
    title = make_title(tags=["heist"])
    imported = put(title, "space", "theme", "imported")
    for name in ("heist", "space", "winter"):
        TagSuggestion.objects.create(title=title, tag=make_tag(name), tagger="synopsis", confidence=0.6)
    pipeline.sync_model_tags(title)
    rows = dict(TitleTag.objects.filter(title=title).values_list("tag__name", "source"))
    assert rows == {"heist": "staff", "space": "imported", "winter": "model"}
    assert TitleTag.objects.get(pk=imported.pk).confidence == 1.0
    # The model drops only its own rows when it stops proposing a tag.
    TagSuggestion.objects.filter(title=title).delete()
    pipeline.sync_model_tags(title)
    assert dict(TitleTag.objects.filter(title=title).values_list("tag__name", "source")) == {
        "heist": "staff",
        "space": "imported",
    }


def test_importing_a_tag_the_model_proposed_makes_it_imported(tmp_path):
    from test_import_movielens import run_import, write_movielens

    folder = write_movielens(tmp_path / "ml")
    run_import(folder)
    toy_story = TitleTag.objects.get(tag__name="pixar").title
    TitleTag.objects.filter(title=toy_story).delete()
    put(toy_story, "pixar", "other", "model", 0.4)
    run_import(folder)
    assert list(TitleTag.objects.filter(title=toy_story).values_list("source", "confidence")) == [
        ("imported", 1.0)
    ]


@pytest.mark.django_db(transaction=True)
def test_the_migration_merges_duplicates_keeping_the_strongest_source():
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("catalog", "0002_tag_kind")])  # the old constraint: once per source
        old = executor.loader.project_state([("catalog", "0002_tag_kind")]).apps
        Title, Tag_, TitleTag_ = (old.get_model("catalog", m) for m in ("Title", "Tag", "TitleTag"))
        title = Title.objects.create(name="Doubled")
        heist, space, winter = (Tag_.objects.create(name=n, slug=n) for n in ("heist", "space", "winter"))
        for source, confidence in (("model", 0.9), ("staff", 1.0), ("imported", 1.0)):
            TitleTag_.objects.create(title=title, tag=heist, source=source, confidence=confidence)
        TitleTag_.objects.create(title=title, tag=space, source="model", confidence=0.6)
        TitleTag_.objects.create(title=title, tag=space, source="imported", confidence=1.0)
        TitleTag_.objects.create(title=title, tag=winter, source="model", confidence=0.5)
        executor = MigrationExecutor(connection)
        executor.migrate([("catalog", "0004_unique_title_tag")])
        rows = dict(TitleTag.objects.filter(title_id=title.pk).values_list("tag__name", "source"))
        assert rows == {"heist": "staff", "space": "imported", "winter": "model"}
    finally:
        call_command("migrate", verbosity=0)


def test_the_demo_vocabulary_is_taggings_data_file_and_every_word_is_subscriber_facing(settings, tmp_path):
    from catalog.vocabulary import VocabularyError, read_vocabulary

    words = read_vocabulary(settings.TAGGING_VOCABULARY_FILE)
    assert settings.TAGGING_VOCABULARY_FILE.endswith("tagging/vocabulary.json") and len(words) == 40
    assert {w.kind for w in words} <= set(Tag.SUBSCRIBER_KINDS)
    bad = tmp_path / "vocabulary.json"
    bad.write_text('{"tags": [{"name": "heist", "kind": "heist-ish", "description": "a robbery"}]}')
    with pytest.raises(VocabularyError, match=r"vocabulary.json: tag 1 \(heist\): field \"kind\""):
        read_vocabulary(bad)
