"""Staff dashboard pieces that need no recommender: charts, task status, search terms, the rebuild button."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django_celery_results.models import TaskResult

from activity.models import SearchQuery
from factories import make_account, make_profile
from storefront import dashboard

pytestmark = pytest.mark.django_db


def test_metric_charts_put_each_version_beside_its_baselines():
    history = [
        {
            "version": 1,
            "created_at": "2026-01-01",
            "is_active": False,
            "metrics": {"hybrid": {"ndcg@10": 0.2}, "popularity": {"ndcg@10": 0.1}},
        },
        {
            "version": 2,
            "created_at": "2026-01-02",
            "is_active": True,
            "metrics": {"hybrid": {"ndcg@10": 0.3, "recall@10": 0.4}, "item_knn": {"ndcg@10": 0.25}},
        },
    ]
    rendered = dashboard.metric_charts(history)

    assert len(rendered) == 2  # ndcg@10 and recall@10
    assert "v2 ★" in rendered[0] and "item_knn" in rendered[0] and "lightfm_default" not in rendered[0]


def test_search_term_lists_count_normalised_queries():
    profile = make_profile()
    for text, found in [("Heist", 3), ("heist!", 3), ("zzqxv", 0), ("ZZQXV", 0), ("space", 0)]:
        SearchQuery.objects.create(
            profile=profile, text=text, normalized_text=text.lower().strip("!"), results_count=found
        )

    assert dashboard.search_terms(zero_results=True) == [
        {"normalized_text": "zzqxv", "n": 2},
        {"normalized_text": "space", "n": 1},
    ]
    assert dashboard.search_terms(zero_results=False)[0] == {"normalized_text": "heist", "n": 2}


def test_task_status_reads_progress_and_results():
    TaskResult.objects.create(
        task_id="t-progress",
        status="PROGRESS",
        result=json.dumps({"done": 2, "total": 4, "percent": 50.0, "note": "half"}),
    )
    TaskResult.objects.create(task_id="t-done", status="SUCCESS", result=json.dumps({"embedded": 4}))

    assert dashboard.task_status("t-missing")["status"] == "PENDING"
    assert dashboard.task_status("t-progress")["result"]["percent"] == 50.0
    assert dashboard.task_status("t-done") | {} == {
        "task_id": "t-done",
        "name": None,
        "status": "SUCCESS",
        "result": {"embedded": 4},
        "summary": "embedded: 4",
        "traceback": "",
        "done": True,
    }


def test_only_staff_reach_the_dashboard_endpoints(client):
    client.force_login(make_account())

    response = client.get(reverse("marquee_dashboard:task_status", args=["x"]))

    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_rebuild_button_enqueues_after_commit_and_the_job_is_listed(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    from celery import current_app

    from search import tasks

    sent = []
    monkeypatch.setattr(tasks.rebuild_search_index, "apply_async", lambda **kw: sent.append(kw))
    client.force_login(make_account(is_staff=True, is_superuser=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("marquee_dashboard:rebuild_search_index"))

    assert response.status_code == 302
    # No queue named at the call: CELERY_TASK_ROUTES puts the rebuild on `ml`.
    assert len(sent) == 1 and "queue" not in sent[0]
    assert current_app.amqp.router.route({}, tasks.rebuild_search_index.name)["queue"].name == "ml"
    assert client.session["marquee_dashboard_tasks"][0] == {
        "id": sent[0]["task_id"],
        "label": "Rebuild search index",
    }


@pytest.fixture
def staff_client(client):
    client.force_login(make_account(is_staff=True, is_superuser=True))
    return client


def test_the_admin_index_links_to_the_dashboard_which_renders_charts_and_terms(staff_client):
    profile = make_profile()
    SearchQuery.objects.create(profile=profile, text="qwzx", normalized_text="qwzx", results_count=0)

    index = staff_client.get(reverse("admin:index")).content.decode()
    page = staff_client.get(reverse("marquee_dashboard:index")).content.decode()

    assert reverse("marquee_dashboard:index") in index
    assert page.count("<svg") >= 2 and "Views per day" in page and "ndcg@10 per model version" in page
    assert "qwzx" in page


def test_retrain_and_retag_buttons_enqueue_their_tasks(
    staff_client, monkeypatch, django_capture_on_commit_callbacks
):
    from factories import make_title
    from recommendations import tasks as recommendation_tasks
    from tagging import tasks as tagging_tasks

    sent = []
    monkeypatch.setattr(
        recommendation_tasks.train_recommender_task,
        "apply_async",
        lambda *a, **kw: sent.append(("train", kw)),
    )
    monkeypatch.setattr(tagging_tasks.retag_title, "apply_async", lambda *a, **kw: sent.append(("retag", kw)))
    title = make_title("Needs Tags")

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("marquee_dashboard:retrain"))
        staff_client.post(reverse("marquee_dashboard:retag"), {"title": title.pk})
        bad = staff_client.post(reverse("marquee_dashboard:retag"), {"title": 987654}, follow=True)

    assert [kind for kind, _ in sent] == ["train", "retag"]
    assert sent[1][1]["args"] == (title.pk,)
    labels = [task["label"] for task in staff_client.session["marquee_dashboard_tasks"]]
    assert labels == [f"Re-tag {title}", "Retrain recommendations"]
    assert "Re-tag: there is no title with id &#x27;987654&#x27;." in bad.content.decode()


NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_impressions_and_click_through_per_day_with_today_marked_partial():
    from activity.models import Impression
    from factories import make_title, watch

    profile, seen, ignored = make_profile(), make_title("Seen"), make_title("Ignored")
    yesterday = NOW - timedelta(days=1)
    for title in (seen, ignored):
        Impression.objects.create(profile=profile, title=title, surface="top_picks", shown_at=yesterday)
    Impression.objects.create(
        profile=profile, title=seen, surface="top_picks", shown_at=NOW - timedelta(hours=1)
    )
    watch(
        profile, seen, when=yesterday + timedelta(hours=2)
    )  # a click-through for one of yesterday's two cards
    watch(profile, ignored, when=yesterday - timedelta(hours=2))  # before the card: not a click

    data = dashboard.impressions_per_day(3, now=NOW)
    charts = dashboard.impression_charts(3, now=NOW)

    assert data["labels"] == ["Mar 08", "Mar 09", "Mar 10"]
    assert data["impressions"] == [0.0, 2.0, 1.0] and data["ctr"] == [None, 50.0, 0.0]
    assert all("Mar 10 (partial)" in chart and "its value is partial" in chart for chart in charts)
    assert "click-through Mar 09: 50.0%" in charts[1]


def test_catalogue_and_subscribers_are_running_totals_per_day():
    from accounts.models import User
    from catalog.models import Title
    from factories import make_title

    for days_ago in (5, 1, 1, 0):
        Title.objects.filter(pk=make_title().pk).update(added_at=NOW - timedelta(days=days_ago))
    for days_ago in (2, 0):
        User.objects.filter(pk=make_account().pk).update(date_joined=NOW - timedelta(days=days_ago))
    make_account(is_staff=True)  # staff are not subscribers

    data = dashboard.growth_per_day(3, now=NOW)

    assert data["titles"] == [1.0, 3.0, 4.0] and data["subscribers"] == [1.0, 1.0, 2.0]
    assert "Mar 10 (partial)" in dashboard.growth_chart(3, now=NOW)


def test_rejected_model_versions_are_charted_faded_beside_active_ones():
    history = [
        {
            "version": 1,
            "created_at": "2026-01-01",
            "is_active": True,
            "status": "active",
            "metrics": {"hybrid": {"ndcg@10": 0.3}, "popularity": {"ndcg@10": 0.1}},
        },
        {
            "version": 2,
            "created_at": "2026-01-02",
            "is_active": False,
            "status": "rejected",
            "metrics": {"hybrid": {"ndcg@10": 0.05}, "popularity": {"ndcg@10": 0.1}},
        },
    ]
    chart = dashboard.metric_charts(history)[0]

    assert "v1 ★" in chart and "v2 ✗" in chart and "quality gate rejected" in chart
    assert chart.count('fill-opacity="0.35"') == 2  # both bars of v2, none of v1


def test_tagging_status_per_title_says_what_its_media_add_up_to():
    from catalog.models import MediaAsset
    from factories import make_tag, make_title
    from tagging import services as tagging
    from tagging.models import TagSuggestion

    for name, statuses, pending in [
        ("Broken", ["ready", "failed"], 0),
        ("Busy", ["processing"], 0),
        ("Review", ["ready"], 2),
        ("Bare", ["ready"], 0),
    ]:
        title = make_title(name)
        for status in statuses:
            MediaAsset.objects.create(title=title, kind="image", role="poster", file="p.png", status=status)
        for i in range(pending):
            TagSuggestion.objects.create(
                title=title, tag=make_tag(f"{name}-{i}"), tagger="synopsis", confidence=0.7
            )
    make_title("No media")

    status = tagging.tagging_status()
    by_name = {t["name"]: t for t in status["titles"]}

    assert {n: t["state"] for n, t in by_name.items()} == {
        "Broken": "failed",
        "Busy": "processing",
        "Review": "awaiting review",
        "Bare": "no tags yet",
    }
    assert by_name["Review"]["awaiting_review"] == 2 and status["awaiting_review"] == 2
    assert status["assets"]["Ready"] == 3 and status["assets"]["Failed"] == 1


def test_the_dashboard_shows_job_history_as_text_and_tagging_status(staff_client):
    from factories import make_title

    TaskResult.objects.create(
        task_id="h1",
        task_name="storefront.tasks.rebuild_search_index",
        status="SUCCESS",
        result=json.dumps({"embedded": 41, "skipped": 0}),
    )
    make_title("Tagged Title").media_assets.create(
        kind="image", role="poster", file="p.png", status="processing"
    )

    page = staff_client.get(reverse("marquee_dashboard:index")).content.decode()

    assert "Rebuild search index (storefront)" in page and "embedded: 41; skipped: 0" in page
    assert "&quot;embedded&quot;" not in page and '{"embedded"' not in page
    assert "Tagging status per title" in page and "Tagged Title" in page
    assert "Impressions per day" in page and "Catalogue and subscribers" in page and "(partial)" in page
    assert reverse("marquee_dashboard:queues") in page
