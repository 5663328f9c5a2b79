"""Issue 17 part 4: the archivist fills her own queue — a button queues the refresh as a
Celery task (eager in tests), with its state on the queue page; nobody else may."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from customers.matching import refresh_jobs
from customers.models import DuplicateCandidate, MatchRun
from tests.factories import CustomerFactory, PhoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_state():
    cache.delete(refresh_jobs.STATE_KEY)
    yield
    cache.delete(refresh_jobs.STATE_KEY)


def test_the_button_queues_the_refresh_and_the_queue_fills(
    client, archivist, django_capture_on_commit_callbacks
):
    liu = CustomerFactory(name="刘文才", address="青驼镇刘家庄村")
    cai = CustomerFactory(name="刘文财", address="青驼镇刘家庄村")
    PhoneFactory(customer=liu, raw="13853991234")
    PhoneFactory(customer=cai, raw="138-5399-1234")
    client.force_login(archivist)
    page = client.get("/customers/duplicates/").content.decode()
    assert "/customers/duplicates/refresh/" in page and "find_duplicates" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/customers/duplicates/refresh/")
    assert response.status_code == 302
    pair = DuplicateCandidate.objects.get()
    assert {pair.low_id, pair.high_id} == {liu.pk, cai.pk}
    assert MatchRun.objects.count() == 1
    state = client.get("/customers/duplicates/refresh/progress/").json()
    assert state["state"] == "done" and state["running"] is False
    page = client.get("/customers/duplicates/").content.decode()
    assert 'data-testid="refresh-done"' in page


def test_a_second_click_while_running_queues_nothing(client, archivist, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "customers.tasks.refresh_duplicates_task.delay", lambda *a: queued.append(a)
    )
    client.force_login(archivist)
    assert refresh_jobs.refresh_start(actor=archivist) is True
    assert refresh_jobs.refresh_start(actor=archivist) is False
    state = client.get("/customers/duplicates/refresh/progress/").json()
    assert state["state"] == "queued" and state["running"] is True
    page = client.get("/customers/duplicates/").content.decode()
    assert 'data-testid="refresh-progress"' in page and "import-progress.js" in page


@pytest.mark.parametrize("role", ["manager", "executive", "service_user"])
def test_only_the_archivist_may_refresh(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.post("/customers/duplicates/refresh/").status_code == 403
    assert client.get("/customers/duplicates/refresh/progress/").status_code == 403
    assert not MatchRun.objects.exists()
    assert refresh_jobs.refresh_state() == {"state": ""}
