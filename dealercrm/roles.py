"""The one permission policy of dealercrm.

Every write path (views, API, admin, commands, tasks) asks these predicates, through
`require()` in the services. Seed 000: "no reader may change a dossier; every change is
made by the archivist". Reading rights go by role and, for sales managers, by the
customers assigned to them (a guardian object permission kept in step with the
assignment).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import QuerySet

# Who acts, in every service and selector (`actor`, `user`): request.user as django-stubs
# types it, the project's user model (AUTH_USER_MODEL is not set: auth.User) or the
# anonymous user. The predicates below refuse the anonymous one at run time; scheduled jobs
# pass the system actor (dealercrm.jobs). A string, so that importing roles loads no model.
Actor: TypeAlias = "User | AnonymousUser"
# A signed-in user: what every predicate below has let through (each is a TypeGuard, so
# `if roles.can_…(user):` narrows an Actor to it), and what a row records as who acted.
SignedIn: TypeAlias = "User"

ARCHIVIST = "archivist"
SALES_MANAGER = "sales_manager"
SERVICE = "service"
EXECUTIVE = "executive"
ROLES = (ARCHIVIST, SALES_MANAGER, SERVICE, EXECUTIVE)
ROLE_LABELS = {
    ARCHIVIST: _("Archivist"),
    SALES_MANAGER: _("Sales manager"),
    SERVICE: pgettext_lazy("role: after-sales service staff", "Service"),
    EXECUTIVE: _("Executive"),
}

VIEW_CUSTOMER_PERM = "customers.view_customer"


def role_names(user: Any) -> frozenset[str]:
    """The user's role groups, cached on the user object for the request (anything that is
    not a signed-in user, None included, has none)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_dealercrm_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._dealercrm_roles = cached
    return cached


def has_role(user: Actor | None, role: str) -> TypeGuard[SignedIn]:
    return role in role_names(user)


def users_with_role(role: str, *, active_only: bool = True) -> QuerySet[Any]:
    """The users holding `role` (active ones unless active_only=False), unordered."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(groups__name=role)
    return users.filter(is_active=True) if active_only else users


def role_label(user: Actor) -> str:
    if getattr(user, "is_superuser", False):
        return str(_("Administrator"))
    names = role_names(user)
    return " / ".join(str(ROLE_LABELS[r]) for r in ROLES if r in names)


def _active(user: Actor) -> TypeGuard[SignedIn]:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


# --- dossier ---------------------------------------------------------------


def can_write_dossier(user: Actor) -> TypeGuard[SignedIn]:
    """Only the archivist (and superusers) create, change or delete dossier rows."""
    return _active(user) and (user.is_superuser or has_role(user, ARCHIVIST))


def can_view_all_customers(user: Actor) -> TypeGuard[SignedIn]:
    """Archivist, executives and service staff read every customer; managers only theirs."""
    return _active(user) and (
        user.is_superuser or bool(role_names(user) & {ARCHIVIST, EXECUTIVE, SERVICE})
    )


def can_view_customers(user: Actor) -> TypeGuard[SignedIn]:
    """May open the customer list at all (scoped further by the selectors)."""
    return can_view_all_customers(user) or (_active(user) and has_role(user, SALES_MANAGER))


def can_view_customer(user: Actor, customer: Any) -> TypeGuard[SignedIn]:
    if can_view_all_customers(user):
        return True
    return (
        _active(user)
        and has_role(user, SALES_MANAGER)
        and user.has_perm(VIEW_CUSTOMER_PERM, customer)
    )


def can_view_personal(user: Actor) -> TypeGuard[SignedIn]:
    """Personal side, family, birthday: not for service staff (ARCHITECTURE.md roles)."""
    return _active(user) and (
        user.is_superuser or bool(role_names(user) & {ARCHIVIST, EXECUTIVE, SALES_MANAGER})
    )


def can_view_shareholders(user: Actor) -> TypeGuard[SignedIn]:
    return can_view_personal(user)


def can_view_money(user: Actor) -> TypeGuard[SignedIn]:
    """Prices, capital and other amounts: not for service staff."""
    return can_view_personal(user)


def can_view_history(user: Actor) -> TypeGuard[SignedIn]:
    """The audit trail shows old values of every field, so it follows the widest rule."""
    return can_view_personal(user)


def can_view_all_managers(user: Actor) -> TypeGuard[SignedIn]:
    """Filter lists by any manager (a manager only ever sees his own)."""
    return can_view_all_customers(user)


def can_import_customers(user: Actor) -> TypeGuard[SignedIn]:
    """Bring a spreadsheet into the archive: it writes dossiers, so the archivist's job."""
    return _active(user) and (user.is_superuser or has_role(user, ARCHIVIST))


def can_export_customers(user: Actor) -> TypeGuard[SignedIn]:
    """Download the customer list one may see (columns as on screen: see the export)."""
    return can_view_customers(user)


# --- the manager's loop (contacts) -------------------------------------------


def can_submit_report(user: Actor) -> TypeGuard[SignedIn]:
    """Sales managers report calls and visits; they never write the dossier itself."""
    return _active(user) and has_role(user, SALES_MANAGER)


def can_file_submissions(user: Actor) -> TypeGuard[SignedIn]:
    """Filing a report writes the dossier, so it is the archivist's job."""
    return can_write_dossier(user)


def can_view_all_submissions(user: Actor) -> TypeGuard[SignedIn]:
    return _active(user) and (user.is_superuser or bool(role_names(user) & {ARCHIVIST, EXECUTIVE}))


def can_view_submission(user: Actor, submission: Any) -> TypeGuard[SignedIn]:
    return can_view_all_submissions(user) or (
        can_submit_report(user) and submission.author_id == user.pk
    )


def can_view_contact_logs(user: Actor) -> TypeGuard[SignedIn]:
    """Contact logs are sales information: not for service staff."""
    return can_view_personal(user)


def can_write_contact_log(user: Actor) -> TypeGuard[SignedIn]:
    return can_write_dossier(user)


def can_write_monthly_report(user: Actor, report: Any = None) -> TypeGuard[SignedIn]:
    """A manager writes his own monthly gold-card report, nobody else's."""
    return can_submit_report(user) and (report is None or report.manager_id == user.pk)


def can_view_all_monthly_reports(user: Actor) -> TypeGuard[SignedIn]:
    return can_view_all_submissions(user)


def can_view_monthly_report(user: Actor, report: Any) -> TypeGuard[SignedIn]:
    return can_view_all_monthly_reports(user) or (_active(user) and report.manager_id == user.pk)


def can_administer(user: Actor) -> TypeGuard[SignedIn]:
    return _active(user) and user.is_superuser


def can_administer_security(user: Actor) -> TypeGuard[SignedIn]:
    """The security log and the login throttles in the admin (and lifting a lockout there):
    superusers only. The app's own lockout page asks can_clear_lockouts."""
    return can_administer(user)


# --- scheduled work -----------------------------------------------------------

SYSTEM_USERNAME = "system"


def is_system_actor(user: Actor) -> TypeGuard[SignedIn]:
    """The named actor scheduled jobs run as (it has no usable password: nobody logs in)."""
    return (
        _active(user) and user.get_username() == SYSTEM_USERNAME and not user.has_usable_password()
    )


def can_run_scheduled_jobs(user: Actor) -> TypeGuard[SignedIn]:
    """Reminders, escalations and tiering: the system actor, or an administrator by hand."""
    return is_system_actor(user) or (_active(user) and user.is_superuser)


def can_view_reminders(user: Actor) -> TypeGuard[SignedIn]:
    return can_view_contact_logs(user)


def can_view_all_reminders(user: Actor) -> TypeGuard[SignedIn]:
    return can_view_all_submissions(user)


# --- after-sales service, hour meters and parts ---------------------------------
# Service records (seed 000 item 3) are the service desk's own documents: service staff
# write them, although they never write the dossier's profile, fleet or money fields.
# The charges on a record are money: only the archivist fills or corrects them, and
# service staff never see them. Parts orders (item 4) are dossier money records: the
# archivist writes them, and service staff do not read them at all.


def can_view_service_records(user: Actor) -> TypeGuard[SignedIn]:
    """Who may open service records; rows are scoped like customers (a manager: his own)."""
    return can_view_customers(user)


def can_write_service_record(user: Actor) -> TypeGuard[SignedIn]:
    """Service staff and the archivist create and update service records."""
    return _active(user) and (user.is_superuser or bool(role_names(user) & {ARCHIVIST, SERVICE}))


def can_edit_closed_service_record(user: Actor) -> TypeGuard[SignedIn]:
    """A closed record is final for the desk; the archivist may still correct it."""
    return can_write_dossier(user)


def can_delete_service_record(user: Actor) -> TypeGuard[SignedIn]:
    return can_write_dossier(user)


def can_view_service_charges(user: Actor) -> TypeGuard[SignedIn]:
    """Labour and parts charges are money: not for service staff."""
    return can_view_money(user)


def can_write_service_charges(user: Actor) -> TypeGuard[SignedIn]:
    return can_write_dossier(user)


def can_write_hour_reading(user: Actor) -> TypeGuard[SignedIn]:
    """Hour-meter readings come from visits or are entered directly by the desk."""
    return can_write_service_record(user)


def can_delete_hour_reading(user: Actor) -> TypeGuard[SignedIn]:
    """A wrong reading blocks the next ones (readings never go down): the archivist removes it."""
    return can_write_dossier(user)


def can_view_maintenance_due(user: Actor) -> TypeGuard[SignedIn]:
    """The "due soon" list: service staff see every machine, a manager his customers'."""
    return can_view_customers(user)


def can_view_parts_orders(user: Actor) -> TypeGuard[SignedIn]:
    """Parts orders are money records: not for service staff."""
    return can_view_customers(user) and can_view_money(user)


def can_write_parts_order(user: Actor) -> TypeGuard[SignedIn]:
    return can_write_dossier(user)


def can_configure_service(user: Actor) -> TypeGuard[SignedIn]:
    """Maintenance plans and the part catalogue (entered in the admin)."""
    return can_write_dossier(user)


def can_refresh_maintenance_forecasts(user: Actor) -> TypeGuard[SignedIn]:
    """The nightly recomputation (system actor), or by hand."""
    return can_run_scheduled_jobs(user) or can_configure_service(user)


# --- security ------------------------------------------------------------------


def can_clear_lockouts(user: Actor) -> TypeGuard[SignedIn]:
    """Locked-out logins are seen and cleared by the archivist or a superuser."""
    return can_write_dossier(user)


# --- the gold-card programme (loyalty) ---------------------------------------------
# Seed 000: the archivist keeps the registration form (金卡客户登记表), the cards and the
# benefit ledger; executives watch the whole gold group; each manager reads his own gold
# customers (the selectors scope rows as for customers). Service staff see no money and
# no ledger.


def can_manage_gold_cards(user: Actor) -> TypeGuard[SignedIn]:
    """Register, suspend, revoke and reactivate cards; record referrals, traits, awards;
    configure the benefit rules and the award weights."""
    return can_write_dossier(user)


def can_date_cards_before_the_window(user: Actor) -> TypeGuard[SignedIn]:
    """Date a gold card earlier than GOLD_CARD_BACKDATE_DAYS ago (never before the dealer's
    founding): the administrator moving paper cards of earlier years in. Credits count the
    purchases from the issue date on, so an earlier date pays for older purchases."""
    return _active(user) and bool(user.is_superuser)


def can_view_gold_programme(user: Actor) -> TypeGuard[SignedIn]:
    """Cards, ledgers and referral trees (a manager: of his own customers only)."""
    return _active(user) and (
        user.is_superuser or bool(role_names(user) & {ARCHIVIST, EXECUTIVE, SALES_MANAGER})
    )


def can_view_credits(user: Actor) -> TypeGuard[SignedIn]:
    """The parts-credit ledger and balances: the gold programme's money (not service staff)."""
    return can_view_gold_programme(user) and can_view_money(user)


def can_view_all_gold_programme(user: Actor) -> TypeGuard[SignedIn]:
    """The whole gold group: candidates, the yearly ranking, every card."""
    return _active(user) and (user.is_superuser or bool(role_names(user) & {ARCHIVIST, EXECUTIVE}))


def can_view_gold_candidates(user: Actor) -> TypeGuard[SignedIn]:
    return can_view_all_gold_programme(user)


def can_view_dashboards(user: Actor) -> TypeGuard[SignedIn]:
    """The gold-card and 80/20 dashboards (figures of money and contacts): executives and
    the archivist see the whole group, a manager the figures of his own customers; not
    service staff (no money)."""
    return can_view_gold_programme(user) and can_view_money(user)


def can_view_all_dashboards(user: Actor) -> TypeGuard[SignedIn]:
    """Every manager's figures, and the manager filter."""
    return can_view_dashboards(user) and can_view_all_gold_programme(user)


def can_redeem_credits(user: Actor) -> TypeGuard[SignedIn]:
    """Credits are money: only the archivist spends them against a parts order."""
    return can_manage_gold_cards(user)


def can_sync_credits(user: Actor) -> TypeGuard[SignedIn]:
    """Earning credits by rule: the system actor after a purchase, or the archivist."""
    return can_run_scheduled_jobs(user) or can_manage_gold_cards(user)


def can_view_account_lists(user: Actor) -> TypeGuard[SignedIn]:
    """Benchmark and key-account lists with their next actions: sales information."""
    return can_view_contact_logs(user)


def can_write_tender(user: Actor) -> TypeGuard[SignedIn]:
    """A key account's tenders are dossier information: the archivist keeps them."""
    return can_write_dossier(user)


# --- duplicates and merges (archive truth) ------------------------------------
# Seed 000: the archivist alone cleans the archive and merges duplicates; the review queue
# shows two dossiers side by side with every personal detail, so nobody else sees it.


def can_review_duplicates(user: Actor) -> TypeGuard[SignedIn]:
    """Open the duplicate queue, dismiss a pair or link two customers as relatives."""
    return _active(user) and (user.is_superuser or has_role(user, ARCHIVIST))


def can_merge(user: Actor) -> TypeGuard[SignedIn]:
    """Merge two dossiers into one, and undo a merge."""
    return can_review_duplicates(user)


def can_refresh_duplicates(user: Actor) -> TypeGuard[SignedIn]:
    """Rebuild the queue: the archivist by hand, or the system actor on schedule."""
    return can_review_duplicates(user) or can_run_scheduled_jobs(user)


# --- enforcement -------------------------------------------------------------


def signed_in(actor: Actor) -> SignedIn:
    """`actor` as the user a row records (created_by, merged_by, his own reports …). Every
    predicate refuses the anonymous user, so after require() the actor is signed in and
    this only says so to mypy; an anonymous user that got here all the same is refused as
    require() would refuse him (the row could not record him anyway)."""
    if not actor.is_authenticated:
        raise PermissionDenied(_("You do not have permission to do this."))
    return actor


def require(allowed: bool | Callable[..., bool], *args: Any, message: str | None = None) -> None:
    """Raise PermissionDenied unless the predicate holds.

    `require(can_write_dossier, user)` or `require(can_view_customer(user, c))`.
    """
    ok = allowed(*args) if callable(allowed) else allowed
    if not ok:
        raise PermissionDenied(message or _("You do not have permission to do this."))
