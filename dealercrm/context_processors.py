"""What every page's nav bar needs: the user's role, what he may open, and two counts."""

from typing import Any

from django.http import HttpRequest

from contacts import selectors as contact_selectors
from dealercrm import roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_role": roles.role_label(user),
        "nav_can_view_customers": roles.can_view_customers(user),
        "nav_can_write": roles.can_write_dossier(user),
        "nav_can_submit": roles.can_submit_report(user),
        "nav_can_file": roles.can_file_submissions(user),
        "nav_can_see_reports": roles.can_view_contact_logs(user),
        "nav_can_see_service": roles.can_view_service_records(user),
        "nav_can_see_parts": roles.can_view_parts_orders(user),
        "nav_can_see_compliance": roles.can_view_all_reminders(user),
        "nav_can_see_tiers": roles.can_view_money(user),
        "nav_can_see_dashboards": roles.can_view_dashboards(user),
        "nav_can_see_gold": roles.can_view_gold_programme(user),
        "nav_can_see_candidates": roles.can_view_gold_candidates(user),
        "nav_can_see_accounts": roles.can_view_account_lists(user),
        "nav_can_review_duplicates": roles.can_review_duplicates(user),
        "nav_is_admin": roles.can_administer(user),
        "nav_can_clear_lockouts": roles.can_clear_lockouts(user),
        "nav_inbox_count": contact_selectors.inbox_count(user=user),
        "nav_unread_count": contact_selectors.unread_count(user=user),
    }
