"""The demo's activity: contact logs (recent ones as managers' reports the archivist files),
parts orders, service records with hour readings, and a few new machines bought from us,
written through the services as the archivist. Each event is keyed by its customer and day
(orders by invoice number), so a second run writes nothing and a later one only adds the
days that have passed since."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from contacts import services as contacts
from contacts.models import ContactLog, Submission
from customers import services as customers
from customers.models import Customer, Machine
from dealercrm import roles
from demo.activity_plan import (
    MONTHS,
    Contact,
    Month,
    Order,
    Profile,
    Service,
    month_events,
    profile,
    shift_month,
    stream,
)
from demo.activity_texts import (
    CATALOGUE,
    COMPLAINTS,
    DELIVERY,
    EQUIPMENT_STATUS,
    GOLD_CONTACTS,
    MAINTENANCE,
    PLACES,
    REPAIRS,
)
from demo.pieces import purchase_cost
from demo.spec import REF_PREFIX
from demo.vocabulary import DEALER_BRANDS, MODELS, SERIAL_PREFIX
from parts import services as parts
from parts.models import Part, PartsOrder
from service import services as service
from service.models import HourReading, ServiceRecord

REPORTED_DAYS = 30  # contacts this recent came in as managers' reports, filed by the archivist
PENDING_DAYS = 2  # ... and these are still waiting in the archivist's inbox


@dataclass
class ActivityStats:
    logs: int = 0
    pending: int = 0
    orders: int = 0
    records: int = 0
    readings: int = 0
    machines: int = 0
    costs: int = 0

    @property
    def written(self) -> int:
        return sum(vars(self).values())


class Writer:
    def __init__(self, *, actor: roles.Actor, users: dict[str, Any], now: dt.datetime) -> None:
        self.actor = actor
        self.technician = users["service1"]
        self.executive = users["exec1"]
        self.now = timezone.localtime(now)
        self.today = self.now.date()
        self.stats = ActivityStats()
        demo = Customer.objects.filter(external_ref__startswith=REF_PREFIX)
        self.contacted = {
            (c, timezone.localtime(at).date())
            for model in (ContactLog, Submission)
            for c, at in model.objects.filter(customer__in=demo).values_list(
                "customer_id", "occurred_at"
            )
        }
        self.invoices = set(
            PartsOrder.objects.filter(customer__in=demo).values_list("invoice_number", flat=True)
        )
        self.serviced = set(
            ServiceRecord.objects.filter(customer__in=demo).values_list(
                "customer_id", "opened_on", "kind"
            )
        )
        readings = HourReading.objects.filter(machine__customer__in=demo)
        self.read = set(readings.values_list("machine_id", "read_on"))
        # Phoned-in readings by customer and day: which machine depends on the fleet that day.
        self.phoned = set(
            readings.filter(source=HourReading.Source.DIRECT).values_list(
                "machine__customer_id", "read_on"
            )
        )

    # -- contacts
    def contact(self, customer: Customer, event: Contact, index: int) -> None:
        at = timezone.make_aware(event.at)
        if at > self.now:
            return
        key = (customer.pk, event.at.date())
        if key in self.contacted:
            return
        self.contacted.add(key)
        channel, summary, intents, next_step = event.text
        data = {
            "channel": channel,
            "occurred_at": at,
            "place": PLACES.get(channel, customer.county or customer.city),
            "project_status": self._project(customer),
            "equipment_status": EQUIPMENT_STATUS[index % len(EQUIPMENT_STATUS)],
            "intents": list(intents),
            "summary": summary.format(model=self._model(customer), project=self._project(customer)),
            "next_step": next_step,
        }
        staff = self.executive if event.by_executive else customer.manager
        age = (self.today - event.at.date()).days
        if staff is not None and staff == customer.manager and age <= REPORTED_DAYS:
            report = contacts.submission_create(actor=staff, data=data, customer=customer)
            # Only this month's: last month was closed with what the archivist had filed.
            recent = age <= PENDING_DAYS and event.at.date() >= self.today.replace(day=1)
            if recent and not event.filed:
                self.stats.pending += 1
                return
            contacts.submission_file(actor=self.actor, submission=report)
        else:
            contacts.contact_log_create(actor=self.actor, customer=customer, data=data, staff=staff)
        self.stats.logs += 1

    def _model(self, customer: Customer) -> str:
        machines = self._in_use(customer)
        return machines[0].model_raw if machines else "装载机"

    def _project(self, customer: Customer) -> str:
        projects = list(customer.projects.all())
        return projects[0].name if projects else "工地上"

    # -- parts
    def order(self, customer: Customer, event: Order) -> None:
        invoice = f"YS{event.on:%y%m%d}{customer.external_ref[len(REF_PREFIX) :]}"
        if event.on > self.today or invoice in self.invoices:
            return
        self.invoices.add(invoice)
        parts.parts_order_create(
            actor=self.actor,
            customer=customer,
            data={"ordered_on": event.on, "invoice_number": invoice},
            lines=event.lines,
        )
        self.stats.orders += 1

    # -- service
    @staticmethod
    def _in_use(customer: Customer) -> list[Machine]:
        return [m for m in customer.machines.all() if m.status == Machine.Status.IN_USE]

    @staticmethod
    def _rate(machine: Machine) -> Decimal:
        return Decimal(f"{stream('hours', machine.pk).uniform(2.5, 7):.2f}")

    def hours_on(self, machine: Machine, day: dt.date) -> Decimal | None:
        """Every reading of a machine lies on one line through its first, so the meter only
        goes up and never by more than 24 h a day, whatever order the runs add them in."""
        if machine.purchase_date and day < machine.purchase_date:
            return None
        rate = self._rate(machine)
        if machine.hour_meter is not None and machine.hour_meter_date is not None:
            hours = machine.hour_meter + rate * (day - machine.hour_meter_date).days
        elif machine.purchase_date is not None:
            hours = rate * (day - machine.purchase_date).days
        else:
            return None
        return hours.quantize(Decimal("0.1")) if hours >= 0 else None

    def record(self, customer: Customer, event: Service) -> None:
        closed = event.on + dt.timedelta(days=event.days)
        key = (customer.pk, event.on, event.kind)
        if event.on > self.today or key in self.serviced:
            return
        self.serviced.add(key)
        machines = self._in_use(customer)
        machine = machines[event.pick % len(machines)] if machines else None
        hours = self.hours_on(machine, event.on) if machine else None
        if machine is not None and (
            hours is None or (machine.pk, event.on) in self.read or event.kind == "complaint"
        ):
            hours = None
        data: dict[str, Any] = {
            "kind": event.kind,
            "opened_on": event.on,
            "machine": machine,
            "technician": self.technician,
            "hour_meter": hours,
        }
        if event.kind == "maintenance":
            subject, work, used = MAINTENANCE[event.pick % len(MAINTENANCE)]
            data.update(subject=subject.format(hours=int(hours or 500) // 250 * 250 or 250))
            data.update(work_done=work, parts_used=used)
        elif event.kind == "repair":
            subject, fault, work, used = REPAIRS[event.pick % len(REPAIRS)]
            data.update(subject=subject, fault_description=fault, work_done=work, parts_used=used)
        else:
            subject, fault, resolution, satisfaction = COMPLAINTS[event.pick % len(COMPLAINTS)]
            data.update(subject=subject, fault_description=fault)
            if closed <= self.today:
                data.update(resolution=resolution, satisfaction=satisfaction)
        if closed <= self.today:
            data.update(status=ServiceRecord.Status.CLOSED, closed_on=closed)
            if event.kind == "repair":
                data["satisfaction"] = event.satisfaction
        else:
            data["status"] = ServiceRecord.Status.IN_PROGRESS
        if event.labour or event.parts:
            data.update(labour_charge=Decimal(event.labour), parts_charge=Decimal(event.parts))
            if event.costed:
                data["cost_total"] = Decimal(event.parts) * Decimal("0.72") + event.labour // 3
        service.service_record_create(actor=self.actor, customer=customer, data=data)
        if hours is not None:
            self.read.add((machine.pk, event.on))  # type: ignore[union-attr]
            self.stats.readings += 1
        self.stats.records += 1

    def reading(self, customer: Customer, day: dt.date) -> None:
        machines = self._in_use(customer)
        if day > self.today or not machines or (customer.pk, day) in self.phoned:
            return
        machine = machines[day.day % len(machines)]
        hours = self.hours_on(machine, day)
        if hours is None or (machine.pk, day) in self.read:
            return
        self.read.add((machine.pk, day))
        self.phoned.add((customer.pk, day))
        service.hour_reading_add(
            actor=self.actor, machine=machine, read_on=day, hours=hours, note="机手电话报的小时数"
        )
        self.stats.readings += 1

    # -- machines
    def new_machine(self, customer: Customer, month: dt.date) -> None:
        """A gold (or good) customer buys again: the machine, then its handover inspection."""
        rng = stream("machine", customer.external_ref)
        brand = rng.choice(DEALER_BRANDS)
        model, low, high = rng.choice(MODELS[brand])
        bought = month.replace(day=rng.randint(1, 28))
        number = customer.external_ref[len(REF_PREFIX) :]
        serial = f"{SERIAL_PREFIX[brand]}{bought:%y}8{number}"
        if bought > self.today or any(m.serial_number == serial for m in customer.machines.all()):
            return
        price = Decimal(rng.randint(low, high) * 1000)
        machine = customers.row_add(
            actor=self.actor,
            customer=customer,
            model=Machine,
            data={
                "brand": brand,
                "model_raw": model,
                "serial_number": serial,
                "purchase_date": bought,
                "source": Machine.Source.FROM_US,
                "purchase_price": price,
                "purchase_cost": purchase_cost(price, int(number)),
                "note": "老客户又从我司买的",
            },
        )
        self.stats.machines += 1
        self.delivery(customer, machine)

    def delivery(self, customer: Customer, machine: Machine) -> None:
        """交机检查 on the day a machine bought from us was handed over."""
        if machine.purchase_date is None:
            return
        key = (customer.pk, machine.purchase_date, str(ServiceRecord.Kind.DELIVERY))
        if key in self.serviced:
            return
        self.serviced.add(key)
        subject, work = DELIVERY
        service.service_record_create(
            actor=self.actor,
            customer=customer,
            data={
                "kind": ServiceRecord.Kind.DELIVERY,
                "status": ServiceRecord.Status.CLOSED,
                "opened_on": machine.purchase_date,
                "closed_on": machine.purchase_date,
                "machine": machine,
                "technician": self.technician,
                "subject": f"{subject} {machine.model_raw}",
                "work_done": work,
                "satisfaction": 5,
            },
        )
        self.stats.records += 1

    def first_of_month(self, customer: Customer, month: dt.date) -> None:
        """The manager's closest gold customer gets his call on the 1st, so "contacted this
        month" is never empty, even on the day the month begins."""
        start = dt.datetime.combine(month, dt.time.min)
        at = min(start.replace(hour=9), self.now.replace(tzinfo=None) - dt.timedelta(minutes=1))
        self.contact(customer, Contact(max(at, start), GOLD_CONTACTS[0], filed=True), MONTHS - 1)

    # -- one customer
    def customer(self, customer: Customer, months: list[dt.date], *, closest: bool) -> None:
        p: Profile = profile(customer)
        window = months[0]
        if closest:
            self.first_of_month(customer, months[-1])
        for machine in customer.machines.all():
            if (
                machine.source == Machine.Source.FROM_US
                and (machine.purchase_date or window) > window
            ):
                self.delivery(customer, machine)
        for index, month in enumerate(months):
            if p.buys_machine_in == index:
                self.new_machine(customer, month)
            events: Month = month_events(customer, p, index, month)
            for contact in events.contacts:
                self.contact(customer, contact, index)
            for order in events.orders:
                self.order(customer, order)
            for record in events.services:
                self.record(customer, record)
            if events.reading_day:
                self.reading(customer, month.replace(day=events.reading_day))


def ensure_catalogue(actor: roles.Actor) -> int:
    have = set(Part.objects.values_list("part_number", flat=True))
    created = 0
    for number, name, category, unit, price, cost in CATALOGUE:
        if number.upper() in have:
            continue
        parts.part_save(
            actor=actor,
            part=None,
            data={
                "part_number": number,
                "name": name,
                "category": category,
                "unit": unit,
                "list_price": Decimal(price),
                "cost_price": Decimal(cost),
            },
        )
        created += 1
    return created


def fill_machine_costs(actor: roles.Actor, demo: Iterable[Customer]) -> int:
    """Machines from us seeded before purchase_cost existed get one, as the archivist would."""
    missing = Machine.objects.filter(
        customer__in=demo,
        source=Machine.Source.FROM_US,
        purchase_price__isnull=False,
        purchase_cost__isnull=True,
    ).order_by("pk")
    count = 0
    for machine in missing:
        cost = purchase_cost(machine.purchase_price, machine.pk)  # type: ignore[arg-type]
        customers.row_update(actor=actor, row=machine, data={"purchase_cost": cost})
        count += 1
    return count


def write_activity(
    *, actor: roles.Actor, users: dict[str, Any], now: dt.datetime | None = None
) -> ActivityStats:
    now = now or timezone.now()
    this_month = timezone.localtime(now).date().replace(day=1)
    months = [shift_month(this_month, -i) for i in range(MONTHS - 1, -1, -1)]
    demo = (
        Customer.objects.filter(external_ref__startswith=REF_PREFIX)
        .select_related("manager")
        .prefetch_related("machines", "projects")
        .order_by("external_ref")
    )
    writer = Writer(actor=actor, users=users, now=now)
    ensure_catalogue(actor)
    writer.stats.costs = fill_machine_costs(actor, demo)
    closest: set[int] = set()  # each manager's first gold customer
    managers: set[int] = set()
    for customer in demo:
        if customer.is_gold_card and customer.manager_id and customer.manager_id not in managers:
            managers.add(customer.manager_id)
            closest.add(customer.pk)
    for customer in demo:
        # One transaction per customer: a failure leaves no half-written history.
        with transaction.atomic():
            writer.customer(customer, months, closest=customer.pk in closest)
    return writer.stats
