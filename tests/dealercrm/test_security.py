"""Login throttling (429 + Retry-After), the lockout list, and the security log."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from dealercrm.models import LoginThrottle, SecurityEvent

pytestmark = pytest.mark.django_db

LIMITS = {"LOGIN_FAILURES_PER_USER": 3, "LOGIN_FAILURES_PER_IP": 6}


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.DEALERCRM = {**settings.DEALERCRM, **LIMITS}


def fail_login(client, username="manager1", password="wrong-password"):
    return client.post("/login/", {"username": username, "password": password})


def test_user_name_is_locked_after_too_many_failures(client, manager):
    for _ in range(2):
        assert fail_login(client).status_code == 200
    locked = fail_login(client)
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 900
    # even the right password waits until the lock expires
    right = client.post("/login/", {"username": "manager1", "password": "pw-12345678"})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_user_name_lock_is_case_insensitive(client, manager):
    for name in ("manager1", "MANAGER1", "Manager1"):
        fail_login(client, name)
    assert fail_login(client, "manager1").status_code == 429


def test_ip_is_locked_after_guessing_many_names(client, manager):
    for i in range(6):
        fail_login(client, f"nobody{i}")
    response = client.post("/login/", {"username": "manager1", "password": "pw-12345678"})
    assert response.status_code == 429
    assert LoginThrottle.objects.get(scope="ip").locked_until is not None


def test_success_resets_the_user_names_count(client, manager):
    fail_login(client)
    fail_login(client)
    assert (
        client.post("/login/", {"username": "manager1", "password": "pw-12345678"}).status_code
        == 302
    )
    client.logout()
    assert fail_login(client).status_code == 200  # counting starts again


def test_token_endpoint_is_throttled_too(manager):
    api = APIClient()
    for _ in range(2):
        assert (
            api.post("/api/v1/auth/token/", {"username": "manager1", "password": "x"}).status_code
            == 400
        )
    locked = api.post("/api/v1/auth/token/", {"username": "manager1", "password": "x"})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    good = api.post("/api/v1/auth/token/", {"username": "manager1", "password": "pw-12345678"})
    assert good.status_code == 429


def test_login_failures_and_lockouts_are_logged(client, manager):
    for _ in range(3):
        fail_login(client)
    kinds = list(SecurityEvent.objects.values_list("kind", flat=True))
    assert kinds.count("login_failed") == 3 and kinds.count("login_locked") == 1
    event = SecurityEvent.objects.filter(kind="login_failed").first()
    assert event.username == "manager1" and event.ip == "127.0.0.1" and event.path == "/login/"


def test_archivist_sees_and_lifts_a_lockout(client, archivist, manager):
    for _ in range(3):
        fail_login(client)
    archivist_client = client.__class__()
    archivist_client.force_login(archivist)
    page = archivist_client.get("/security/lockouts/")
    assert [(t.scope, t.key) for t in page.context["lockouts"]] == [("username", "manager1")]
    throttle = LoginThrottle.objects.get(scope="username", key="manager1")
    assert archivist_client.post(f"/security/lockouts/{throttle.pk}/clear/").status_code == 302
    assert not LoginThrottle.objects.filter(pk=throttle.pk).exists()
    assert SecurityEvent.objects.filter(kind="lockout_cleared", user=archivist).exists()
    # the manager may log in again at once
    assert (
        client.post("/login/", {"username": "manager1", "password": "pw-12345678"}).status_code
        == 302
    )


def test_managers_cannot_see_or_lift_lockouts(client, manager):
    client.force_login(manager)
    assert client.get("/security/lockouts/").status_code == 403


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("manager", "/customers/{pk}/edit/", 403),  # his own customer, read-only role
        ("other_manager", "/customers/{pk}/", 404),  # exists, not his
    ],
)
def test_denied_browser_access_is_logged(request, client, customer, who, path, status):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(path.format(pk=customer.pk)).status_code == status
    event = SecurityEvent.objects.get(kind="access_denied")
    assert (event.user, event.status, event.path) == (user, status, path.format(pk=customer.pk))


def test_missing_object_is_not_a_denial(client, archivist):
    client.force_login(archivist)
    assert client.get("/customers/99999/").status_code == 404
    assert not SecurityEvent.objects.filter(kind="access_denied").exists()


def test_denied_api_access_is_logged(other_manager, customer):
    assert APIClient().get("/api/v1/customers/").status_code == 401
    api = APIClient()
    api.force_authenticate(other_manager)
    assert api.get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    statuses = sorted(
        SecurityEvent.objects.filter(kind="access_denied").values_list("status", flat=True)
    )
    assert statuses == [401, 404]


def test_role_changes_are_logged(superuser, manager):
    from django.contrib.auth.models import Group

    # get_or_create: under xdist a browser test's flush may have run first on this worker
    # and emptied the groups the data migration made (the role is the group's name)
    manager.groups.add(Group.objects.get_or_create(name="archivist")[0])
    event = SecurityEvent.objects.filter(kind="role_change").latest("id")
    assert event.detail == {"target": "manager1", "action": "post_add", "roles": ["archivist"]}


@override_settings(SESSION_COOKIE_AGE=60)
def test_sessions_expire_after_idle_time(client, manager):
    client.force_login(manager)
    assert client.get("/").status_code == 200
    assert client.session.get_expiry_age() <= 60


def test_password_validators_reject_weak_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("12345678")
