"""The dashboard's "rebuild search index" job on a real worker (Redis + PostgreSQL), read back as staff see it."""

import pytest
from waiting import wait_for

from factories import make_title
from search.models import TitleSearchVector
from search.services import enqueue_search_index_rebuild
from storefront import dashboard

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def test_a_worker_rebuilds_the_index_and_the_dashboard_sees_the_result(celery_worker_process):
    make_title("Lantern Protocol", synopsis="Astronauts aboard a failing starship.", tags=["space"])
    make_title("Summer Orchard", synopsis="A chef takes over a restaurant kitchen.", tags=["cooking"])

    task_id = enqueue_search_index_rebuild()  # autocommit here: sent at once
    wait_for(
        lambda: dashboard.task_status(task_id)["done"], 90, "the rebuild did not finish in time", interval=0.3
    )
    status = dashboard.task_status(task_id)

    assert status["status"] == "SUCCESS", status
    assert status["name"] == "search.tasks.rebuild_search_index"
    assert status["result"] == {"titles": 2, "embedded": 2, "unchanged": 0}
    assert TitleSearchVector.objects.count() == 2
