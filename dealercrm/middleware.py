"""Project middleware: the security log of denied browser requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .security import HiddenObject, log_denied


class SecurityLogMiddleware:
    """Writes every access the policy denied in a browser view: a PermissionDenied (403)
    or a HiddenObject (404 for an object that exists). The API logs its own denials in
    dealercrm.api_support.exception_handler, since DRF handles exceptions itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if isinstance(exception, PermissionDenied):
            log_denied(request, 403, str(exception) or "permission denied")
        elif isinstance(exception, HiddenObject):
            log_denied(request, 404, str(exception))
        return None
