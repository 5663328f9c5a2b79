"""Reads of customer dossiers, always scoped to what the user may see.

A sales manager sees the customers he holds a guardian view permission on (kept in
step with the assignment); another manager's customer simply is not in his queryset,
so it answers 404 and never leaks through search, counts or related lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext

from dealercrm import roles
from dealercrm.security import not_found

from .matching.normalise import parse_search, search_gram
from .models import (
    Customer,
    CustomerUserObjectPermission,
    Machine,
    Operator,
    Phone,
    Project,
    Shareholder,
)

HISTORY_LIMIT = 50


# What the apps built on customers add to every customer list, one queryset function each,
# registered in their AppConfig.ready() (loyalty: `latest_tier`, the newest 80/20 tier the
# list page shows and the export writes): customers imports none of them (ARCHITECTURE.md).
LIST_ANNOTATIONS: list[Callable[[QuerySet[Customer]], QuerySet[Customer]]] = []


def add_list_annotation(annotate: Callable[[QuerySet[Customer]], QuerySet[Customer]]) -> None:
    """Have customer_list() apply `annotate` (once, however often an app registers it)."""
    if annotate not in LIST_ANNOTATIONS:
        LIST_ANNOTATIONS.append(annotate)


def at_risk_days() -> int:
    return int(settings.DEALERCRM["AT_RISK_DAYS"])


def with_last_contact(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    """Annotate `at_risk` (`last_contacted_at` is a column, kept by the contact log)."""
    return qs.annotate(at_risk=ExpressionWrapper(at_risk_filter(), output_field=BooleanField()))


def at_risk_filter(today: dt.date | None = None) -> Q:
    """Dynamic management (seed 000): not contacted for AT_RISK_DAYS, or never; lost
    customers are no longer watched."""
    threshold = timezone.make_aware(
        dt.datetime.combine(
            (today or timezone.localdate()) - dt.timedelta(days=at_risk_days()), dt.time.max
        )
    )
    return ~Q(status=Customer.Status.LOST) & (
        Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lte=threshold)
    )


def visible_customers(*, user: roles.Actor) -> QuerySet[Customer]:
    """Every list, search, count and lookup starts here; merged duplicates (tombstones
    pointing at the dossier they were merged into) are never among them."""
    return _visible_customers(user=user).filter(merged_into__isnull=True)


def _visible_customers(*, user: roles.Actor) -> QuerySet[Customer]:
    if roles.can_view_all_customers(user):
        return Customer.objects.all()
    if roles.can_view_customers(user):
        return Customer.objects.filter(_granted(user, "pk"))
    return Customer.objects.none()


def visible_count(*, user: roles.Actor) -> int:
    """visible_customers(user=user).count(), for a sales manager from his own rows: his view
    permissions (one per customer) less the few merged tombstones among them. Counting the
    customers with an EXISTS on the permissions merged all 100,000 live ids with his
    (bench, the home page: 27 ms → 4 ms)."""
    if roles.can_view_all_customers(user) or not roles.can_view_customers(user):
        return visible_customers(user=user).count()
    view = Permission.objects.filter(
        content_type__app_label="customers", codename="view_customer"
    ).values("pk")[:1]
    merged = Customer.all_objects.filter(
        pk=OuterRef("content_object_id"), merged_into__isnull=False
    )
    return (
        CustomerUserObjectPermission.objects.filter(user=user, permission_id=Subquery(view))
        .filter(~Exists(merged))
        .count()
    )


def _granted(user: roles.SignedIn, ref: str) -> Exists:
    """The user's guardian view permission on the customer `ref` points at (kept in step
    with the assignment), as an EXISTS on the direct-FK table: guardian's
    get_objects_for_user ORs user and group grants and made PostgreSQL probe every
    customer (bench: 150 ms → 1 ms)."""
    view = Permission.objects.filter(
        content_type__app_label="customers", codename="view_customer"
    ).values("pk")[:1]
    return Exists(
        CustomerUserObjectPermission.objects.filter(
            content_object=OuterRef(ref), user=user, permission_id=Subquery(view)
        )
    )


def visible_customers_filter(*, user: roles.Actor, prefix: str = "") -> Q:
    """The customers of visible_customers() as a condition: on customers themselves, or
    on rows that point at one through `prefix` (e.g. "customer" on a tier snapshot).
    Neither joins nor lists the customers table again: a manager's permission rows are
    read directly (and, through `prefix`, the merged tombstones, few, anti-joined), where
    `prefix__in=visible_customers(...)` walked all 100,000 customers for every dashboard
    figure (bench)."""
    ref = prefix or "pk"
    if roles.can_view_all_customers(user):
        q = Q()
    elif roles.can_view_customers(user):
        q = Q(_granted(user, ref))
    else:
        return Q(pk__in=[])
    if not prefix:
        return q & Q(merged_into__isnull=True)
    merged = Customer.all_objects.filter(pk=OuterRef(ref), merged_into__isnull=False)
    return q & ~Q(Exists(merged))


def _customer_of(phones: QuerySet[Phone]) -> Q:
    """Customers holding one of `phones`. On PostgreSQL `id = ANY(ARRAY(…their customers…))`:
    the matched ids are looked up one by one in the primary key, where the EXISTS became a
    hash join over a scan of every customer once a fragment matched a few thousand phones
    (bench: `0199`, searched as `199`, 5,412 phones: 170 → 40 ms under load)."""
    ids = phones.values("customer_id")
    if connection.vendor == "postgresql":
        from django.contrib.postgres.expressions import ArraySubquery

        return Q(_AnyOf(F("pk"), ArraySubquery(ids)))
    return Q(Exists(ids.filter(customer=OuterRef("pk"))))


class _AnyOf(Func):
    """The condition `value = ANY(array)` (a Func on the right of `=` is parenthesised, which
    PostgreSQL refuses for ANY)."""

    arity = 2
    output_field = BooleanField()

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        value, value_params = compiler.compile(self.source_expressions[0])
        array, array_params = compiler.compile(self.source_expressions[1])
        return f"{value} = ANY({array})", (*value_params, *array_params)


def search_customers(qs: QuerySet[Customer], query: str | None) -> QuerySet[Customer]:
    """Name, pinyin (full or initials, `lwc` / `liuwencai`) or phone in any format."""
    term = parse_search(query)
    if term is None:
        return qs
    if term.kind == "phone":
        if len(term.value) >= 11:
            # A full number: exact match on the national digits (index phone_national_idx).
            phones = Phone.objects.filter(
                national=term.value[-11:] if term.value.startswith("1") else term.value
            )
        else:
            phones = Phone.objects.filter(national__contains=term.value)
        return qs.filter(_customer_of(phones))
    if term.kind == "pinyin":
        return qs.filter(
            Q(name_initials__startswith=term.value)
            | Q(name_pinyin__startswith=term.value)
            | Q(name_fuzzy__startswith=term.value)
        )
    gram = search_gram(term.value)
    if gram is not None:
        # One or two characters: a word of the name's grams (trigram-indexed on PostgreSQL,
        # where trigrams of the name itself need three characters and LIKE read every row).
        return qs.filter(name_grams__contains=gram)
    return qs.filter(name__contains=term.value)


@dataclass
class CustomerFilters:
    search: str = ""
    region: int | None = None
    manager: int | None = None
    status: str = ""
    kind: str = ""
    flags: list[str] = field(default_factory=list)  # gold / benchmark / key_account
    at_risk: bool = False


def is_search(filters: CustomerFilters) -> bool:
    """Whether the list is a search (its count is then capped, see customer_list's callers)."""
    return parse_search(filters.search) is not None


FLAG_FIELDS = {"gold": "is_gold_card", "benchmark": "is_benchmark", "key_account": "is_key_account"}


def customer_list(
    *, user: roles.Actor, filters: CustomerFilters | None = None
) -> QuerySet[Customer]:
    filters = filters or CustomerFilters()
    qs = visible_customers(user=user)
    qs = search_customers(qs, filters.search)
    if filters.region:
        qs = qs.filter(sales_region_id=filters.region)
    if filters.manager and roles.can_view_all_managers(user):
        qs = qs.filter(manager_id=filters.manager)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    for flag in filters.flags:
        if flag in FLAG_FIELDS:
            qs = qs.filter(**{FLAG_FIELDS[flag]: True})
    if filters.at_risk:
        qs = qs.filter(at_risk_filter())
    # With a search, sort the (few) matches; walking the pinyin index in order hoping for
    # 25 early hits read 60k rows for initials that sort late (bench, `zj`).
    order = (Lower("name_pinyin"), "id") if filters.search.strip() else ("name_pinyin", "id")
    qs = with_last_contact(qs)
    for annotate in LIST_ANNOTATIONS:
        qs = annotate(qs)
    return (
        qs.select_related("manager", "sales_region")
        .prefetch_related(Prefetch("phones", queryset=Phone.objects.filter(is_active=True)))
        .order_by(*order)
    )


def customer_get(*, user: roles.Actor, pk: Any) -> Customer:
    """The customer if the user may see it, else 404 (never 403: no existence leak)."""
    try:
        return visible_customers(user=user).select_related("manager", "sales_region").get(pk=pk)
    except (Customer.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(Customer, pk, "customer") from exc


def row_get(*, user: roles.Actor, customer: Customer, model: type[Any], pk: Any) -> Any:
    """A related row of a customer the user may see, else 404."""
    try:
        return model.objects.get(customer=customer, pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise not_found(model, pk, "row") from exc


@dataclass
class HistoryEntry:
    when: Any
    who: Any
    kind: str  # "+" created, "~" changed, "-" deleted
    model_label: str
    label: str
    changes: list[tuple[str, Any, Any]]


def _shown(field: Any, value: Any) -> Any:
    """A stored value as people read it: choice labels, yes/no."""
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return value


def _history_changes(entry: Any, previous: Any, fields: list[Any]) -> list[tuple[str, Any, Any]]:
    changes = []
    for f in fields:
        old, new = getattr(previous, f.attname), getattr(entry, f.attname)
        if old != new:
            changes.append((str(f.verbose_name), _shown(f, old), _shown(f, new)))
    return changes


def _historical(model: Any) -> Any:
    return model.history.model._default_manager


def customer_history(*, customer: Customer, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The newest audit entries of the customer and its related rows: one query per model.

    Each model's window is twice the limit so that most entries find the version before
    them in the same rows and can show what changed, without a query per entry.
    """
    # The historical models' plain managers: `Model.history` builds a new manager class on
    # every access (simple_history's descriptor), ~0.2 ms each, six times per dossier.
    sources = [(Customer, _historical(Customer).filter(id=customer.pk))] + [
        (model, _historical(model).filter(customer_id=customer.pk))
        for model in (Phone, Shareholder, Machine, Operator, Project)
    ]
    entries: list[HistoryEntry] = []
    for model, qs in sources:
        rows = list(
            qs.select_related("history_user").order_by("-history_date", "-history_id")[: limit * 2]
        )
        fields = [
            f
            for f in model._meta.fields
            if f.name not in {"id", "created_at", "updated_at"} and f.editable
        ]
        for index, row in enumerate(rows):
            previous = next((r for r in rows[index + 1 :] if r.id == row.id), None)
            changes = (
                _history_changes(row, previous, fields)
                if previous is not None and row.history_type == "~"
                else []
            )
            entries.append(
                HistoryEntry(
                    when=row.history_date,
                    who=row.history_user,
                    kind=row.history_type,
                    model_label=str(model._meta.verbose_name),
                    # The model's own __str__ on the historical row: `row.instance` would
                    # fetch excluded fields from the live row, one query per entry.
                    label=model.__str__(row),
                    changes=changes,
                )
            )
    entries.sort(key=lambda h: h.when, reverse=True)
    return entries[:limit]


def managers_for_filter(*, user: roles.Actor) -> QuerySet[Any]:
    from django.contrib.auth import get_user_model

    if not roles.can_view_all_managers(user):
        return get_user_model().objects.none()
    return roles.users_with_role(roles.SALES_MANAGER).order_by("username")
