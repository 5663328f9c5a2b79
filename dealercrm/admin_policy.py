"""The admin's one permission block: each ModelAdmin names the predicates of `roles.py`
that guard it, `admin_rules = AdminRules(view=roles.can_view_x, write=roles.can_write_x)`,
and mixes in `RoleAdminMixin` before its admin base class.

Seeing a model in the admin needs staff status (the admin's own door) and the view
predicate; adding, changing and deleting need their predicate alone (no predicate: nobody,
the model is read-only in the admin). Writes still go through the services, which ask the
same predicates again.

Core floor: this module imports no app and not django.contrib.admin; every app's admin.py
may import it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

UserPredicate = Callable[[Any], bool]


@dataclass(frozen=True)
class AdminRules:
    """view: who sees the models (staff only). write: who adds, changes and deletes them;
    add/change/delete: instead of `write` for that one permission. None: nobody."""

    view: UserPredicate
    write: UserPredicate | None = None
    add: UserPredicate | None = None
    change: UserPredicate | None = None
    delete: UserPredicate | None = None


def _allowed(predicate: UserPredicate | None, request: Any) -> bool:
    return predicate is not None and predicate(request.user)


class RoleAdminMixin:
    """has_view/module/add/change/delete_permission from `admin_rules`."""

    admin_rules: ClassVar[AdminRules]

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_staff) and self.admin_rules.view(request.user)

    def has_module_permission(self, request: Any) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return _allowed(self.admin_rules.add or self.admin_rules.write, request)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return _allowed(self.admin_rules.change or self.admin_rules.write, request)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return _allowed(self.admin_rules.delete or self.admin_rules.write, request)
