"""Admin of the service desk: maintenance plans are configured here (through the services,
so forecasts follow); records, readings and forecasts are read-only here, written on the
desk's pages and the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dealercrm import roles
from dealercrm.admin_policy import AdminRules, RoleAdminMixin

from . import services
from .models import HourReading, MaintenanceForecast, MaintenancePlan, ServiceRecord


class ReadOnlyAdmin(RoleAdminMixin, admin.ModelAdmin):
    admin_rules = AdminRules(view=roles.can_view_all_customers)


@admin.register(MaintenancePlan)
class MaintenancePlanAdmin(RoleAdminMixin, SimpleHistoryAdmin):
    admin_rules = AdminRules(view=roles.can_view_all_customers, write=roles.can_configure_service)
    list_display = ["model_family", "first_service_hours", "interval_hours", "note"]
    search_fields = ["model_family"]

    def save_model(self, request: Any, obj: MaintenancePlan, form: Any, change: bool) -> None:
        saved = services.maintenance_plan_save(
            actor=request.user,
            plan=MaintenancePlan.objects.get(pk=obj.pk) if change else None,
            data=form.cleaned_data,
        )
        obj.pk = saved.pk

    def delete_model(self, request: Any, obj: MaintenancePlan) -> None:
        services.maintenance_plan_delete(actor=request.user, plan=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for plan in queryset:
            services.maintenance_plan_delete(actor=request.user, plan=plan)


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    list_display = ["opened_on", "customer", "kind", "subject", "status", "technician"]
    list_filter = ["kind", "status"]
    list_select_related = ["customer", "technician"]
    search_fields = ["subject", "customer__name"]


@admin.register(HourReading)
class HourReadingAdmin(ReadOnlyAdmin):
    list_display = ["read_on", "machine", "hours", "source", "entered_by"]
    list_filter = ["source"]
    list_select_related = ["machine", "entered_by"]


@admin.register(MaintenanceForecast)
class MaintenanceForecastAdmin(ReadOnlyAdmin):
    list_display = [
        "machine",
        "state",
        "last_hours",
        "rate_per_day",
        "next_due_hours",
        "next_due_on",
    ]
    list_filter = ["state"]
    list_select_related = ["machine"]
