"""The API's one permission class: each viewset names the predicates of `roles.py` that
guard it, `permission_classes = [policy(read=roles.can_view_x, write=roles.can_write_x)]`.

The order of the checks is the house rule for every resource:

- anonymous: 401 (DRF answers NotAuthenticated to any refusal without credentials);
- `read` gates every request, whatever the method: a role that may not see the resource
  gets 403 even for a write;
- a write to the collection (create, or a collection action) asks its predicate at once;
- a write to one object is decided after the viewset's scoped lookup (its get_object()
  calls check_object_permissions), so another manager's object answers 404, not 403.

Core floor: this module imports no app (only DRF); the predicates come from `roles`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, cast

from rest_framework import permissions

UserPredicate = Callable[[Any], bool]
ObjectPredicate = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Rules:
    """The predicates guarding one resource (see `policy`)."""

    read: UserPredicate
    write: UserPredicate
    write_object: ObjectPredicate | None = None
    actions: Mapping[str, UserPredicate] = field(default_factory=lambda: MappingProxyType({}))


class RolePolicy(permissions.BasePermission):
    """A DRF permission driven by `rules`; build one with `policy(...)`."""

    rules: ClassVar[Rules]

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated) or not self.rules.read(user):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if view.kwargs.get(lookup):
            return True  # a write to one object: decided after the scoped lookup (404 first)
        return self.rules.actions.get(view.action, self.rules.write)(user)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        named = self.rules.actions.get(view.action)
        if named is not None:
            return named(user)
        if self.rules.write_object is not None:
            return self.rules.write_object(user, obj)
        return self.rules.write(user)


def policy(
    *,
    read: UserPredicate,
    write: UserPredicate | None = None,
    write_object: ObjectPredicate | None = None,
    actions: Mapping[str, UserPredicate] | None = None,
) -> type[RolePolicy]:
    """The permission class of one resource.

    read: who may see it; asked on every request.
    write: who may write it (create, update, delete, write actions); by default `read`,
        one predicate guarding the whole resource.
    write_object: `(user, obj)` for a write to one object when it depends on the object
        (a manager writes his own report); by default `write(user)`.
    actions: a predicate per viewset action, instead of `write`, for actions with rules of
        their own (`{"destroy": roles.can_delete_x}`, `{"create": roles.can_submit_x}`).
    """
    rules = Rules(
        read=read,
        write=write or read,
        write_object=write_object,
        actions=MappingProxyType(dict(actions or {})),
    )
    name = f"RolePolicy[{getattr(read, '__name__', 'read')}]"
    return cast(type[RolePolicy], type(name, (RolePolicy,), {"rules": rules}))
