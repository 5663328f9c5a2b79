"""Sliding sessions (dealercrm.sessions): the idle timeout counts from the last request, and
a busy user's session is written at most once per SESSION_REFRESH_SECONDS."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealercrm.sessions import TOUCHED_KEY

pytestmark = pytest.mark.django_db


def _session_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def _log_in(client, user):
    client.force_login(user)
    client.get("/")  # the first page stamps the session
    return Session.objects.get(session_key=client.session.session_key)


def test_pages_within_the_refresh_interval_do_not_write_the_session(client, manager, settings):
    settings.SESSION_REFRESH_SECONDS = 300
    before = _log_in(client, manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/customers/")
    assert response.status_code == 200
    assert _session_writes(queries.captured_queries) == []
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # nothing re-sent
    after = Session.objects.get(session_key=before.session_key)
    assert after.expire_date == before.expire_date


def test_a_request_after_the_interval_slides_the_expiry(client, manager, settings):
    settings.SESSION_REFRESH_SECONDS = 300
    before = _log_in(client, manager)
    stamped = client.session[TOUCHED_KEY]
    later = stamped + 301
    with mock.patch("dealercrm.sessions.time.time", return_value=later):
        response = client.get("/customers/")
    assert response.status_code == 200
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    after = Session.objects.get(session_key=before.session_key)
    assert after.expire_date > before.expire_date
    assert client.session[TOUCHED_KEY] == later


def test_an_idle_session_still_expires(client, manager, settings):
    """Nothing written per request must not mean a session that never expires: the row's
    expiry is the last save plus the cookie age, and an expired row logs the user out."""
    session = _log_in(client, manager)
    Session.objects.filter(pk=session.pk).update(expire_date=session.expire_date.replace(year=2000))
    response = client.get("/customers/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_logging_in_writes_the_session_and_stamps_it(client, manager, settings):
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert isinstance(client.session[TOUCHED_KEY], int)
    assert len(_session_writes(queries.captured_queries)) == 1


def test_anonymous_requests_create_no_session(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/login/")
    assert response.status_code == 200
    assert _session_writes(queries.captured_queries) == []
    assert not Session.objects.exists()
