"""The OpenAPI schema says what the API sends: read-only fields declare the nulls and
blanks their model rows can hold (issue 15: `rule_code` of a reversal, `undone_by` of a
live merge, a `previous_tier` of "" were sent but not declared)."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


def _model_fields_along(field: serializers.Field) -> list[Any] | None:
    """The model fields a serializer field's dotted source walks through, or None when the
    source leaves the model (a method, a property, a computed annotation)."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    if model is None or not getattr(field, "source_attrs", None) or field.source == "*":
        return None
    path = []
    for attr in field.source_attrs:
        if model is None:
            return None
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None
        path.append(model_field)
        model = model_field.related_model if model_field.is_relation else None
    return path


def _optional(field: Any) -> bool:
    """A to-one step that may lead nowhere: a nullable foreign key, or the reverse side of a
    one-to-one (to-many steps give lists, never null)."""
    if field.many_to_one or (field.one_to_one and field.concrete):
        return bool(field.null)
    return bool(field.one_to_one)


class AutoSchema(SpectacularAutoSchema):
    """DRF drops `allow_blank` from read-only model fields and never marks a field nullable
    because a relation on its source path is optional; put both back for the schema."""

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        if field.read_only:
            path = _model_fields_along(field)
            if path:
                *through, last = path
                nullable = any(_optional(f) for f in through) or (
                    _optional(last) or (last.concrete and not last.is_relation and last.null)
                )
                blank = (
                    isinstance(field, serializers.ChoiceField)
                    and not isinstance(field, serializers.MultipleChoiceField)
                    and last.blank
                )
                if (nullable and not field.allow_null) or (blank and not field.allow_blank):
                    field = copy.copy(field)
                    field.allow_null = field.allow_null or nullable
                    if blank:
                        field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)
