"""Admin of the parts ledger: the part catalogue is kept here (through parts.services);
orders are read-only here, entered with their lines on the dossier's pages and the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dealercrm import roles
from dealercrm.admin_policy import AdminRules, RoleAdminMixin

from . import services
from .models import Part, PartsOrder, PartsOrderLine


@admin.register(Part)
class PartAdmin(RoleAdminMixin, SimpleHistoryAdmin):
    admin_rules = AdminRules(view=roles.can_view_parts_orders, write=roles.can_configure_service)
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
class PartsOrderAdmin(RoleAdminMixin, admin.ModelAdmin):
    admin_rules = AdminRules(view=roles.can_view_parts_orders)
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
