"""Permission matrix entries of the gold-card programme: the archivist writes; managers
read their own gold customers (another's: 404); executives read everything; candidates and
the yearly ranking are for the archivist and executives; service staff see no money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from customers.models import Machine
from loyalty import services
from loyalty.models import Tender
from tests.factories import CustomerFactory, MachineFactory, PartsOrderFactory
from tests.loyalty.helpers import TRAITS, days_ago, ensure_rules, register
from tests.permissions import (
    API_SALES_READ,
    API_SALES_READ_OWN,
    API_SALES_WRITE_OWN,
    ARCHIVIST_ONLY,
    SALES_READ,
    SALES_READ_OWN,
    archivist_gets,
    obj,
    statuses,
)

ALL_GOLD = statuses(403, anonymous=302, archivist=200, executive=200)
API_ALL_GOLD = statuses(403, anonymous=401, archivist=200, executive=200)
API_ARCHIVIST_NEW = statuses(403, anonymous=401, archivist=201)
YEAR = timezone.localdate().year


def gold_customer(name: str) -> Any:
    return lambda ctx: reverse(name, args=[ctx["customer"].pk])


MATRIX = {
    # --- browser ---------------------------------------------------------------------
    "loyalty:candidates": {"GET": (lambda ctx: reverse("loyalty:candidates"), None, ALL_GOLD)},
    "loyalty:card_list": {"GET": (lambda ctx: reverse("loyalty:card_list"), None, SALES_READ)},
    "loyalty:register": {
        "GET": (
            lambda ctx: reverse("loyalty:register", args=[ctx["candidate"].pk]),
            None,
            ARCHIVIST_ONLY,
        ),
        # an empty form comes back with its errors, nothing written
        "POST": (
            lambda ctx: reverse("loyalty:register", args=[ctx["candidate"].pk]),
            {},
            ARCHIVIST_ONLY,
        ),
    },
    "loyalty:card_detail": {"GET": (obj("loyalty:card_detail", "card"), None, SALES_READ_OWN)},
    "loyalty:card_print": {"GET": (obj("loyalty:card_print", "card"), None, SALES_READ_OWN)},
    "loyalty:card_change": {
        "GET": (
            lambda ctx: reverse("loyalty:card_change", args=[ctx["card"].pk, "suspend"]),
            None,
            ARCHIVIST_ONLY,
        ),
        "POST": (
            lambda ctx: reverse("loyalty:card_change", args=[ctx["card"].pk, "suspend"]),
            {"reason": "客户欠款"},
            archivist_gets(302, ARCHIVIST_ONLY),
        ),
    },
    "loyalty:traits": {
        "GET": (gold_customer("loyalty:traits"), None, ALL_GOLD),
        "POST": (
            gold_customer("loyalty:traits"),
            {"tick_influential": "on", "note_influential": "县里的土方老板都听他的"},
            statuses(403, anonymous=302, archivist=302),
        ),
    },
    "loyalty:ledger": {"GET": (gold_customer("loyalty:ledger"), None, SALES_READ_OWN)},
    "loyalty:redeem": {
        "GET": (gold_customer("loyalty:redeem"), None, ARCHIVIST_ONLY),
        "POST": (gold_customer("loyalty:redeem"), {}, ARCHIVIST_ONLY),
    },
    "loyalty:reverse": {
        "GET": (obj("loyalty:reverse", "entry"), None, ARCHIVIST_ONLY),
        "POST": (obj("loyalty:reverse", "entry"), {}, ARCHIVIST_ONLY),
    },
    "loyalty:referral_tree": {
        "GET": (gold_customer("loyalty:referral_tree"), None, SALES_READ_OWN)
    },
    "loyalty:referral_create": {
        "GET": (lambda ctx: reverse("loyalty:referral_create"), None, ARCHIVIST_ONLY),
        "POST": (lambda ctx: reverse("loyalty:referral_create"), {}, ARCHIVIST_ONLY),
    },
    "loyalty:benchmarks": {"GET": (lambda ctx: reverse("loyalty:benchmarks"), None, SALES_READ)},
    "loyalty:key_accounts": {
        "GET": (lambda ctx: reverse("loyalty:key_accounts"), None, SALES_READ)
    },
    "loyalty:tender_create": {
        "GET": (obj("loyalty:tender_create", "key_account"), None, ARCHIVIST_ONLY),
        "POST": (obj("loyalty:tender_create", "key_account"), {}, ARCHIVIST_ONLY),
    },
    "loyalty:tender_update": {
        "GET": (obj("loyalty:tender_update", "tender"), None, ARCHIVIST_ONLY),
        "POST": (obj("loyalty:tender_update", "tender"), {}, ARCHIVIST_ONLY),
    },
    "loyalty:ranking": {"GET": (lambda ctx: reverse("loyalty:ranking"), None, ALL_GOLD)},
    "loyalty:award": {
        "GET": (lambda ctx: reverse("loyalty:award", args=[YEAR]), None, ARCHIVIST_ONLY),
        "POST": (lambda ctx: reverse("loyalty:award", args=[YEAR]), {}, ARCHIVIST_ONLY),
    },
    # dashboards: executives and the archivist see the group, a manager his own figures
    "loyalty:dashboard_gold": {
        "GET": (lambda ctx: reverse("loyalty:dashboard_gold"), None, SALES_READ)
    },
    "loyalty:dashboard_pareto": {
        "GET": (lambda ctx: reverse("loyalty:dashboard_pareto"), None, SALES_READ)
    },
    "loyalty:dashboard_list": {
        "GET": (lambda ctx: reverse("loyalty:dashboard_list") + "?list=gold", None, SALES_READ)
    },
    "loyalty:dashboard_report": {
        "GET": (lambda ctx: reverse("loyalty:dashboard_report"), None, SALES_READ)
    },
    # --- API ---------------------------------------------------------------------------
    "gold-card-list": {
        "GET": (lambda ctx: reverse("gold-card-list"), None, API_SALES_READ),
        "POST": (
            lambda ctx: reverse("gold-card-list"),
            lambda ctx: {
                "customer": ctx["candidate"].pk,
                "manager": ctx["manager"].pk,
                "traits": TRAITS,
            },
            API_ARCHIVIST_NEW,
        ),
    },
    "gold-card-detail": {"GET": (obj("gold-card-detail", "card"), None, API_SALES_READ_OWN)},
    "gold-card-suspend": {
        "POST": (
            obj("gold-card-suspend", "card"),
            {"reason": "客户欠款"},
            archivist_gets(200, API_SALES_WRITE_OWN),
        )
    },
    "gold-card-reactivate": {
        # the card is active: past the policy, the service refuses (400)
        "POST": (
            obj("gold-card-reactivate", "card"),
            {"reason": "已结清"},
            archivist_gets(400, API_SALES_WRITE_OWN),
        )
    },
    "gold-card-revoke": {
        "POST": (
            obj("gold-card-revoke", "card"),
            {"reason": "转投别家"},
            archivist_gets(200, API_SALES_WRITE_OWN),
        )
    },
    "referral-list": {
        "GET": (lambda ctx: reverse("referral-list"), None, API_SALES_READ),
        "POST": (
            lambda ctx: reverse("referral-list"),
            lambda ctx: {"referrer": ctx["customer"].pk, "referred": ctx["candidate"].pk},
            API_ARCHIVIST_NEW,
        ),
    },
    "referral-detail": {"GET": (obj("referral-detail", "referral"), None, API_SALES_READ_OWN)},
    "ledger-list": {"GET": (lambda ctx: reverse("ledger-list"), None, API_SALES_READ)},
    "ledger-detail": {"GET": (obj("ledger-detail", "entry"), None, API_SALES_READ_OWN)},
    "ledger-balance": {
        "GET": (
            lambda ctx: f"{reverse('ledger-balance')}?customer={ctx['customer'].pk}",
            None,
            API_SALES_READ_OWN,
        )
    },
    "ledger-redeem": {
        "POST": (
            lambda ctx: reverse("ledger-redeem"),
            lambda ctx: {
                "customer": ctx["customer"].pk,
                "parts_order": ctx["gold_order"].pk,
                "amount": "80.00",
            },
            API_ARCHIVIST_NEW,
        )
    },
    "ledger-reverse": {
        "POST": (
            obj("ledger-reverse", "entry"),
            {"reason": "录错了"},
            archivist_gets(201, API_SALES_WRITE_OWN),
        )
    },
    "dashboard-gold": {"GET": (lambda ctx: reverse("dashboard-gold"), None, API_SALES_READ)},
    "dashboard-pareto": {"GET": (lambda ctx: reverse("dashboard-pareto"), None, API_SALES_READ)},
    "gold-candidate-list": {
        "GET": (lambda ctx: reverse("gold-candidate-list"), None, API_ALL_GOLD)
    },
}


def extend_ctx(ctx: dict[str, Any]) -> None:
    """The context customer (刘文才, of `manager`) becomes a gold customer who bought a
    machine (a ¥1,000 credit) and brought 赵新; a second customer of his is a candidate;
    a key account has a tender."""
    ensure_rules()
    archivist, customer = ctx["archivist"], ctx["customer"]
    ctx["card"] = register(archivist, customer, issued_on=days_ago(30))
    MachineFactory(
        customer=customer,
        source=Machine.Source.FROM_US,
        purchase_date=days_ago(10),
        purchase_price=Decimal("380000"),
    )
    services.credits_sync(actor=archivist, customer=customer)
    ctx["entry"] = customer.ledger_entries.get()
    ctx["gold_order"] = PartsOrderFactory(customer=customer)
    ctx["referral"] = services.referral_create(
        actor=archivist,
        referrer=customer,
        referred=CustomerFactory(name="赵新", manager=customer.manager),
    )
    ctx["candidate"] = CustomerFactory(
        name="钱候选", manager=customer.manager, started_operating_year=2001
    )
    ctx["key_account"] = CustomerFactory(
        name="山东高速路桥集团", manager=customer.manager, is_key_account=True
    )
    ctx["tender"] = Tender.objects.create(customer=ctx["key_account"], title="2026年装载机招标")


# --- 80/20 tiers (issue 6) -------------------------------------------------------------
from tests.permissions import obj as _obj  # noqa: E402
from tests.permissions import statuses as _statuses  # noqa: E402

_MONEY_READ = _statuses(200, anonymous=302, service=403, outsider=403)
_API_MONEY_READ = _statuses(200, anonymous=401, service=403, outsider=403)
MATRIX.update(
    {
        "loyalty:tiers": {"GET": (lambda ctx: reverse("loyalty:tiers"), None, _MONEY_READ)},
        "tier-list": {"GET": (lambda ctx: reverse("tier-list"), None, _API_MONEY_READ)},
        "tier-detail": {
            "GET": (_obj("tier-detail", "tier"), None, {**_API_MONEY_READ, "other_manager": 404})
        },
    }
)
_extend_gold_ctx = extend_ctx


def extend_ctx(ctx: dict[str, Any]) -> None:
    import datetime as dt
    from decimal import Decimal

    from loyalty.models import TierSnapshot

    _extend_gold_ctx(ctx)
    ctx["tier"] = TierSnapshot.objects.create(
        month=dt.date(2026, 10, 1),
        customer=ctx["customer"],
        machines_total=Decimal("100"),
        parts_total=Decimal("0"),
        service_total=Decimal("0"),
        contribution=Decimal("100"),
        rank=1,
        share_before=0.0,
        tier="A",
        stable_quarters=1,
        grid="EII",
    )
