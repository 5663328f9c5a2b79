"""Login endpoints with throttling: the browser login page and the API token endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from . import login_pacing, parsers, security


def _locked(request: HttpRequest, wait: int) -> HttpResponse:
    response = render(
        request, "registration/locked.html", {"wait_minutes": -(-wait // 60)}, status=429
    )
    response["Retry-After"] = str(wait)
    return response


class LoginView(auth_views.LoginView):
    """Django's login page; failures counted per user name and per IP (429 when locked)."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = security.retry_after(request.POST.get("username", ""), security.client_ip(request))
        if wait:
            return _locked(request, wait)
        login_pacing.take_turn()
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        username = self.request.POST.get("username", "")
        attempts_left = None
        if username and self.request.POST.get("password"):
            ip = security.client_ip(self.request)
            security.record_failure(self.request, username)
            wait = security.retry_after(username, ip)
            if wait:
                return _locked(self.request, wait)
            attempts_left = security.attempts_left(username, ip)
        # the warning before the lock (还可尝试 N 次)
        context = self.get_context_data(form=form, attempts_left=attempts_left)
        return self.render_to_response(context)

    def form_valid(self, form: Any) -> HttpResponse:
        security.record_success(self.request, form.get_user().get_username())
        return super().form_valid(form)


def _attempts_left_message(n: int) -> str:
    return ngettext(
        "You may try %(n)s more time before logging in is paused.",
        "You may try %(n)s more times before logging in is paused.",
        n,
    ) % {"n": n}


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class ThrottledObtainAuthToken(ObtainAuthToken):
    """`POST /api/v1/auth/token/` {"username","password"} → {"token"}; throttled like the
    login page (429 with Retry-After)."""

    # DRF's view names its own parsers; ours bound JSON's depth and refuse NULs
    parser_classes = [parsers.JSONParser, parsers.FormParser, parsers.MultiPartParser]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(
                description="Wrong user name or password; the message says how many tries "
                "are left before the lock"
            ),
            429: OpenApiResponse(description="Too many failed logins; see Retry-After"),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = request.data if isinstance(request.data, Mapping) else {}
        username = str(data.get("username", ""))[:150]
        ip = security.client_ip(request)
        wait = security.retry_after(username, ip)
        if wait:
            raise exceptions.Throttled(wait=wait)
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            errors = dict(serializer.errors)
            if username and data.get("password"):
                security.record_failure(request, username)
                wait = security.retry_after(username, ip)
                if wait:
                    raise exceptions.Throttled(wait=wait)
                errors["non_field_errors"] = [
                    *errors.get("non_field_errors", []),
                    _attempts_left_message(security.attempts_left(username, ip)),
                ]
            raise exceptions.ValidationError(errors)
        user = serializer.validated_data["user"]
        security.record_success(request, user.get_username())
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
