"""What every page's nav bar needs: the user's role label and what he may open."""

from typing import Any

from django.http import HttpRequest

from dealercrm import roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_role": roles.role_label(user),
        "nav_can_view_customers": roles.can_view_customers(user),
        "nav_can_write": roles.can_write_dossier(user),
        "nav_is_admin": roles.can_administer(user),
    }
