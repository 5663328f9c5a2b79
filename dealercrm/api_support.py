"""Shared API plumbing: pagination, one error format, the policy as a DRF permission."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dealercrm.months import MONTH_FORMAT
from dealercrm.pagination import SEARCH_COUNT_CAP, CappedPaginator
from dealercrm.security import HiddenObject, log_denied, not_found
from dealercrm.validators import MAX_ID

logger = logging.getLogger(__name__)


class PageNumberPagination(pagination.PageNumberPagination):
    """Page-number paging where `page` and `page_size` are what the schema says: positive
    integers, `page_size` at most 200. Anything else answers 400 on every list (DRF alone
    answers 404 for a bad page and silently ignores a bad page size); a page past the end
    stays 404."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        errors = {}
        for name, field in (
            (self.page_query_param, serializers.IntegerField(min_value=1)),
            (
                self.page_size_query_param,
                serializers.IntegerField(min_value=1, max_value=self.max_page_size),
            ),
        ):
            raw = request.query_params.get(name)
            if raw is None or (name == self.page_query_param and raw in self.last_page_strings):
                continue
            try:
                field.run_validation(raw)
            except exceptions.ValidationError as exc:
                errors[name] = exc.detail
        if errors:
            raise exceptions.ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


class CountCappedPagination(PageNumberPagination):
    """Page-number paging whose `count` stops at the view's `count_cap()` (None: exact), as
    dealercrm.pagination.CappedPaginator: past the cap `count` is the cap, `count_capped`
    is true, and `next` still leads through every page (it is known from the page itself)."""

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        count_cap = getattr(view, "count_cap", None)
        cap = count_cap() if callable(count_cap) else None
        # a class in DRF's eyes: it only calls it with (queryset, page_size)
        self.django_paginator_class = functools.partial(CappedPaginator, cap=cap)  # type: ignore[assignment]
        return super().paginate_queryset(queryset, request, view)

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        page_number = request.query_params.get(self.page_query_param) or 1
        if page_number in self.last_page_strings and getattr(paginator, "capped", False):
            return paginator.exact_num_pages()
        return super().get_page_number(request, paginator)

    def get_paginated_response(self, data: Any) -> Response:
        paginator = cast(Any, self.page).paginator  # set by paginate_queryset
        return Response(
            {
                "count": paginator.count,
                "count_capped": bool(getattr(paginator, "capped", False)),
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response = super().get_paginated_response_schema(schema)
        properties = response["properties"]
        properties["count"]["description"] = (
            f"The number of results. With a search it is counted up to {SEARCH_COUNT_CAP:,}: "
            f"a search matching more answers {SEARCH_COUNT_CAP} and `count_capped` true; "
            "`next` still leads through every page."
        )
        response["properties"] = {
            "count": properties["count"],
            "count_capped": {
                "type": "boolean",
                "description": f"True when `count` stopped at {SEARCH_COUNT_CAP:,} (more match).",
            },
            **{k: v for k, v in properties.items() if k != "count"},
        }
        response["required"] = [*response["required"], "count_capped"]
        return response


def _django_validation_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for e in errs for m in e]
            for field, errs in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


class IdField(serializers.IntegerField):
    """An object id in a query or body: a positive bigint. A larger number is a 400 naming the
    field (PostgreSQL would compare it to the bigint column and quietly find nothing)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


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
    conflict = getattr(exc, "conflict", None)
    if isinstance(exc, DjangoValidationError) and isinstance(conflict, dict):
        # The object changed under the write (a customer merged away meanwhile): 409, with
        # what the service says the client needs to redo it (the survivor's id).
        return Response({"detail": " ".join(exc.messages), **conflict}, status=409)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, OverflowError | DataError):
        # an id or number past what the database column holds (2**63 in a filter): no
        # such row can exist, so it is bad input, not a server error
        logger.warning("API input out of the database's range: %s", exc)
        exc = exceptions.ValidationError({"non_field_errors": [_("A number is out of range.")]})
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        # too many fields, a malformed multipart body: Django's own answer would be an HTML 400
        exc = exceptions.ParseError()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return response


def require_json_strings() -> None:
    """A text field takes a JSON string, as the schema says: DRF's CharField turns 0 into
    "0" and True into "True", which hides a client's mistakes (issue 15: `"next_step": 0`
    was stored as "0"). The API takes JSON only, so no form encoding needs the coercion;
    query strings are strings already. Applied once, to every CharField and its subclasses."""
    original = serializers.CharField.to_internal_value
    if getattr(original, "requires_json_string", False):
        return

    def to_internal_value(self: serializers.CharField, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return original(self, data)

    to_internal_value.requires_json_string = True  # type: ignore[attr-defined]
    serializers.CharField.to_internal_value = to_internal_value  # type: ignore[method-assign,assignment]

    # The same for booleans (DRF takes 0, 1, "yes" …) and lists of choices (DRF iterates an
    # object's keys): a body must hold what the schema says. Query strings carry booleans as
    # text, so the query serializers use QueryBooleanField.
    def boolean(self: serializers.BooleanField, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data

    def choices(self: serializers.MultipleChoiceField, data: Any) -> Any:
        if isinstance(data, dict):
            self.fail("not_a_list", input_type=type(data).__name__)
        return _drf_multiple_choice(self, data)

    serializers.BooleanField.to_internal_value = boolean  # type: ignore[method-assign,assignment]
    serializers.MultipleChoiceField.to_internal_value = choices  # type: ignore[method-assign,assignment]


_drf_boolean = serializers.BooleanField.to_internal_value
_drf_multiple_choice = serializers.MultipleChoiceField.to_internal_value


class QueryBooleanField(serializers.BooleanField):
    """A boolean in a query string (?overdue=true): text, read the way DRF reads it."""

    def to_internal_value(self, data: Any) -> bool:
        return bool(_drf_boolean(self, data))


class MonthQueryField(serializers.DateField):
    """A month in a query string (?month=2026-01): YYYY-MM, its first day; left out or empty,
    no month. Anything else answers 400 (DRF's message, unless the caller gives another)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", [MONTH_FORMAT])
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


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
    "409": "The object changed under the write (a customer merged into another meanwhile): "
    "nothing was written; 'survivor' names the customer to write to instead.",
    "413": "The request body is larger than the server accepts.",
    "414": "The address (path and query string) is longer than 4,096 bytes: the app answers "
    "in this format. Over 8,190 bytes the web server refuses the request line itself, with "
    "its own HTML page, before the app sees it.",
    "415": "The request body's media type is not accepted here (send JSON).",
    "429": "Too many requests; see Retry-After.",
}


# drf-spectacular's decimal pattern admits "", "-" and "." (every part optional), which the
# API rightly refuses; a month pattern of \d{4}-\d{2} admits month 13.
_LOOSE_DECIMAL = re.compile(r"^\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$$")
MONTH_PATTERN = r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"
NO_NUL_PATTERN = r"^[^\x00]*$"


def _tighten(schema: Any) -> None:
    """Patterns that say what the API accepts, everywhere in the schema."""
    if isinstance(schema, list):
        for item in schema:
            _tighten(item)
        return
    if not isinstance(schema, dict):
        return
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        loose = _LOOSE_DECIMAL.match(pattern)
        if loose:
            whole, places = loose.groups()
            schema["pattern"] = rf"^-?\d{{1,{whole}}}(?:\.\d{{1,{places}}})?$"
        elif pattern == r"^\d{4}-\d{2}$":
            schema["pattern"] = MONTH_PATTERN
    for value in schema.values():
        _tighten(value)


# An id filter left empty (`?region=`, as a form leaves an unchosen select) is no filter.
EMPTY_VALUE = {"type": "string", "enum": [""]}
PAGING_PARAMETERS = {"page", "page_size"}


def is_optional_id_filter(parameter: dict[str, Any]) -> bool:
    return (
        parameter.get("in") == "query"
        and not parameter.get("required")
        and parameter.get("name") not in PAGING_PARAMETERS
    )


def tighten_schema(result: dict[str, Any], generator: Any, request: Any, public: Any) -> Any:
    """drf-spectacular postprocessing hook: the schema promises no more than the API takes.
    Integer query and path parameters are ids (or page numbers): positive bigints."""
    _tighten(result.get("components", {}))
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            _tighten(operation.get("requestBody", {}))
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                # an empty value is the same as leaving a filter out, on every list
                if parameter.get("in") == "query" and "" not in schema.get("enum", [""]):
                    schema["enum"] = [*schema["enum"], ""]
                if parameter.get("in") in {"query", "path"} and schema.get("type") == "integer":
                    schema.setdefault("minimum", 1)
                    schema.setdefault("maximum", MAX_ID)  # a bigint: beyond it is a 400
                    if is_optional_id_filter(parameter):
                        parameter["schema"] = schema = {"anyOf": [schema, EMPTY_VALUE]}
                # month filters are declared as strings described "YYYY-MM …"
                if schema.get("type") == "string" and str(
                    parameter.get("description", "")
                ).startswith("YYYY-MM"):
                    # empty: no month filter
                    schema.setdefault("pattern", f"^({MONTH_PATTERN[1:-1]})?$")
                # a NUL byte is refused in every text parameter (PostgreSQL cannot store
                # or compare it): free-text query strings say so
                if (
                    parameter.get("in") == "query"
                    and schema.get("type") == "string"
                    and not {"enum", "format", "pattern"} & set(schema)
                ):
                    schema["pattern"] = NO_NUL_PATTERN
                _tighten(schema)
    return result


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: Any) -> Any:
    """drf-spectacular postprocessing hook: document the one error format and every error
    status the policy and validation can answer, on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            codes = ["400", "401", "403", "404", "405", "414", "429"]
            if method != "get":
                codes += ["413", "415"]
            if method in {"post", "put", "patch"}:
                codes.append("409")
            responses = operation.setdefault("responses", {})
            for code in codes:
                content: dict[str, Any] = {"application/json": {"schema": ref}}
                if code == "414":
                    content["text/html"] = {"schema": {"type": "string"}}
                responses.setdefault(
                    code, {"description": ERROR_RESPONSES[code], "content": content}
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
