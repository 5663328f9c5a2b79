"""The per-address login rule (issue 15, part 6): a guessing script from one address is
locked out; an office behind one address is not locked out by one clumsy colleague."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from dealercrm.models import KnownLoginAddress, LoginThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345678"
OFFICE = "10.8.0.7"
ELSEWHERE = "203.0.113.50"


@pytest.fixture(autouse=True)
def default_limits(settings):
    # the shipped defaults, whatever the environment says
    settings.DEALERCRM = {
        **settings.DEALERCRM,
        "LOGIN_FAILURES_PER_USER": 5,
        "LOGIN_FAILURES_PER_IP": 20,
        "LOGIN_WINDOW": 900,
        "LOGIN_LOCK": 900,
        "LOGIN_KNOWN_ADDRESS_DAYS": 90,
    }
    settings.LANGUAGE_CODE = "zh-hans"  # the warning users read (tests otherwise run in English)


def login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def attempts_left(response) -> int | None:
    """The number in 还可尝试 N 次 on the login page (None: no warning)."""
    found = re.search(r"还可尝试\s*(\d+)\s*次", response.content.decode())
    return int(found.group(1)) if found else None


@pytest.fixture
def office():
    """Ten colleagues who log in from the office's one address every day."""
    users = [UserFactory(username=f"staff{i}", role="sales_manager") for i in range(10)]
    for user in users:
        client = Client(REMOTE_ADDR=OFFICE)
        assert login(client, user.username, PASSWORD).status_code == 302
    return users


def test_an_office_keeps_working_while_one_clumsy_colleague_is_locked(office):
    clumsy, *others = office
    # given: everyone mistypes now and then, and one colleague cannot remember his password
    for user in others:
        for _ in range(2):
            assert login(Client(REMOTE_ADDR=OFFICE), user.username, "typo").status_code == 200
    warnings = []
    client = Client(REMOTE_ADDR=OFFICE)
    for _ in range(4):
        response = login(client, clumsy.username, "wrong")
        assert response.status_code == 200
        warnings.append(attempts_left(response))
    locked = login(client, clumsy.username, "wrong")
    # and he tries his name in other spellings, as people do (23 + 15 failures > 20)
    for i in range(15):
        login(client, f"{clumsy.username}x{i}", "wrong")

    # then: he was warned before the lock, and is locked out, his right password included
    assert warnings == [4, 3, 2, 1]
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert "还可尝试" not in locked.content.decode()
    assert login(client, clumsy.username, PASSWORD).status_code == 429
    # the other nine log in with their right passwords, from the same address
    for user in others:
        colleague = Client(REMOTE_ADDR=OFFICE)
        assert login(colleague, user.username, PASSWORD).status_code == 302, user.username
        assert colleague.session["_auth_user_id"] == str(user.pk)


def test_the_lockout_page_links_back_to_the_login_page(office):
    client = Client(REMOTE_ADDR=OFFICE)
    for _ in range(5):
        response = login(client, office[0].username, "wrong")
    assert response.status_code == 429
    assert 'href="/login/"' in response.content.decode()


def test_a_guessing_script_from_one_address_is_locked_out(office):
    # given: a script at another address tries many names, real and invented
    script = Client(REMOTE_ADDR=ELSEWHERE)
    names = [u.username for u in office] + [f"admin{i}" for i in range(30)]
    answers = [login(script, name, f"guess{n}").status_code for n, name in enumerate(names)]
    # then: twenty failures, then every further try is refused unread
    assert answers[:19] == [200] * 19
    assert set(answers[19:]) == {429}
    assert LoginThrottle.objects.get(scope="ip", key=ELSEWHERE).locked_until is not None
    # even the right password of a real account is refused from that address (the script
    # cannot tell a hit from a miss), and no real user's name was locked by it
    assert login(script, office[3].username, PASSWORD).status_code == 429
    assert not LoginThrottle.objects.filter(scope="username", locked_until__isnull=False).exists()
    # the office, elsewhere, is not affected
    assert login(Client(REMOTE_ADDR=OFFICE), office[3].username, PASSWORD).status_code == 302


def test_a_script_guessing_one_name_is_locked_after_five_tries_from_anywhere(office):
    for n in range(5):
        login(Client(REMOTE_ADDR=f"198.51.100.{n}"), office[0].username, f"guess{n}")
    # the per-user-name lock is kept: the name is locked at every address, the office too
    assert login(Client(REMOTE_ADDR=OFFICE), office[0].username, PASSWORD).status_code == 429
    assert login(Client(REMOTE_ADDR=OFFICE), office[1].username, PASSWORD).status_code == 302


def test_an_address_becomes_known_only_by_a_successful_login(office):
    assert set(KnownLoginAddress.objects.values_list("username", "ip")) == {
        (u.username, OFFICE) for u in office
    }
    login(Client(REMOTE_ADDR=ELSEWHERE), office[0].username, "wrong")
    assert KnownLoginAddress.objects.count() == len(office)


def test_the_token_endpoint_warns_before_the_lock_too(office):
    api = APIClient(REMOTE_ADDR=OFFICE)
    bodies = [
        api.post("/api/v1/auth/token/", {"username": "staff0", "password": "x"}, format="json")
        for _ in range(4)
    ]
    assert [b.status_code for b in bodies] == [400] * 4
    assert [attempts_left_api(b.json()) for b in bodies] == [4, 3, 2, 1]
    locked = api.post("/api/v1/auth/token/", {"username": "staff0", "password": "x"})
    assert locked.status_code == 429
    # a colleague at the same address still gets a token
    good = api.post("/api/v1/auth/token/", {"username": "staff1", "password": PASSWORD})
    assert good.status_code == 200 and good.json()["token"]


def attempts_left_api(body: dict) -> int | None:
    for message in body["non_field_errors"]:
        found = re.search(r"还可尝试\s*(\d+)\s*次", message)
        if found:
            return int(found.group(1))
    return None
