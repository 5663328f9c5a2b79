"""Pages of the security side the archivist needs: the lockout list and clearing one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import roles, security
from .decorators import policy_required
from .models import LoginThrottle


@policy_required(roles.can_clear_lockouts)
def lockout_list(request: HttpRequest) -> HttpResponse:
    return render(request, "security/lockout_list.html", {"lockouts": security.lockouts()})


@policy_required(roles.can_clear_lockouts)
@require_POST
def lockout_clear(request: HttpRequest, pk: int) -> HttpResponse:
    throttle = get_object_or_404(LoginThrottle, pk=pk)
    security.lockout_clear(actor=request.user, request=request, throttle=throttle)
    messages.success(request, _("Lockout of %(key)s lifted.") % {"key": throttle.key})
    return redirect("lockouts")
