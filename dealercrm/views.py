"""Project-level pages: the home page each role lands on."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from customers import selectors as customer_selectors
from dealercrm import roles


@login_required
def home(request: HttpRequest) -> HttpResponse:
    customers = customer_selectors.visible_customers(user=request.user)
    context = {
        "customer_count": customers.count(),
        "gold_count": customers.filter(is_gold_card=True).count(),
        "my_customers": customers.filter(manager=request.user)
        .select_related("sales_region")
        .order_by("-is_gold_card", "name_pinyin")[:20]
        if roles.has_role(request.user, roles.SALES_MANAGER)
        else None,
        "recent_customers": customers.select_related("manager", "sales_region").order_by(
            "-updated_at"
        )[:10],
        "can_write": roles.can_write_dossier(request.user),
    }
    return render(request, "home.html", context)
