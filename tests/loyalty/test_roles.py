"""dealercrm.roles, the gold-card programme's predicates: every role through each one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from dealercrm import roles
from dealercrm.jobs import system_actor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ALL = ("archivist", "manager", "service", "executive", "outsider", "superuser", "anonymous")
ARCHIVIST = {"archivist", "superuser"}
WATCHERS = {"archivist", "executive", "superuser"}
SALES = {"archivist", "manager", "executive", "superuser"}

LOYALTY = {
    roles.can_manage_gold_cards: ARCHIVIST,
    roles.can_view_gold_programme: SALES,
    roles.can_view_all_gold_programme: WATCHERS,
    roles.can_view_gold_candidates: WATCHERS,
    roles.can_redeem_credits: ARCHIVIST,
    roles.can_sync_credits: ARCHIVIST,
    roles.can_view_account_lists: SALES,
    roles.can_write_tender: ARCHIVIST,
}


@pytest.fixture
def people(archivist, manager, service_user, executive, outsider, superuser):
    return {
        "archivist": archivist,
        "manager": manager,
        "service": service_user,
        "executive": executive,
        "outsider": outsider,
        "superuser": superuser,
        "anonymous": AnonymousUser(),
        "inactive": UserFactory(username="former_archivist", role="archivist", is_active=False),
    }


@pytest.mark.parametrize("predicate", list(LOYALTY), ids=lambda p: p.__name__)
def test_loyalty_predicates_for_every_role(people, predicate):
    for role in ALL:
        assert predicate(people[role]) is (role in LOYALTY[predicate]), (
            f"{predicate.__name__}({role})"
        )
    assert predicate(people["inactive"]) is False


def test_the_system_actor_earns_credits_and_nothing_else():
    system = system_actor()
    assert roles.can_sync_credits(system)
    assert not roles.can_manage_gold_cards(system)
    assert not roles.can_redeem_credits(system)
