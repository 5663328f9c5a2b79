"""Project-level pages: the home page each role lands on."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions

from contacts import selectors as contact_selectors
from customers import selectors as customer_selectors
from dealercrm import home as days
from dealercrm import roles
from dealercrm.api_support import PayloadTooLarge
from dealercrm.input_guard import is_api


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    customers = customer_selectors.visible_customers(user=user)
    context: dict[str, Any] = {
        # both served by indexes (a manager's permissions, live ids; live gold cards)
        "customer_count": customer_selectors.visible_count(user=user),
        "gold_count": customers.filter(is_gold_card=True).count(),
        "can_write": roles.can_write_dossier(user),
        "at_risk_days": customer_selectors.at_risk_days(),
    }
    if roles.can_submit_report(user):
        context["manager"] = contact_selectors.manager_home(user=user)
    elif roles.can_file_submissions(user):
        context["archivist"] = days.archivist_day(user=user)
    elif roles.can_view_all_dashboards(user):
        context["executive"] = days.executive_day(user=user)
    elif roles.can_view_service_records(user):
        context["service"] = days.service_day(user=user)
    if "manager" not in context and "service" not in context:
        context["recent_customers"] = customers.select_related("manager", "sales_region").order_by(
            "-updated_at"
        )[:10]
    return render(request, "home.html", context)


# Errors raised outside a DRF view (an unroutable URL, a body over the size limit read by
# middleware, a crash) answer in the API's one error format under /api/, the site's pages
# elsewhere. The details are DRF's own messages, so they are translated like the rest.


def _error(detail: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return _error(str(exceptions.NotFound.default_detail), 404)
    return defaults.page_not_found(request, exception)


@csrf_exempt  # answers 404 to any method; a session cookie must not turn it into a 403 page
def api_not_found(request: HttpRequest) -> HttpResponse:
    return _error(str(exceptions.NotFound.default_detail), 404)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return _error(str(PayloadTooLarge.default_detail), 413)
        return _error(str(exceptions.ParseError.default_detail), 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return _error(str(exceptions.PermissionDenied.default_detail), 403)
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return _error(str(exceptions.APIException.default_detail), 500)
    return defaults.server_error(request)
