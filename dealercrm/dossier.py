"""The dossier page: one customer with what every app keeps about him — the dossier
itself (customers), the latest contact logs (contacts), after-sales and parts (service,
parts), the gold card and the tiers (loyalty).

It composes several apps, so it sits on the top floor (ARCHITECTURE.md, floors): customers
is the foundation and imports none of the apps built on it. Its address and name stay the
customers app's (`customers:detail`, /customers/<pk>/): dealercrm/urls.py adds this view to
the customers URLs. The template stays templates/customers/customer_detail.html.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from contacts.models import ContactLog
from contacts.selectors import dossier_logs
from customers.matching.selectors import merged_target
from customers.models import Customer, Machine, Operator, Phone, Project, Shareholder
from customers.selectors import customer_get, customer_history
from dealercrm import roles
from dealercrm.decorators import policy_required
from loyalty.selectors.cards import GoldSection, dossier_gold
from loyalty.selectors.tiers import HistoryRow, history_with_reasons, tier_history
from parts.selectors import PartsSection, dossier_parts
from service.selectors import ServiceSection, dossier_service

DOSSIER_LOGS = 10


@dataclass
class Dossier:
    customer: Customer
    phones: list[Phone]
    shareholders: list[Shareholder] | None
    machines: list[Machine]
    operators: list[Operator]
    projects: list[Project]
    history: list[Any] | None
    show_personal: bool
    show_money: bool
    contact_logs: Sequence[ContactLog] | None = None
    contact_log_count: int = 0
    last_contacted_at: Any = None
    service: ServiceSection | None = None  # None when not allowed
    parts: PartsSection | None = None  # None when not allowed
    gold: GoldSection | None = None  # None when not allowed
    tiers: list[HistoryRow] | None = None  # newest first, None when not allowed


def _tiers(*, user: roles.Actor, customer: Customer) -> list[HistoryRow] | None:
    """The last 12 months' tiers with the reason of each move (one query)."""
    snapshots = tier_history(user=user, customer=customer)
    return None if snapshots is None else history_with_reasons(snapshots)


def dossier_get(*, user: roles.Actor, pk: Any) -> Dossier:
    """Everything the dossier page shows, in a fixed number of queries."""
    customer = customer_get(user=user, pk=pk)
    show_personal = roles.can_view_personal(user)
    machines = list(customer.machines.all())
    machines_by_id = {m.pk: m for m in machines}
    operators = list(customer.operators.all())
    for operator in operators:
        # Reuse the machines already loaded rather than one query per operator.
        operator._state.fields_cache["machine"] = (
            machines_by_id.get(operator.machine_id) if operator.machine_id is not None else None
        )
    contact = dossier_logs(user=user, customer=customer, limit=DOSSIER_LOGS)
    # The after-sales and parts sections (seed 000 items 3 and 4), a fixed number of
    # queries each.
    service = dossier_service(user=user, customer=customer, machines=machines)
    parts = dossier_parts(user=user, customer=customer)
    return Dossier(
        contact_logs=contact.logs if contact else None,
        contact_log_count=contact.count if contact else 0,
        last_contacted_at=contact.logs[0].occurred_at if contact and contact.logs else None,
        customer=customer,
        phones=list(customer.phones.all()),
        shareholders=list(customer.shareholders.all())
        if roles.can_view_shareholders(user)
        else None,
        machines=machines,
        operators=operators,
        projects=list(customer.projects.all()),
        history=customer_history(customer=customer) if roles.can_view_history(user) else None,
        show_personal=show_personal,
        show_money=roles.can_view_money(user),
        service=service,
        parts=parts,
        # The gold card, its state and credit balance (one query).
        gold=dossier_gold(user=user, customer=customer),
        tiers=_tiers(user=user, customer=customer),
    )


@policy_required(roles.can_view_customers)
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        dossier = dossier_get(user=request.user, pk=pk)
    except Http404:
        # A merged duplicate's old address leads to the dossier it was merged into, for
        # whoever may see that one (everyone else gets the same 404 as before).
        target = merged_target(pk=pk)
        if target is None:
            raise
        return redirect(customer_get(user=request.user, pk=target.pk))
    return render(
        request,
        "customers/customer_detail.html",
        {
            "dossier": dossier,
            "customer": dossier.customer,
            "can_write": roles.can_write_dossier(request.user),
            "can_submit": roles.can_submit_report(request.user),
        },
    )
