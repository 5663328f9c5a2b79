"""Gold-card candidates: the seven traits of seed 000 for every customer, in SQL.

Each trait is met when the data shows it (a correlated subquery per measure) or when the
archivist ticked it with a note. A customer meeting GOLD_CANDIDATE_MIN_TRAITS traits is a
candidate. Key accounts are never candidates (seed 000: they will be nobody's loyal
customer); customers holding a live card are left out unless asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, cast

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contacts.models import ContactLog, Intent
from customers.models import Customer, Machine
from customers.selectors import search_customers, visible_customers
from dealercrm import roles
from parts.models import PartsOrder

from ..models import CustomerTrait, GoldCard, Referral, Trait


class TraitMeasures(TypedDict):
    """What with_traits() annotates by name (has_/computed_/tick_<trait> are read by getattr)."""

    m_from_us: int
    m_parts_orders: int
    m_fleet: int
    m_contacts: int
    m_information: int
    m_wants_machine: bool
    m_referrals: int
    m_total_purchases: int
    trait_count: int


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    Candidate: TypeAlias = WithAnnotations[Customer, TraitMeasures]  # a with_traits() row


def _setting(name: str) -> int:
    return int(settings.DEALERCRM[name])


def _count(qs: QuerySet[Any], field: str = "id", *, total: Any = None) -> Coalesce:
    """COUNT (or SUM of `total`) of the customer's rows as a correlated subquery, 0 if none."""
    agg = Sum(total) if total is not None else Count(field)
    inner = qs.order_by().values("customer").annotate(n=agg).values("n")[:1]
    return Coalesce(Subquery(inner, output_field=IntegerField()), Value(0))


def _year_ago() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=365)


def with_traits(qs: QuerySet[Customer], *, today: dt.date | None = None) -> QuerySet[Candidate]:
    """Annotate every measure, every trait (`has_<trait>`) and `trait_count`."""
    today = today or timezone.localdate()
    since = _year_ago()
    me = OuterRef("pk")
    logs = ContactLog.objects.filter(customer=me, occurred_at__gte=since)
    qs = qs.annotate(
        m_from_us=_count(
            Machine.objects.filter(customer=me, source=Machine.Source.FROM_US), total="quantity"
        ),
        m_parts_orders=_count(PartsOrder.objects.filter(customer=me)),
        m_fleet=_count(
            Machine.objects.filter(customer=me, status=Machine.Status.IN_USE), total="quantity"
        ),
        m_contacts=_count(logs),
        m_information=_count(logs.filter(intents__contains=f",{Intent.INFORMATION},")),
        m_wants_machine=Exists(logs.filter(intents__contains=f",{Intent.NEW_MACHINE},")),
        m_referrals=Coalesce(
            Subquery(
                Referral.objects.filter(referrer=me)
                .order_by()
                .values("referrer")
                .annotate(n=Count("id"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        **{
            f"tick_{trait}": Exists(CustomerTrait.objects.filter(customer=me, trait=trait))
            for trait in Trait.values
        },
    )
    computed = {
        Trait.EARLY: Q(
            started_operating_year__isnull=False,
            started_operating_year__lte=today.year - _setting("GOLD_TRAIT_EARLY_YEARS"),
        ),
        Trait.BUYS_OFTEN: Q(m_from_us__gte=1)
        & Q(m_total_purchases__gte=_setting("GOLD_TRAIT_PURCHASES")),
        Trait.TRUST: Q(m_contacts__gte=_setting("GOLD_TRAIT_CONTACTS_PER_YEAR")),
        Trait.BIG_FLEET: Q(m_fleet__gte=_setting("GOLD_TRAIT_FLEET")),
        Trait.INFLUENTIAL: Q(is_benchmark=True) | Q(m_referrals__gte=1),
        Trait.POTENTIAL: Q(m_wants_machine=True),
        Trait.INFORMANT: Q(m_information__gte=_setting("GOLD_TRAIT_INFORMATION_PER_YEAR")),
    }
    qs = qs.annotate(m_total_purchases=F("m_from_us") + F("m_parts_orders"))
    qs = qs.annotate(
        **{
            f"computed_{trait}": ExpressionWrapper(condition, output_field=BooleanField())
            for trait, condition in computed.items()
        }
    )
    qs = qs.annotate(
        **{
            f"has_{trait}": ExpressionWrapper(
                Q(**{f"computed_{trait}": True}) | Q(**{f"tick_{trait}": True}),
                output_field=BooleanField(),
            )
            for trait in Trait.values
        }
    )
    count = Value(0)
    for trait in Trait.values:
        count = count + Case(  # type: ignore[assignment]
            When(Q(**{f"has_{trait}": True}), then=Value(1)), default=Value(0)
        )
    return qs.annotate(trait_count=ExpressionWrapper(count, output_field=IntegerField()))


@dataclass
class TraitResult:
    code: str
    label: str
    met: bool
    computed: bool
    evidence: str
    note: str = ""  # the archivist's note when he ticked it

    @property
    def ticked(self) -> bool:
        return bool(self.note)

    @property
    def form_evidence(self) -> str:
        """What the registration form is pre-filled with."""
        parts = [self.evidence] if self.computed else []
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)


def _evidence(row: Candidate, trait: str, today: dt.date) -> str:
    if trait == Trait.EARLY:
        if not row.started_operating_year:
            return _("year started operating machinery unknown")
        years = today.year - row.started_operating_year
        return ngettext(
            "operating machinery since %(year)s (%(n)s year)",
            "operating machinery since %(year)s (%(n)s years)",
            years,
        ) % {"year": row.started_operating_year, "n": years}
    if trait == Trait.BUYS_OFTEN:
        return _("%(m)s machines bought from us, %(p)s parts orders") % {
            "m": row.m_from_us,
            "p": row.m_parts_orders,
        }
    if trait == Trait.TRUST:
        return _("%(n)s contacts in the last 12 months") % {"n": row.m_contacts}
    if trait == Trait.BIG_FLEET:
        return _("%(n)s machines in use") % {"n": row.m_fleet}
    if trait == Trait.INFLUENTIAL:
        parts = [_("benchmark customer")] if row.is_benchmark else []
        if row.m_referrals:
            parts.append(_("referred %(n)s customers to us") % {"n": row.m_referrals})
        return "; ".join(parts) or _("not a benchmark customer, no referrals")
    if trait == Trait.POTENTIAL:
        return (
            _("asked about a new machine in the last 12 months")
            if row.m_wants_machine
            else _("no new-machine interest in the last 12 months")
        )
    return _("%(n)s contacts giving information in the last 12 months") % {"n": row.m_information}


def attach_traits(rows: list[Candidate], *, today: dt.date | None = None) -> list[Candidate]:
    """Set `row.traits` (TraitResult per trait) on rows annotated by with_traits; the
    archivist's notes for all of them in one query."""
    today = today or timezone.localdate()
    notes: dict[tuple[int, str], str] = {
        (c, t): n
        for c, t, n in CustomerTrait.objects.filter(customer__in=[r.pk for r in rows]).values_list(
            "customer_id", "trait", "note"
        )
    }
    labels = dict(Trait.choices)
    for row in rows:
        row.traits = [  # type: ignore[attr-defined]
            TraitResult(
                code=trait,
                label=str(labels[trait]),
                met=getattr(row, f"has_{trait}"),
                computed=getattr(row, f"computed_{trait}"),
                evidence=_evidence(row, trait, today),
                note=notes.get((row.pk, trait), ""),
            )
            for trait in Trait.values
        ]
    return rows


def min_traits() -> int:
    return _setting("GOLD_CANDIDATE_MIN_TRAITS")


def live_cards() -> QuerySet[GoldCard]:
    return GoldCard.objects.exclude(state=GoldCard.State.REVOKED)


def candidate_list(
    *, user: roles.Actor, search: str = "", include_holders: bool = False
) -> QuerySet[Candidate]:
    """Candidates the user may see, most traits first (archivist and executives)."""
    if not roles.can_view_gold_candidates(user):
        return cast("QuerySet[Candidate]", Customer.objects.none())  # no rows to annotate
    qs = search_customers(
        visible_customers(user=user)
        .filter(is_key_account=False)
        .exclude(status=Customer.Status.LOST),
        search,
    )
    live = live_cards().filter(customer=OuterRef("pk"))
    qs = with_traits(qs).filter(trait_count__gte=min_traits())
    qs = qs.annotate(
        card_state=Subquery(live.values("state")[:1]),
        card_pk=Subquery(live.values("pk")[:1]),
    )
    if not include_holders:
        qs = qs.filter(card_pk__isnull=True)
    return qs.select_related("manager", "sales_region").order_by(
        "-trait_count", "name_pinyin", "pk"
    )


def customer_traits(*, user: roles.Actor, customer: Customer) -> list[TraitResult]:
    """The seven traits of one customer with their evidence (the registration form's and
    the traits page's pre-fill). The caller got `customer` from a scoped selector."""
    if not roles.can_view_gold_candidates(user):
        raise Http404("No such customer")
    row = with_traits(Customer.objects.filter(pk=customer.pk)).get()
    traits: list[TraitResult] = attach_traits([row])[0].traits  # type: ignore[attr-defined]
    return traits
