"""Project-level pages: the home page each role lands on."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults

from contacts import selectors as contact_selectors
from customers import selectors as customer_selectors
from dealercrm import roles


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    customers = customer_selectors.visible_customers(user=user)
    context: dict[str, Any] = {
        # both served by partial indexes (live ids; live gold cards), see Customer.Meta
        "customer_count": customers.count(),
        "gold_count": customers.filter(is_gold_card=True).count(),
        "can_write": roles.can_write_dossier(user),
        "at_risk_days": customer_selectors.at_risk_days(),
    }
    if roles.can_submit_report(user):
        context["manager"] = contact_selectors.manager_home(user=user)
    else:
        context["recent_customers"] = customers.select_related("manager", "sales_region").order_by(
            "-updated_at"
        )[:10]
        context["inbox"] = contact_selectors.inbox(user=user)[:10]
    return render(request, "home.html", context)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 in the API's one error format under /api/, the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
