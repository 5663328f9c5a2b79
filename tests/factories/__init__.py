"""factory_boy factories for dealercrm tests (zh_CN data)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from guardian.shortcuts import assign_perm

from customers.models import Customer, Machine, Operator, Phone, Project, SalesRegion, Shareholder
from dealercrm import roles

factory.Faker._DEFAULT_LOCALE = "zh_CN"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = factory.Faker("last_name")
    first_name = factory.Faker("first_name")
    password = factory.django.Password("pw-12345678")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            # get_or_create: transactional tests flush the groups the migration made
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
            self.save()


class SalesRegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesRegion
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"区域{n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer saved directly (test setup, not a write path under test)."""

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = factory.Faker("name")
    province = "山东省"
    city = "临沂市"
    county = factory.Iterator(["兰山区", "河东区", "沂南县", "费县"])
    status = Customer.Status.ACTIVE
    industry = Customer.Industry.EARTHMOVING

    @factory.post_generation
    def grant(self, create, extracted, **kwargs):
        # Keep guardian's object permission in step, as customers.services does.
        if create and self.manager_id:
            assign_perm(roles.VIEW_CUSTOMER_PERM, self.manager, self)


class PhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phone

    customer = factory.SubFactory(CustomerFactory)
    raw = factory.Sequence(lambda n: f"139{n:08d}")


class ShareholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shareholder

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name")


class MachineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Machine

    customer = factory.SubFactory(CustomerFactory)
    brand = "临工"
    model_raw = "LG855N"
    serial_number = factory.Sequence(lambda n: f"SN{n:06d}")


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operator

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"项目{n}")


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A pending report by the customer's manager."""

    class Meta:
        model = "contacts.Submission"

    customer = factory.SubFactory(CustomerFactory)
    author = factory.LazyAttribute(lambda o: o.customer.manager)
    channel = "phone"
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    summary = "谈了新机需求，想换一台装载机"
    intents = ",new_machine,"


class ContactLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contacts.ContactLog"

    customer = factory.SubFactory(CustomerFactory)
    staff = factory.LazyAttribute(lambda o: o.customer.manager)
    channel = "visit"
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    summary = "现场拜访，设备运转正常"


class MonthlyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contacts.MonthlyReport"

    manager = factory.SubFactory(UserFactory, role="sales_manager")
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))


# --- after-sales service and parts (test setup: rows saved directly, not via services) ---


class ServiceRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "service.ServiceRecord"

    customer = factory.SubFactory(CustomerFactory)
    kind = "repair"
    subject = factory.Sequence(lambda n: f"液压系统报修{n}")
    opened_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=3))


class HourReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "service.HourReading"

    machine = factory.SubFactory(MachineFactory)
    read_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    hours = 100
    source = "direct"


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "parts.Part"
        django_get_or_create = ("part_number",)

    part_number = factory.Sequence(lambda n: f"LG-{n:05d}")
    name = "机油滤芯"
    category = "filter"
    list_price = 85


class PartsOrderFactory(factory.django.DjangoModelFactory):
    """An order with one line whose amounts add up (100.00, no discount)."""

    class Meta:
        model = "parts.PartsOrder"
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    ordered_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=5))
    subtotal = 100
    total = 100

    @factory.post_generation
    def line(self, create, extracted, **kwargs):
        if create:
            self.lines.create(
                position=1, name="液压油", category="oil", quantity=1, unit_price=100, amount=100
            )


class DuplicateCandidateFactory(factory.django.DjangoModelFactory):
    """An open pair in the review queue (low pk first, as the matcher stores it)."""

    class Meta:
        model = "customers.DuplicateCandidate"

    low = factory.SubFactory(CustomerFactory, name="刘文才")
    high = factory.SubFactory(CustomerFactory, name="刘文财")
    score = 0.93
    kind = "duplicate"
    reasons = factory.LazyFunction(
        lambda: [
            {
                "code": "name_pinyin",
                "weight": 1.5,
                "params": {"left": "刘文才", "right": "刘文财", "pinyin": "liu wen cai"},
            },
            {"code": "phone_same", "weight": 5.5, "params": {"phone": "138 5399 1234"}},
        ]
    )
    fingerprint = "f" * 64


# --- the gold-card programme (test setup: rows saved directly, not via loyalty.services) ---


class BenefitRuleFactory(factory.django.DjangoModelFactory):
    """Seed 000's first rule (1,000 CNY of parts for the buyer's first machine) by default;
    get_or_create on the code, as the data migration already wrote the defaults."""

    class Meta:
        model = "loyalty.BenefitRule"
        django_get_or_create = ("code",)

    code = "purchase"
    name = "购机后1000元配件赠送"
    beneficiary = "buyer"
    first_machine = 1
    last_machine = 1
    amount = Decimal("1000.00")


class GoldCardFactory(factory.django.DjangoModelFactory):
    """An active card issued a year ago, with its "issued" event (credits follow the events)
    and the customer flagged gold, as gold_card_register leaves them."""

    class Meta:
        model = "loyalty.GoldCard"
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory, is_gold_card=True)
    number = factory.Sequence(lambda n: f"JKT{n:05d}")
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))
    traits = factory.LazyFunction(
        lambda: {"early": "2005年入行，做了二十年土方", "buys_often": "在我司买了三台装载机"}
    )

    @factory.post_generation
    def issued_event(self, create, extracted, **kwargs):
        if not create:
            return
        self.events.create(kind="issued", on=self.issued_on, actor=self.issued_by)
        if self.state == "active" and not self.customer.is_gold_card:
            Customer.all_objects.filter(pk=self.customer_id).update(is_gold_card=True)
            self.customer.is_gold_card = True


class LedgerEntryFactory(factory.django.DjangoModelFactory):
    """A credit the customer earned with his own n-th machine (rule "purchase" by default)."""

    class Meta:
        model = "loyalty.LedgerEntry"

    customer = factory.SubFactory(CustomerFactory)
    kind = "earn"
    amount = Decimal("1000.00")
    occurred_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    rule = factory.SubFactory(BenefitRuleFactory)
    buyer = factory.SelfAttribute("customer")
    machine_number = factory.Sequence(lambda n: n + 1)


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "loyalty.Referral"

    referrer = factory.SubFactory(CustomerFactory)
    referred = factory.SubFactory(CustomerFactory)
    referred_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))


class TierSnapshotFactory(factory.django.DjangoModelFactory):
    """One customer's row in last month's ranking (tier A, stable, 100,000 CNY of machines)."""

    class Meta:
        model = "loyalty.TierSnapshot"

    month = factory.LazyFunction(
        lambda: (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    )
    customer = factory.SubFactory(CustomerFactory)
    machines_total = Decimal("100000.00")
    parts_total = Decimal("0.00")
    service_total = Decimal("0.00")
    contribution = factory.LazyAttribute(
        lambda o: o.machines_total + o.parts_total + o.service_total
    )
    rank = factory.Sequence(lambda n: n + 1)
    share_before = 0.0
    tier = "A"
    stable_quarters = 4
    grid = "EI"


def parts_order_via_service(archivist, customer, amount: str, on: dt.date, invoice: str = ""):
    """A one-line parts order written the way the archivist writes it (parts.services), so
    its totals and history are what the app keeps, unlike PartsOrderFactory's bare rows."""
    from parts import services

    return services.parts_order_create(
        actor=archivist,
        customer=customer,
        data={"ordered_on": on, "invoice_number": invoice},
        lines=[{"name": "配件", "category": "part", "quantity": "1", "unit_price": amount}],
    )
