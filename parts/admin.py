"""Admin of the parts ledger: the part catalogue is kept here (through parts.services);
orders are read-only here, entered with their lines on the dossier's pages and the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dealercrm import roles

from . import services
from .models import Part, PartsOrder, PartsOrderLine


class _MoneyVisible:
    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return request.user.is_staff and roles.can_view_parts_orders(request.user)

    def has_module_permission(self, request: Any) -> bool:
        return self.has_view_permission(request)


@admin.register(Part)
class PartAdmin(_MoneyVisible, SimpleHistoryAdmin):
    list_display = [
        "part_number",
        "name",
        "category",
        "list_price",
        "cost_price",
        "unit",
        "is_active",
    ]
    list_filter = ["category", "is_active"]
    search_fields = ["part_number", "name"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return roles.can_configure_service(request.user)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return roles.can_configure_service(request.user)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return roles.can_configure_service(request.user)

    def save_model(self, request: Any, obj: Part, form: Any, change: bool) -> None:
        saved = services.part_save(
            actor=request.user,
            part=Part.objects.get(pk=obj.pk) if change else None,
            data=form.cleaned_data,
        )
        obj.pk = saved.pk

    def delete_model(self, request: Any, obj: Part) -> None:
        services.part_delete(actor=request.user, part=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for part in queryset:
            services.part_delete(actor=request.user, part=part)


class LineInline(admin.TabularInline):
    model = PartsOrderLine
    extra = 0
    fields = (
        "position",
        "part_number",
        "name",
        "category",
        "quantity",
        "unit_price",
        "discount_percent",
        "amount",
    )
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(PartsOrder)
class PartsOrderAdmin(_MoneyVisible, admin.ModelAdmin):
    list_display = [
        "ordered_on",
        "invoice_number",
        "customer",
        "subtotal",
        "discount_amount",
        "total",
    ]
    list_select_related = ["customer"]
    search_fields = ["invoice_number", "customer__name"]
    inlines = [LineInline]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
