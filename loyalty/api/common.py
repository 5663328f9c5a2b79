"""What the gold-card programme's API modules share: JSON-only writes, the customer filter."""

from __future__ import annotations

from collections.abc import Sequence

from rest_framework import serializers
from rest_framework.parsers import BaseParser

from dealercrm.api_support import IdField
from dealercrm.parsers import JSONParser


class JsonOnly:
    """Writes take JSON only: registrations nest the traits as an object, which form
    encodings cannot carry (the schema then documents application/json alone)."""

    parser_classes: Sequence[type[BaseParser]] = [JSONParser]  # the project's: bounded depth


class _Query(serializers.Serializer):
    customer = IdField(required=False)
