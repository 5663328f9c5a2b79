"""Shared API plumbing: pagination, one error format, the policy as a DRF permission."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from rest_framework import exceptions, pagination, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dealercrm import roles
from dealercrm.security import HiddenObject, log_denied, not_found


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
    request = context.get("request")
    if isinstance(exc, HiddenObject):
        log_denied(request, 404, str(exc))
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        log_denied(request, 401, str(exc.detail))
    elif isinstance(exc, exceptions.PermissionDenied | DjangoPermissionDenied):
        log_denied(request, 403, str(exc))
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


class ScopedObjectMixin:
    """get_object() for viewsets whose queryset is already scoped by a selector: a row
    outside the scope answers 404 like a missing one, but is logged as a denial."""

    def get_object(self) -> Any:
        queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]  # type: ignore[attr-defined]
        try:
            obj = queryset.get(**{self.lookup_field: lookup})  # type: ignore[attr-defined]
        except (ObjectDoesNotExist, ValueError, TypeError) as exc:
            raise not_found(queryset.model, lookup) from exc
        self.check_object_permissions(self.request, obj)  # type: ignore[attr-defined]
        return obj


ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: {'detail': message} or, for bad input, {field: [messages]}.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
ERROR_RESPONSES = {
    "400": "Bad input: field errors, nothing was written.",
    "401": "No or wrong credentials.",
    "403": "The caller's role may not do this.",
    "404": "No such object, or one the caller may not see.",
    "405": "Method not allowed on this resource.",
    "415": "The request body's media type is not accepted here (send JSON).",
    "429": "Too many requests; see Retry-After.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: Any) -> Any:
    """drf-spectacular postprocessing hook: document the one error format and every error
    status the policy and validation can answer, on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            codes = ["400", "401", "403", "404", "405", "429"]
            if method != "get":
                codes.append("415")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": ERROR_RESPONSES[code],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    return result


class RFC3339DateTimeField(serializers.DateTimeField):
    """Date-times as RFC 3339 says: Python prints an old time in the dealer's zone with its
    local mean time offset, seconds included (Shanghai before 1901: +08:05:43), which RFC
    3339 has no room for; such a value is given in UTC instead. Installed for every model
    serializer's DateTimeField by DealercrmConfig.ready()."""

    _OFFSET_WITH_SECONDS = re.compile(r"[+-]\d{2}:\d{2}:\d{2}(?:\.\d+)?$")

    def to_representation(self, value: Any) -> Any:
        text = super().to_representation(value)
        if isinstance(text, str) and self._OFFSET_WITH_SECONDS.search(text):
            return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        return text


def install_rfc3339_datetimes() -> None:
    serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = (
        RFC3339DateTimeField
    )
