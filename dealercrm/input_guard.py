"""What is refused at the door, before any view runs.

- NUL characters: PostgreSQL cannot store them, and a view that reads a parameter raw (a
  filter, the login form's user name) would answer 500. One check for every query string and
  every browser form body; API bodies are checked by the parsers (dealercrm.parsers).
- Addresses longer than MAX_URL_BYTES: no page or API call of ours needs more, and a longer
  one is answered 414 in the app's own error format (JSON on /api/). gunicorn's own limit
  (gunicorn.conf.py) sits above this one, so the app, not the web server, decides."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# Path and query string as sent (percent-encoded). A search of 200 Chinese characters is
# 1,800 bytes encoded; gunicorn refuses a request line over 8,190 (limit_request_line).
MAX_URL_BYTES = 4096


def nul_message() -> str:
    return _(
        "The request contains a character that is not allowed (NUL, \\0). Remove it and try again."
    )


def has_nul(data: Any) -> bool:
    """Is there a NUL in any key or string value of a QueryDict or of decoded JSON?"""
    if isinstance(data, str):
        return NUL in data
    if hasattr(data, "lists"):  # QueryDict / MultiValueDict: every value of every key
        return any(NUL in key or any(has_nul(v) for v in values) for key, values in data.lists())
    if isinstance(data, Mapping):
        return any(has_nul(key) or has_nul(value) for key, value in data.items())
    if isinstance(data, Iterable) and not isinstance(data, bytes):
        return any(has_nul(value) for value in data)
    return False


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "400.html", {"message": message}, status=status)


def url_length(request: HttpRequest) -> int:
    """Bytes of the path and query string as the client sent them."""
    path = request.META.get("RAW_URI") or request.get_full_path()
    return len(str(path).encode("utf-8"))


def too_long_message() -> str:
    return _(
        "The address is too long (more than %(limit)s bytes). Shorten the search or filter "
        "and try again."
    ) % {"limit": f"{MAX_URL_BYTES:,}"}


class RejectNulMiddleware:
    """414 for an address over MAX_URL_BYTES; 400 for a NUL anywhere in the query string, or
    in a browser form's fields (API bodies: the parsers). Nothing is logged or written: the
    request never reaches a view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if url_length(request) > MAX_URL_BYTES:
            return bad_request(request, too_long_message(), status=414)
        if has_nul(request.GET) or (
            not is_api(request)
            and request.content_type in FORM_TYPES
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and has_nul(request.POST)
        ):
            return bad_request(request, nul_message())
        return self.get_response(request)
