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
        "nav_is_admin": roles.can_administer(user),
        "nav_inbox_count": contact_selectors.inbox_count(user=user),
        "nav_unread_count": contact_selectors.unread_count(user=user),
    }
