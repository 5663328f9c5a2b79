"""Shared API plumbing: pagination, one error format, the policy as a DRF permission."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination, permissions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dealercrm import roles


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


def _django_validation_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for e in errs for m in e]
            for field, errs in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Services raise Django's exceptions; the API answers them like DRF's own.

    Every error body is an object: field errors as {field: [messages]}, others as
    {"detail": message}.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return response


class DossierPolicy(permissions.BasePermission):
    """Reads need a role that may see customers; writes need the archivist.

    A write to one object is decided after the scoped lookup, so another manager's
    customer answers 404 (not 403) whatever the method.
    """

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return roles.can_view_customers(request.user)
        if view.kwargs.get(getattr(view, "lookup_url_kwarg", None) or view.lookup_field):
            return roles.can_view_customers(request.user)
        return roles.can_write_dossier(request.user)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return roles.can_write_dossier(request.user)
