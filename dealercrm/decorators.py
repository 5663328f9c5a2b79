"""The view-side helper of the policy: answer early with 403 when a role may not come in."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required

from dealercrm import roles


def policy_required(predicate: Callable[[Any], bool]) -> Callable[[Callable[..., Any]], Any]:
    """Login first (anonymous users go to the login page), then the role predicate (403)."""

    def decorator(view: Callable[..., Any]) -> Any:
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            roles.require(predicate, request.user)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
