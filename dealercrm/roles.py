"""The one permission policy of dealercrm.

Every write path (views, API, admin, commands, tasks) asks these predicates, through
`require()` in the services. Seed 000: "no reader may change a dossier; every change is
made by the archivist". Reading rights go by role and, for sales managers, by the
customers assigned to them (a guardian object permission kept in step with the
assignment).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

ARCHIVIST = "archivist"
SALES_MANAGER = "sales_manager"
SERVICE = "service"
EXECUTIVE = "executive"
ROLES = (ARCHIVIST, SALES_MANAGER, SERVICE, EXECUTIVE)
ROLE_LABELS = {
    ARCHIVIST: _("Archivist"),
    SALES_MANAGER: _("Sales manager"),
    SERVICE: _("Service"),
    EXECUTIVE: _("Executive"),
}

VIEW_CUSTOMER_PERM = "customers.view_customer"


def role_names(user: Any) -> frozenset[str]:
    """The user's role groups, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_dealercrm_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._dealercrm_roles = cached
    return cached


def has_role(user: Any, role: str) -> bool:
    return role in role_names(user)


def role_label(user: Any) -> str:
    if getattr(user, "is_superuser", False):
        return str(_("Administrator"))
    names = role_names(user)
    return " / ".join(str(ROLE_LABELS[r]) for r in ROLES if r in names)


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


# --- dossier ---------------------------------------------------------------


def can_write_dossier(user: Any) -> bool:
    """Only the archivist (and superusers) create, change or delete dossier rows."""
    return _active(user) and (user.is_superuser or has_role(user, ARCHIVIST))


def can_view_all_customers(user: Any) -> bool:
    """Archivist, executives and service staff read every customer; managers only theirs."""
    return _active(user) and (
        user.is_superuser or bool(role_names(user) & {ARCHIVIST, EXECUTIVE, SERVICE})
    )


def can_view_customers(user: Any) -> bool:
    """May open the customer list at all (scoped further by the selectors)."""
    return can_view_all_customers(user) or (_active(user) and has_role(user, SALES_MANAGER))


def can_view_customer(user: Any, customer: Any) -> bool:
    if can_view_all_customers(user):
        return True
    return (
        _active(user)
        and has_role(user, SALES_MANAGER)
        and user.has_perm(VIEW_CUSTOMER_PERM, customer)
    )


def can_view_personal(user: Any) -> bool:
    """Personal side, family, birthday: not for service staff (ARCHITECTURE.md roles)."""
    return _active(user) and (
        user.is_superuser or bool(role_names(user) & {ARCHIVIST, EXECUTIVE, SALES_MANAGER})
    )


def can_view_shareholders(user: Any) -> bool:
    return can_view_personal(user)


def can_view_money(user: Any) -> bool:
    """Prices, capital and other amounts: not for service staff."""
    return can_view_personal(user)


def can_view_history(user: Any) -> bool:
    """The audit trail shows old values of every field, so it follows the widest rule."""
    return can_view_personal(user)


def can_view_all_managers(user: Any) -> bool:
    """Filter lists by any manager (a manager only ever sees his own)."""
    return can_view_all_customers(user)


# --- the manager's loop (contacts) -------------------------------------------


def can_submit_report(user: Any) -> bool:
    """Sales managers report calls and visits; they never write the dossier itself."""
    return _active(user) and has_role(user, SALES_MANAGER)


def can_file_submissions(user: Any) -> bool:
    """Filing a report writes the dossier, so it is the archivist's job."""
    return can_write_dossier(user)


def can_view_all_submissions(user: Any) -> bool:
    return _active(user) and (user.is_superuser or bool(role_names(user) & {ARCHIVIST, EXECUTIVE}))


def can_view_submission(user: Any, submission: Any) -> bool:
    return can_view_all_submissions(user) or (
        can_submit_report(user) and submission.author_id == user.pk
    )


def can_view_contact_logs(user: Any) -> bool:
    """Contact logs are sales information: not for service staff."""
    return can_view_personal(user)


def can_write_contact_log(user: Any) -> bool:
    return can_write_dossier(user)


def can_write_monthly_report(user: Any, report: Any = None) -> bool:
    """A manager writes his own monthly gold-card report, nobody else's."""
    return can_submit_report(user) and (report is None or report.manager_id == user.pk)


def can_view_all_monthly_reports(user: Any) -> bool:
    return can_view_all_submissions(user)


def can_view_monthly_report(user: Any, report: Any) -> bool:
    return can_view_all_monthly_reports(user) or (_active(user) and report.manager_id == user.pk)


def can_administer(user: Any) -> bool:
    return _active(user) and user.is_superuser


# --- enforcement -------------------------------------------------------------


def require(allowed: bool | Callable[..., bool], *args: Any, message: str | None = None) -> None:
    """Raise PermissionDenied unless the predicate holds.

    `require(can_write_dossier, user)` or `require(can_view_customer(user, c))`.
    """
    ok = allowed(*args) if callable(allowed) else allowed
    if not ok:
        raise PermissionDenied(message or _("You do not have permission to do this."))
