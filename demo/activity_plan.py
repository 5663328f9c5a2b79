"""What each demo customer did over the last 15 months, as plain events: drawn from a random
stream per customer and per calendar month, so a month's events never depend on the day the
demo is seeded (a later run only adds the days that have passed since)."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from customers.models import Customer
from demo.activity_texts import (
    ACTIVE_CONTACTS,
    BUNDLE_WEIGHTS,
    BUNDLES,
    EXEC_CONTACT,
    GOLD_CONTACTS,
    KEY_CONTACTS,
    LOST_CONTACT,
    PROSPECT_CONTACTS,
    TYPED_LINES,
)
from demo.pieces import SEED

MONTHS = 15  # the current month and the 14 before it


def shift_month(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def stream(*parts: Any) -> random.Random:
    # A string seed is hashed with SHA-512: the same stream on every run and every machine.
    return random.Random(":".join(str(p) for p in (SEED, *parts)))  # noqa: S311 -- demo data


@dataclass
class Profile:
    """How a customer behaves: chances per month, and the months (0 = oldest) they hold."""

    kind: str
    contact: float = 0.0
    contact_until: int = MONTHS - 1
    contacts: tuple[Any, ...] = ACTIVE_CONTACTS
    orders: float = 0.0
    orders_until: int = MONTHS - 1
    spend: float = 1.0
    line_discount: Decimal = Decimal("0")
    service: float = 0.0
    buys_machine_in: int | None = None  # a month index: buys a new machine from us
    lost_in: int | None = None  # the month of the last contact (lost to a competitor)


def profile(customer: Customer) -> Profile:
    rng = stream("profile", customer.external_ref)
    if customer.manager_id is None:
        return Profile("unassigned")
    status = customer.status
    if customer.is_key_account:
        return Profile("key", contact=0.5, contacts=KEY_CONTACTS, orders=0.25,
                       spend=rng.uniform(1.2, 2.5), service=0.1)  # fmt: skip
    if customer.kind == Customer.Kind.SUB_DEALER:
        # Sub-dealers restock parts for their own customers, at the dealer price.
        return Profile("dealer", contact=0.4, orders=0.4, spend=rng.uniform(1.5, 3),
                       line_discount=Decimal("10"), service=0.02)  # fmt: skip
    if customer.is_gold_card:
        buys = rng.randrange(MONTHS) if rng.random() < 0.3 else None
        return Profile("gold", contact=0.9, contacts=GOLD_CONTACTS, orders=0.4,
                       spend=rng.uniform(1, 1.8), service=0.25, buys_machine_in=buys)  # fmt: skip
    if status == Customer.Status.PROSPECT:
        return Profile("prospect", contact=0.1, contacts=PROSPECT_CONTACTS)
    if status == Customer.Status.DORMANT:
        return Profile("dormant", contact=0.12, contact_until=4, orders=0.1, orders_until=4,
                       spend=0.5, service=0.03)  # fmt: skip
    if status == Customer.Status.LOST:
        lost = rng.randint(1, 4)
        return Profile("lost", contact=0.3, contact_until=lost, orders=0.2, orders_until=lost,
                       spend=0.5, lost_in=lost)  # fmt: skip
    p = Profile("active")
    habit = rng.random()
    if habit < 0.45:
        p.contact = 0.2
    elif habit < 0.72:
        # Contacted now and then, then nobody called again: at risk (dynamic management).
        p.contact, p.contact_until = 0.12, rng.randint(3, MONTHS - 5)
    # else: never contacted at all
    buyer = rng.random()
    if buyer < 0.2:  # the few who buy parts and service from us regularly
        p.orders, p.spend, p.service = 0.2, rng.uniform(0.8, 1.6), 0.08
        p.buys_machine_in = rng.randrange(MONTHS) if rng.random() < 0.08 else None
    elif buyer < 0.65:
        p.orders, p.spend, p.service = 0.08, rng.uniform(0.6, 1.2), 0.03
    return p


@dataclass
class Contact:
    at: dt.datetime  # naive, local time
    text: tuple[Any, ...]
    by_executive: bool = False
    filed: bool = False  # filed at once, even when it was reported today


@dataclass
class Order:
    on: dt.date
    lines: list[dict[str, Any]]


@dataclass
class Service:
    kind: str  # maintenance, repair, complaint
    on: dt.date
    days: int  # until closed
    pick: int  # which text, which machine
    labour: int = 0
    parts: int = 0
    costed: bool = True
    satisfaction: int = 5


@dataclass
class Month:
    month: dt.date
    contacts: list[Contact] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    reading_day: int | None = None  # a reading phoned in by the operator


def _day(rng: random.Random, month: dt.date) -> dt.date:
    return month.replace(day=rng.randint(1, calendar.monthrange(month.year, month.month)[1]))


def _lines(rng: random.Random, p: Profile) -> list[dict[str, Any]]:
    names = rng.choices(list(BUNDLE_WEIGHTS), weights=list(BUNDLE_WEIGHTS.values()), k=2)
    bundles = names[:1] if rng.random() < 0.6 else list(dict.fromkeys(names))
    lines = []
    for name in bundles:
        for number, low, high in BUNDLES[name]:
            quantity = round(rng.randint(low, high) * p.spend)
            if quantity:
                line = {"part_number": number, "quantity": quantity}
                if p.line_discount:
                    line["discount_percent"] = p.line_discount
                lines.append(line)
    if rng.random() < 0.12 or not lines:
        name, category, low, high = rng.choice(TYPED_LINES)
        lines.append(
            {
                "name": name,
                "category": category,
                "quantity": rng.randint(1, 2),
                "unit_price": Decimal(rng.randint(low, high)),
            }
        )
    return lines


def month_events(customer: Customer, p: Profile, index: int, month: dt.date) -> Month:
    """Every random draw is made whether or not the event has happened yet, so the stream
    (and the month) is the same on every day it is drawn."""
    rng = stream(customer.external_ref, f"{month:%Y-%m}")
    out = Month(month)
    wants = rng.random() < p.contact and index <= p.contact_until
    for n in range(1 + (rng.random() < 0.3)):
        day = _day(rng, month)
        at = dt.datetime.combine(day, dt.time(rng.randint(8, 19), rng.choice((0, 15, 30, 45))))
        text = rng.choice(p.contacts)
        if index == p.lost_in and n == 0:
            out.contacts.append(Contact(at, LOST_CONTACT))
        elif wants and (n == 0 or p.kind == "gold"):
            out.contacts.append(Contact(at, text))
    if p.kind == "gold" and rng.random() < 0.08:
        out.contacts.append(
            Contact(dt.datetime.combine(_day(rng, month), dt.time(15)), EXEC_CONTACT, True)
        )
    if rng.random() < p.orders and index <= p.orders_until:
        out.orders.append(Order(_day(rng, month), _lines(rng, p)))
    if rng.random() < p.service and index <= p.orders_until:
        out.services.append(
            Service(
                "maintenance",
                _day(rng, month),
                rng.randint(0, 1),
                rng.randrange(99),
                labour=rng.randint(2, 6) * 100,
                parts=rng.randint(6, 25) * 100,
                costed=rng.random() < 0.8,
            )
        )
    if rng.random() < p.service / 4 and index <= p.orders_until:
        out.services.append(
            Service(
                "repair",
                _day(rng, month),
                rng.randint(1, 6),
                rng.randrange(99),
                labour=rng.randint(3, 25) * 100,
                parts=rng.randint(0, 80) * 100,
                costed=rng.random() < 0.7,
                satisfaction=rng.choice((4, 5, 5)),
            )
        )
    if rng.random() < (0.03 if p.service >= 0.1 else 0.004) and index <= p.orders_until:
        out.services.append(
            Service(
                "complaint", _day(rng, month), rng.randint(2, 10), rng.randrange(99), satisfaction=0
            )
        )
    if p.kind == "gold" and rng.random() < 0.3:
        out.reading_day = _day(rng, month).day
    return out
