"""The insights admin: charts per region and week with a selector, and the forecast form; staff only."""

import pytest
from django.urls import reverse
from test_insights_trends import NOW, THIS_WEEK, market  # noqa: F401  (fixture)

from factories import make_account
from insights import trends
from recommendations import training

pytestmark = pytest.mark.django_db
pytest_plugins = ["recommendations_world"]


@pytest.fixture
def staff_client(client):
    client.force_login(make_account("analyst@x.test", is_staff=True, is_superuser=True))
    return client


def test_charts_page_draws_the_selected_region_and_week(staff_client, market):  # noqa: F811
    trends.refresh_trends(now=NOW)
    url = reverse("admin:insights_trend_charts")
    body = staff_client.get(url, {"region": "US", "week": THIS_WEEK.isoformat()}).content.decode()
    assert body.count("<svg") >= 7 and "The Riser" in body and 'value="IS"' in body
    assert "Titles rising in US" in body and "Catalogue gaps in US" in body
    # The tiny region: charts say nothing rose, never a 500.
    body = staff_client.get(url, {"region": "IS", "week": "not-a-week"}).content.decode()
    assert "No significant change this week" in body


def test_the_insights_pages_are_staff_only(client):
    for name in ("admin:insights_trend_charts", "admin:insights_trend_forecast"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_forecast_form_answers_per_region(staff_client, world):
    training.train_recommender()
    url = reverse("admin:insights_trend_forecast")
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(
        url, {"name": "Kaboom", "genres": ["action"], "tags": ["explosions"], "year": "2003"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Audience forecast per region" in body
    assert "would have it in their top 50" in body and "Action " in body
    bad = staff_client.post(url, {"name": "", "year": "soon"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
