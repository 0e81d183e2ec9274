"""Staff actions keep to the staff member's role: a support agent, a content editor and a superuser.

Every dashboard button, the tagging review pages and the admin actions that change a model check
that model's permission, exactly as the admin's own pages do.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_celery_results.models import TaskResult

from accounts.groups import CONTENT_EDITORS, SUPPORT_AGENTS
from catalog.models import MediaAsset, TitleTag
from factories import make_account, make_tag, make_title
from tagging.models import TagSuggestion

pytestmark = pytest.mark.django_db


def staff_member(group_name: str | None, *, superuser: bool = False):
    user = make_account(is_staff=True, is_superuser=superuser)
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def roles():
    return {
        "agent": staff_member(SUPPORT_AGENTS),
        "editor": staff_member(CONTENT_EDITORS),
        "superuser": staff_member(None, superuser=True),
    }


@pytest.fixture
def enqueued(monkeypatch):
    """Record the jobs the dashboard would queue instead of sending them."""
    from recommendations import services as recommendations
    from storefront.views import staff
    from tagging import services as tagging

    sent = []
    monkeypatch.setattr(recommendations, "enqueue_training", lambda: sent.append("train") or "t-train")
    monkeypatch.setattr(tagging, "enqueue_retag", lambda pk: sent.append("retag") or "t-retag")
    monkeypatch.setattr(staff, "enqueue_search_index_rebuild", lambda: sent.append("search") or "t-search")
    return sent


# (action, role) -> HTTP status; 302 is the dashboard's redirect after queueing.
DASHBOARD_ACTIONS = [
    ("retrain", "agent", 403), ("retrain", "editor", 403), ("retrain", "superuser", 302),
    ("rebuild_search_index", "agent", 403), ("rebuild_search_index", "editor", 403),
    ("rebuild_search_index", "superuser", 302),
    ("retag", "agent", 403), ("retag", "editor", 302), ("retag", "superuser", 302),
]
JOB_OF = {"retrain": "train", "rebuild_search_index": "search", "retag": "retag"}


@pytest.mark.parametrize(("action", "role", "status"), DASHBOARD_ACTIONS)
def test_dashboard_actions_need_the_permission_of_the_model_they_change(client, roles, enqueued, action, role, status):
    title = make_title("Needs Tags")
    client.force_login(roles[role])

    response = client.post(reverse(f"marquee_dashboard:{action}"), {"title": title.pk})

    assert response.status_code == status
    assert enqueued == ([JOB_OF[action]] if status == 302 else [])


def test_the_dashboard_shows_each_role_only_the_buttons_it_may_use(client, roles):
    pages = {}
    for role, user in roles.items():
        client.force_login(user)
        pages[role] = client.get(reverse("marquee_dashboard:index")).content.decode()

    assert reverse("marquee_dashboard:retrain") not in pages["agent"]
    assert reverse("marquee_dashboard:retag") not in pages["agent"]
    assert reverse("marquee_dashboard:retrain") not in pages["editor"]
    assert reverse("marquee_dashboard:retag") in pages["editor"]
    assert all(reverse(f"marquee_dashboard:{a}") in pages["superuser"] for a in JOB_OF)
    assert "Most searched" not in pages["agent"] and "Most searched" in pages["superuser"]
    # Job history (task results), tagging status and impressions follow the admin's view permissions.
    assert "Job history" in pages["superuser"] and "Job history" not in pages["agent"] + pages["editor"]
    assert "Tagging status per title" in pages["editor"] and "Tagging status per title" not in pages["agent"]
    assert "Impressions per day" in pages["superuser"] and "Impressions per day" not in pages["agent"]


def test_every_staff_role_may_watch_the_queues_and_subscribers_may_not(client, roles):
    for user in roles.values():
        client.force_login(user)
        assert client.get(reverse("marquee_dashboard:queues")).status_code == 200
    client.force_login(make_account())
    assert client.get(reverse("marquee_dashboard:queues")).status_code == 302


def test_task_tracebacks_are_only_for_staff_who_may_read_task_results(client, roles, enqueued):
    TaskResult.objects.create(task_id="t-secret", status="FAILURE", traceback="Traceback: secret path")
    TaskResult.objects.create(task_id="t-retag", status="FAILURE", traceback="Traceback: retag path")
    url = reverse("marquee_dashboard:task_status", args=["t-secret"])

    client.force_login(roles["agent"])
    assert client.get(url).status_code == 403

    client.force_login(roles["editor"])
    assert client.get(url).status_code == 403
    client.post(reverse("marquee_dashboard:retag"), {"title": make_title().pk})
    own = client.get(reverse("marquee_dashboard:task_status", args=["t-retag"]))
    assert own.status_code == 200 and own.json()["status"] == "FAILURE" and own.json()["traceback"] == ""

    client.force_login(roles["superuser"])
    assert "secret path" in client.get(url).json()["traceback"]


@pytest.fixture
def suggestion():
    title = make_title("Night Heist")
    MediaAsset.objects.create(title=title, kind="video", role="trailer", file="x.avi", status="ready")
    return TagSuggestion.objects.create(title=title, tag=make_tag("dark"), tagger="synopsis", confidence=0.8)


@pytest.mark.parametrize(("role", "status"), [("agent", 403), ("editor", 200), ("superuser", 200)])
def test_the_title_tags_review_page_needs_the_review_permission(client, roles, suggestion, role, status):
    client.force_login(roles[role])
    assert client.get(reverse("tagging:title_tags", args=[suggestion.title_id])).status_code == status


@pytest.mark.parametrize(("role", "approved"), [("agent", False), ("editor", True), ("superuser", True)])
def test_approving_suggestions_in_the_review_queue_needs_the_change_permission(client, roles, suggestion, role,
                                                                              approved):
    client.force_login(roles[role])
    url = reverse("admin:tagging_tagsuggestion_changelist")

    client.post(url, {"action": "approve_selected", "_selected_action": [suggestion.pk]})

    assert TitleTag.objects.filter(title=suggestion.title, source="staff").exists() is approved


def test_an_agent_who_may_only_view_model_versions_cannot_retrain_or_roll_back_in_the_admin(client, roles, enqueued):
    agent = roles["agent"]
    from django.contrib.auth.models import Permission

    agent.user_permissions.add(Permission.objects.get(codename="view_modelversion"))
    client.force_login(agent)

    client.post(reverse("admin:recommendations_modelversion_retrain"))
    changelist = client.get(reverse("admin:recommendations_modelversion_changelist"))

    assert enqueued == []
    assert changelist.status_code == 200 and "roll_back_to_version" not in changelist.content.decode()


def test_an_agent_sees_engine_versions_but_cannot_rebuild_or_activate_them(client, roles):
    client.force_login(roles["agent"])
    page = client.get(reverse("admin:support_bot_engineindex_changelist"))
    assert page.status_code == 200
    assert "rebuild_now" not in page.content.decode() and "activate_version" not in page.content.decode()


@pytest.mark.parametrize(("role", "status", "approved"), [("agent", 403, False), ("editor", 302, True),
                                                         ("superuser", 302, True)])
def test_one_click_approve_needs_the_tagging_reviewer_right(client, roles, suggestion, role, status, approved):
    client.force_login(roles[role])
    url = reverse("tagging:decide_suggestion", args=[suggestion.pk, "approve"])

    assert client.get(url).status_code == 405  # a click is a POST, never a link
    response = client.post(url)

    assert response.status_code == status
    suggestion.refresh_from_db()
    assert (suggestion.status == "approved") is approved
    assert TitleTag.objects.filter(title=suggestion.title, source="staff").exists() is approved


def test_one_click_reject_needs_the_csrf_token_and_returns_to_the_list(roles, suggestion):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(roles["editor"])
    changelist = reverse("admin:tagging_tagsuggestion_changelist")
    page = client.get(changelist).content.decode()
    reject = reverse("tagging:decide_suggestion", args=[suggestion.pk, "reject"])
    assert f'formaction="{reject}"' in page  # the button on the suggestion's row

    assert client.post(reject).status_code == 403  # no token: refused
    token = client.cookies["csrftoken"].value
    response = client.post(reject, {"csrfmiddlewaretoken": token}, HTTP_REFERER=f"http://testserver{changelist}?tagger=synopsis")

    suggestion.refresh_from_db()
    assert suggestion.status == "rejected" and response["Location"] == f"http://testserver{changelist}?tagger=synopsis"
    assert client.post(reverse("tagging:decide_suggestion", args=[suggestion.pk, "maybe"]),
                       {"csrfmiddlewaretoken": token}).status_code == 404


def test_the_media_asset_admin_shows_poster_previews(client, roles, suggestion):
    poster = MediaAsset.objects.create(title=suggestion.title, kind="image", role="poster", file="titles/1/p.png",
                                       status="ready")
    client.force_login(roles["editor"])

    listing = client.get(reverse("admin:catalog_mediaasset_changelist")).content.decode()
    change = client.get(reverse("admin:catalog_mediaasset_change", args=[poster.pk])).content.decode()

    assert listing.count('loading="lazy"') == 1 and "titles/1/p.png" in listing and "▶ Trailer" in listing
    assert 'style="height:320px' in change and "titles/1/p.png" in change
