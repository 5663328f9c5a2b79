"""The API's body parsers: JSON bounded in depth before it is parsed (a body nested a
thousand levels deep raised RecursionError), and no NUL in any body (see
dealercrm.input_guard)."""

from __future__ import annotations

import codecs
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

from .input_guard import has_nul, nul_message

# A JSON string (with its escapes): brackets inside strings are not nesting.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_RUN = re.compile(r"\[+|\]+")


def too_deep(text: str, limit: int) -> bool:
    """Does the JSON text nest arrays/objects more than `limit` levels?

    Never recursive, linear, and mostly in C: strings and all but the brackets are dropped
    (objects count as arrays), then innermost pairs are removed a level per pass while that
    shrinks the rest much (each pass lowers the deepest level by exactly one), and the rest
    is measured run by run. A 2.5 MB body costs about what json.loads of it costs."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    brackets = brackets.replace("{", "[").replace("}", "]")
    levels = 0
    while levels <= limit:
        inner = brackets.replace("[]", "")
        if len(brackets) - len(inner) < max(len(brackets) // 10, 1):
            break
        brackets, levels = inner, levels + 1
    if levels > limit:
        return True
    for run in _RUN.finditer(brackets):
        width = run.end() - run.start()
        levels += width if brackets[run.start()] == "[" else -width
        if levels > limit:
            return True
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        # The size is bounded before this runs: DRF reads request.body, which Django caps at
        # DATA_UPLOAD_MAX_MEMORY_SIZE (400).
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read()
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        limit = settings.DEALERCRM["JSON_MAX_DEPTH"]
        if too_deep(text, limit):
            raise ParseError(
                _("The JSON body is nested too deeply (more than %(limit)s levels).")
                % {"limit": limit}
            )
        try:
            parse_constant = json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        # the only way to write a NUL in valid JSON is the escape
        if "\\u0000" in text and has_nul(data):
            raise ParseError(nul_message())
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if has_nul(data):
            raise ParseError(nul_message())
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        result = super().parse(stream, media_type, parser_context)
        if has_nul(result.data):
            raise ParseError(nul_message())
        return result
