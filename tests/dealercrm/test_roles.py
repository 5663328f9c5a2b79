"""dealercrm.roles: every role through every predicate (zulip's "every role, every policy").

Each table names the roles a predicate allows; every other role must be refused, an
anonymous visitor and a deactivated archivist included.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from dealercrm import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ALL = ("archivist", "manager", "service", "executive", "outsider", "superuser", "anonymous")


@pytest.fixture
def people(archivist, manager, service_user, executive, outsider, superuser):
    inactive = UserFactory(username="former_archivist", role="archivist", is_active=False)
    return {
        "archivist": archivist,
        "manager": manager,
        "service": service_user,
        "executive": executive,
        "outsider": outsider,
        "superuser": superuser,
        "anonymous": AnonymousUser(),
        "inactive": inactive,
    }


# --- after-sales service, hour meters and parts -------------------------------------------

READERS = {"archivist", "manager", "service", "executive", "superuser"}
DESK = {"archivist", "service", "superuser"}
ARCHIVIST = {"archivist", "superuser"}
MONEY_READERS = {"archivist", "manager", "executive", "superuser"}

AFTER_SALES = {
    roles.can_view_service_records: READERS,
    roles.can_write_service_record: DESK,
    roles.can_edit_closed_service_record: ARCHIVIST,
    roles.can_delete_service_record: ARCHIVIST,
    roles.can_view_service_charges: MONEY_READERS,
    roles.can_write_service_charges: ARCHIVIST,
    roles.can_write_hour_reading: DESK,
    roles.can_delete_hour_reading: ARCHIVIST,
    roles.can_view_maintenance_due: READERS,
    roles.can_view_parts_orders: MONEY_READERS,
    roles.can_write_parts_order: ARCHIVIST,
    roles.can_configure_service: ARCHIVIST,
    roles.can_refresh_maintenance_forecasts: ARCHIVIST,
}


@pytest.mark.parametrize("predicate", list(AFTER_SALES), ids=lambda p: p.__name__)
def test_after_sales_predicates_for_every_role(people, predicate):
    allowed = AFTER_SALES[predicate]
    for role in ALL:
        assert predicate(people[role]) is (role in allowed), f"{predicate.__name__}({role})"
    assert predicate(people["inactive"]) is False


def test_service_staff_write_service_records_but_not_the_dossier(service_user):
    # Their own documents: yes. The customer's name, fleet and any money: no.
    assert roles.can_write_service_record(service_user)
    assert roles.can_write_hour_reading(service_user)
    assert not roles.can_write_dossier(service_user)
    assert not roles.can_write_service_charges(service_user)
    assert not roles.can_view_service_charges(service_user)
    assert not roles.can_write_parts_order(service_user)
    assert not roles.can_view_parts_orders(service_user)


def test_a_manager_reads_but_never_writes_after_sales(manager):
    assert roles.can_view_service_records(manager) and roles.can_view_parts_orders(manager)
    assert not roles.can_write_service_record(manager)
    assert not roles.can_write_hour_reading(manager)
    assert not roles.can_write_parts_order(manager)


def test_the_system_actor_may_refresh_forecasts_but_write_nothing():
    from dealercrm.jobs import system_actor

    system = system_actor()
    assert roles.can_refresh_maintenance_forecasts(system)
    assert not roles.can_write_service_record(system)
    assert not roles.can_write_parts_order(system)
