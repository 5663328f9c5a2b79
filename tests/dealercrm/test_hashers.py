"""The password hash's cost (issue 19): Argon2id at 19 MiB, 2 passes, 1 lane; hashes made at
Django's default cost (100 MiB, 8 lanes) still log in and are rewritten at the new cost."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters
from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2
from django.contrib.auth.hashers import check_password, make_password

from dealercrm import settings as settings_module
from dealercrm.hashers import Argon2PasswordHasher

HASHERS = ["dealercrm.hashers.Argon2PasswordHasher"]
PASSWORD = "correct horse battery"


def _params(encoded: str):
    return extract_parameters("$" + encoded.split("$", 1)[1])


def test_the_settings_hash_with_the_tuned_argon2():
    assert settings_module.PASSWORD_HASHERS[0] == "dealercrm.hashers.Argon2PasswordHasher"
    # one hasher per algorithm name: Django's own would shadow or be shadowed by ours
    assert not any(
        h.endswith("hashers.Argon2PasswordHasher") for h in settings_module.PASSWORD_HASHERS[1:]
    )


def test_new_hashes_use_19_mib_two_passes_one_lane(settings):
    settings.PASSWORD_HASHERS = HASHERS
    params = _params(make_password(PASSWORD))
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19_456, 2, 1)
    assert params.type.name == "ID"


def test_a_hash_at_djangos_default_cost_verifies_and_is_rewritten(settings):
    settings.PASSWORD_HASHERS = HASHERS
    old = DjangoArgon2().encode(PASSWORD, DjangoArgon2().salt())
    assert _params(old).memory_cost == DjangoArgon2.memory_cost  # 100 MiB
    assert Argon2PasswordHasher().must_update(old)
    rewritten = []
    assert check_password(PASSWORD, old, setter=rewritten.append)
    assert rewritten == [PASSWORD]  # Django re-hashes with the raw password it just checked
    assert not check_password("wrong", old)


@pytest.mark.django_db
def test_logging_in_rewrites_an_old_hash(client, settings, manager):
    settings.PASSWORD_HASHERS = HASHERS
    manager.password = DjangoArgon2().encode(PASSWORD, DjangoArgon2().salt())
    manager.save(update_fields=["password"])
    response = client.post("/login/", {"username": manager.username, "password": PASSWORD})
    assert response.status_code == 302
    manager.refresh_from_db()
    assert _params(manager.password).memory_cost == 19_456
    assert check_password(PASSWORD, manager.password)
