"""Admin for dossiers: the same policy and services as every other write path."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from dealercrm import roles
from dealercrm.admin_policy import AdminRules, RoleAdminMixin

from . import services
from .matching.door import door_candidates
from .models import Customer, Machine, Operator, Phone, Project, SalesRegion, Shareholder


class PolicyAdmin(RoleAdminMixin, SimpleHistoryAdmin):
    """Only the archivist (and superusers) write; executives and service staff may look."""

    admin_rules = AdminRules(view=roles.can_view_all_customers, write=roles.can_write_dossier)


class CustomerAdminForm(forms.ModelForm):
    """The admin's add page looks at the archive first, as every create path (issue 17)."""

    confirm_new = forms.BooleanField(
        label=gettext_lazy("This is a new customer: create anyway"), required=False
    )
    confirm_reason = forms.CharField(
        label=gettext_lazy("Why is it a new customer?"),
        required=False,
        max_length=services.CONFIRM_REASON_MAX,
    )

    class Meta:
        model = Customer
        exclude: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and not self.errors:
            found = door_candidates(data)
            if found and not (data.get("confirm_new") and data.get("confirm_reason")):
                raise ValidationError(
                    _(
                        "Possibly already in the archive: %(names)s. Open the existing "
                        "dossier, or confirm that this is a new customer and say why."
                    )
                    % {
                        "names": "; ".join(
                            f"{c.customer.name} (#{c.customer.pk}: "
                            + ", ".join(r.text for r in c.reasons)
                            + ")"
                            for c in found
                        )
                    }
                )
        return data


@admin.register(Customer)
class CustomerAdmin(PolicyAdmin):
    form = CustomerAdminForm

    def get_fields(self, request: Any, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if obj is not None:  # the confirmation is asked when adding only
            fields = [f for f in fields if f not in {"confirm_new", "confirm_reason"}]
        return fields

    list_display = ["name", "kind", "status", "manager", "sales_region", "is_gold_card"]
    list_filter = ["status", "kind", "is_gold_card", "is_benchmark", "is_key_account"]
    search_fields = ["name", "name_pinyin", "name_initials", "phones__national"]
    list_select_related = ["manager", "sales_region"]
    raw_id_fields = ["manager"]
    readonly_fields = ["is_gold_card"]  # follows the gold card (loyalty), never ticked here

    def save_model(self, request: Any, obj: Customer, form: Any, change: bool) -> None:
        if change:
            saved = services.customer_update(
                actor=request.user, customer=obj, data=form.cleaned_data
            )
        else:
            saved = services.customer_create(
                actor=request.user,
                data=form.cleaned_data,
                confirm_new=bool(form.cleaned_data.get("confirm_new")),
                confirm_reason=form.cleaned_data.get("confirm_reason") or "",
            )
        obj.pk = saved.pk

    def delete_model(self, request: Any, obj: Customer) -> None:
        services.customer_delete(actor=request.user, customer=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for customer in queryset:
            services.customer_delete(actor=request.user, customer=customer)


class RowAdmin(PolicyAdmin):
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        data = dict(form.cleaned_data)
        if change:
            services.row_update(actor=request.user, row=obj, data=data)
        else:
            customer = data.pop("customer")
            saved = services.row_add(
                actor=request.user, customer=customer, model=type(obj), data=data
            )
            obj.pk = saved.pk

    def delete_model(self, request: Any, obj: Any) -> None:
        services.row_delete(actor=request.user, row=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for row in queryset:
            services.row_delete(actor=request.user, row=row)


@admin.register(Phone)
class PhoneAdmin(RowAdmin):
    list_display = ["raw", "e164", "customer", "label", "is_active", "is_valid"]
    search_fields = ["raw", "national", "customer__name"]


@admin.register(Shareholder)
class ShareholderAdmin(RowAdmin):
    list_display = ["name", "customer", "share_percent", "joined_on", "left_on"]
    search_fields = ["name", "customer__name"]


@admin.register(Machine)
class MachineAdmin(RowAdmin):
    list_display = ["brand", "model_raw", "model_key", "serial_number", "customer", "source"]
    search_fields = ["serial_number", "model_raw", "model_key", "customer__name"]
    list_filter = ["source", "status", "brand"]


@admin.register(Operator)
class OperatorAdmin(RowAdmin):
    list_display = ["name", "customer", "phone"]
    search_fields = ["name", "customer__name"]


@admin.register(Project)
class ProjectAdmin(RowAdmin):
    list_display = ["name", "customer", "start_date", "end_date", "is_subcontracted"]
    search_fields = ["name", "customer__name"]


@admin.register(SalesRegion)
class SalesRegionAdmin(admin.ModelAdmin):
    """Regions are settings, kept by superusers."""

    list_display = ["name", "note"]
