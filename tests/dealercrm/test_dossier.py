"""dealercrm.dossier: the dossier page's reads (every app's section), in a fixed number of
queries whatever the rows, for every reader."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealercrm.dossier import dossier_get
from tests.factories import (
    CustomerFactory,
    HourReadingFactory,
    MachineFactory,
    OperatorFactory,
    PartsOrderFactory,
    PhoneFactory,
    ProjectFactory,
    ServiceRecordFactory,
    ShareholderFactory,
)

pytestmark = pytest.mark.django_db


def test_service_dossier_hides_personal_side_and_shareholders(service_user, manager):
    liu = CustomerFactory(name="刘文才", manager=manager)
    PhoneFactory(customer=liu, raw="138 0013 8000")
    dossier = dossier_get(user=service_user, pk=liu.pk)
    assert dossier.shareholders is None
    assert dossier.history is None
    assert not dossier.show_personal
    assert not dossier.show_money


def _dossier_queries(user, customer) -> int:
    user = type(user).objects.get(pk=user.pk)  # a fresh request's user: no cached roles
    with CaptureQueriesContext(connection) as ctx:
        dossier_get(user=user, pk=customer.pk)
    return len(ctx.captured_queries)


def _after_sales_rows(customer, machine, n: int) -> None:
    """Service records (one closed with charges), readings, parts orders with lines."""
    import datetime as dt

    from django.utils import timezone

    from service.services import refresh_forecasts

    today = timezone.localdate()
    for i in range(n):
        ServiceRecordFactory(customer=customer, machine=machine, follow_up_on=today)
        order = PartsOrderFactory(customer=customer)
        for _ in range(3):
            order.lines.create(name="滤芯", category="filter", quantity=1, unit_price=1, amount=1)
        HourReadingFactory(machine=machine, read_on=today - dt.timedelta(days=i + 1), hours=100)
    ServiceRecordFactory(
        customer=customer, status="closed", opened_on=today, closed_on=today, total_charge=9
    )
    refresh_forecasts(machine_ids=[machine.pk])


def test_dossier_query_count_does_not_grow_with_rows(archivist):
    small = CustomerFactory()
    PhoneFactory(customer=small)
    big = CustomerFactory()
    for _ in range(15):
        PhoneFactory(customer=big)
        ShareholderFactory(customer=big)
        machine = MachineFactory(customer=big)
        OperatorFactory(customer=big, machine=machine)
        ProjectFactory(customer=big)
    _after_sales_rows(big, machine, 15)
    assert _dossier_queries(archivist, small) == _dossier_queries(archivist, big)


@pytest.mark.parametrize("role", ["manager", "service_user", "executive"])
def test_dossier_query_count_with_after_sales_rows_for_every_reader(request, role):
    """Service records, parts lines and forecasts add a fixed number of queries per role."""
    user = request.getfixturevalue(role)
    manager = request.getfixturevalue("manager")
    small = CustomerFactory(manager=manager)
    big = CustomerFactory(manager=manager)
    machine = None
    for _ in range(10):
        machine = MachineFactory(customer=big)
    _after_sales_rows(big, machine, 20)
    assert _dossier_queries(user, small) == _dossier_queries(user, big)


def test_the_newest_logs_and_the_count_of_all_of_them(manager, archivist):
    import datetime as dt

    from django.utils import timezone

    from dealercrm.dossier import DOSSIER_LOGS
    from tests.factories import ContactLogFactory

    liu = CustomerFactory(name="刘文才", manager=manager)
    other = CustomerFactory(name="王强", manager=manager)
    now = timezone.now()
    logs = [
        ContactLogFactory(customer=liu, occurred_at=now - dt.timedelta(days=d))
        for d in range(DOSSIER_LOGS + 3)
    ]
    ContactLogFactory(customer=other)  # not his
    for user in (manager, archivist):
        dossier = dossier_get(user=user, pk=liu.pk)
        assert dossier.contact_log_count == DOSSIER_LOGS + 3
        assert [log.pk for log in dossier.contact_logs] == [g.pk for g in logs[:DOSSIER_LOGS]]
        assert dossier.last_contacted_at == logs[0].occurred_at
    # the other customer's one log is his alone
    assert dossier_get(user=manager, pk=other.pk).contact_log_count == 1
    # none at all: no rows, a count of 0, never contacted
    nobody = CustomerFactory(name="赵六", manager=manager)
    dossier = dossier_get(user=manager, pk=nobody.pk)
    assert (dossier.contact_logs, dossier.contact_log_count, dossier.last_contacted_at) == (
        [],
        0,
        None,
    )
