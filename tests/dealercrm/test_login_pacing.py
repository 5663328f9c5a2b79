"""Logins paced server-wide (issue 19): a burst of sign-ins waits its turn in the shared
cache's schedule instead of taking the cores from everyone's pages; never refused."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client

from dealercrm import login_pacing
from tests.factories import UserFactory

# Each test starts its clock at its own moment, so the slots it claims in the shared cache
# (Redis in CI, shared by the tests of one worker) are its own.
_moments = itertools.count(1)


class FakeTime:
    def __init__(self) -> None:
        # far from the real clock, so no test's schedule meets the real one
        self.now = 4_000_000_000.0 + 10_000.0 * next(_moments)
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))


@pytest.fixture
def paced(settings):
    settings.DEALERCRM = {
        **settings.DEALERCRM,
        "LOGINS_PER_SECOND": 5.0,
        "LOGIN_MAX_WAIT": 1.0,
        "LOGIN_WAITING_PER_PROCESS": 8,
    }
    return FakeTime()


def turns(time: FakeTime, n: int) -> list[float]:
    return [login_pacing.take_turn(clock=time.clock, sleep=time.sleep) for _ in range(n)]


def test_logins_arriving_together_are_spread_at_the_set_rate(paced):
    # when four people sign in at the same instant, five a second allowed
    waited = turns(paced, 4)
    # then the first goes at once and each next one a fifth of a second later
    assert waited == pytest.approx([0.0, 0.2, 0.4, 0.6], abs=1e-3)
    assert paced.slept == pytest.approx([0.2, 0.4, 0.6], abs=1e-3)


def test_no_login_waits_longer_than_the_longest_wait(paced):
    # when more arrive at once than one second of slots holds (1 s at 5 a second: 6 slots)
    waited = turns(paced, 8)
    # then the six slots are taken in order, and the others go ahead at once (slowed,
    # never refused)
    assert waited[:6] == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0], abs=1e-3)
    assert waited[6:] == [0.0, 0.0]
    assert max(paced.slept) <= 1.0 + 1e-3


def test_once_the_queue_has_drained_a_login_goes_at_once(paced):
    turns(paced, 3)
    paced.now += 5
    assert turns(paced, 1) == [0.0]


def test_a_login_after_a_short_pause_queues_behind_the_ones_still_waiting(paced):
    turns(paced, 4)  # slots at +0, +0.2, +0.4, +0.6
    paced.now += 0.1
    assert turns(paced, 1) == pytest.approx([0.7], abs=1e-3)  # the slot at +0.8


def test_logins_are_not_paced_when_the_rate_is_zero(settings):
    settings.DEALERCRM = {**settings.DEALERCRM, "LOGINS_PER_SECOND": 0, "LOGIN_MAX_WAIT": 15.0}
    time = FakeTime()
    assert turns(time, 5) == [0.0] * 5
    assert time.slept == []


@pytest.mark.django_db
def test_the_login_page_waits_its_turn_before_checking_the_password(paced, monkeypatch):
    user = UserFactory(username="wang", password="pw-12345678")
    turns_taken: list[str] = []

    def take_turn() -> float:
        turns_taken.append("turn")
        return 0.0

    monkeypatch.setattr(login_pacing, "take_turn", take_turn)
    client = Client()
    # when a user signs in
    response = client.post("/login/", {"username": "wang", "password": "pw-12345678"})
    # then he waited his turn once, and is signed in
    assert response.status_code == 302
    assert turns_taken == ["turn"]
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_a_paced_login_signs_in_as_any_other(paced, monkeypatch):
    UserFactory(username="li", password="pw-12345678")
    slept: list[float] = []
    monkeypatch.setattr(login_pacing.time, "sleep", slept.append)
    clients = [Client() for _ in range(3)]
    # when three sign in within the same instant (the real clock: they may straddle a slot)
    answers = [c.post("/login/", {"username": "li", "password": "pw-12345678"}) for c in clients]
    # then all three are signed in; at least two of them waited for a later slot
    assert [a.status_code for a in answers] == [302, 302, 302]
    assert all("_auth_user_id" in c.session for c in clients)
    assert len(slept) >= 2 and all(0 < s <= 1.0 for s in slept)


def test_when_the_waiting_room_is_full_a_login_goes_ahead_at_once(paced, settings):
    import threading

    settings.DEALERCRM = {**settings.DEALERCRM, "LOGIN_WAITING_PER_PROCESS": 2}
    release = threading.Event()
    asleep: list[float] = []

    def sleep(seconds: float) -> None:
        asleep.append(seconds)
        release.wait(5)

    def turn() -> float:
        return login_pacing.take_turn(clock=paced.clock, sleep=sleep)

    assert turn() == 0.0  # the first slot is now
    sleepers = [threading.Thread(target=turn) for _ in range(2)]
    for thread in sleepers:
        thread.start()
    for _ in range(500):
        if login_pacing.waiting() == 2 and len(asleep) == 2:
            break
        threading.Event().wait(0.01)
    # when a third would wait while two of this process already do
    assert turn() == 0.0
    # then it went ahead without a slot: the next free one is still right after theirs
    release.set()
    for thread in sleepers:
        thread.join()
    assert login_pacing.waiting() == 0
    assert sorted(asleep) == pytest.approx([0.2, 0.4], abs=1e-3)
    assert login_pacing.take_turn(clock=paced.clock, sleep=paced.sleep) == pytest.approx(
        0.6, abs=1e-3
    )


def test_no_login_waits_when_the_process_keeps_no_waiting_room(paced, settings):
    settings.DEALERCRM = {**settings.DEALERCRM, "LOGIN_WAITING_PER_PROCESS": 0}
    assert turns(paced, 3) == [0.0, 0.0, 0.0]


def test_gunicorn_tells_the_app_how_many_threads_it_runs(monkeypatch):
    # The waiting room (threads - 4) is sized from GUNICORN_THREADS, which the workers
    # inherit from gunicorn.conf.py, whether it was set or left to the default.
    import os
    import runpy

    from django.conf import settings as django_settings

    conf_path = str(django_settings.BASE_DIR / "gunicorn.conf.py")
    monkeypatch.setenv("GUNICORN_THREADS", "6")
    assert runpy.run_path(conf_path)["threads"] == 6
    assert os.environ["GUNICORN_THREADS"] == "6"
    monkeypatch.delenv("GUNICORN_THREADS")
    conf = runpy.run_path(conf_path)
    assert os.environ["GUNICORN_THREADS"] == str(conf["threads"]) == "8"
