"""The public commands: export in MovieLens ids with the exact header, recommend --json, train, evaluate."""

import csv
import json

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from recommendations import training
from recommendations.models import ModelVersion

pytestmark = pytest.mark.django_db
pytest_plugins = ["recommendations_world"]


def give_movielens_ids(world):
    for n, profile in enumerate(world.fans["action"] + world.fans["romance"], start=1):
        User.objects.filter(pk=profile.account_id).update(movielens_user_id=1000 + n)
    for n, title in enumerate(world.action + world.romance, start=1):
        title.movielens_id = 5000 + n
        title.save(update_fields=["movielens_id"])


def test_export_writes_movielens_ids_with_the_exact_header(world, tmp_path):
    give_movielens_ids(world)
    training.train_recommender()
    out = tmp_path / "recs.csv"
    call_command("export_recommendations", "-k", "3", "--out", str(out), "--no-progress", stdout=open("/dev/null", "w"))
    lines = out.read_text().splitlines()
    assert lines[0] == "user_id,title_id,rank,score"
    rows = list(csv.DictReader(lines))
    users = {int(r["user_id"]) for r in rows}
    assert users == set(User.objects.filter(movielens_user_id__isnull=False).values_list("movielens_user_id", flat=True))
    assert all(5001 <= int(r["title_id"]) <= 5020 for r in rows)
    for user in users:
        ranks = [int(r["rank"]) for r in rows if int(r["user_id"]) == user]
        assert ranks == list(range(1, len(ranks) + 1)) and len(ranks) <= 3
    # Nothing the user has already watched or rated comes back.
    fan = world.fans["action"][0]
    fan.account.refresh_from_db()
    seen = set(fan.viewing_events.values_list("title__movielens_id", flat=True)) | set(
        fan.ratings.values_list("title__movielens_id", flat=True)
    )
    mine = {int(r["title_id"]) for r in rows if int(r["user_id"]) == fan.account.movielens_user_id}
    assert mine and not mine & seen


def test_export_refuses_a_missing_folder(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_recommendations", "-k", "3", "--out", str(tmp_path / "nope" / "x.csv"))


def test_recommend_json(world, capsys):
    training.train_recommender()
    fan = world.fans["romance"][0]
    call_command("recommend", "--profile", str(fan.pk), "-n", "4", "--json")
    payload = json.loads(capsys.readouterr().out)
    assert payload["profile"] == fan.pk and payload["model_version"] == 1
    assert [i["rank"] for i in payload["items"]] == list(range(1, len(payload["items"]) + 1))
    assert 0 < len(payload["items"]) <= 4 and all(i["reason"] and i["title"] for i in payload["items"])


def test_recommend_unknown_profile_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no such profile"):
        call_command("recommend", "--profile", "999999")


def test_train_command_runs_in_the_foreground(world, capsys):
    call_command("train_recommender", "--no-progress")
    assert "v1: Active" in capsys.readouterr().out
    assert ModelVersion.objects.get().is_active


def test_evaluate_prints_both_protocols_with_every_baseline(world, capsys):
    call_command("evaluate_recommender")
    out = capsys.readouterr().out
    for word in ("time split", "stratified split", "hybrid", "popularity", "item_knn", "user_knn", "ease", "lightfm_default", "NDCG@10"):
        assert word in out
