"""Forms of the parts ledger: an order and its lines (a formset). Shape only: parts.services
prices the lines and holds the rules (a negative quantity is refused there)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.forms import DossierFormMixin
from dealercrm.validators import MAX_ID

from .models import Category, PartsOrder, PartsOrderLine


class PartsOrderForm(DossierFormMixin, forms.ModelForm):
    class Meta:
        model = PartsOrder
        fields = ["ordered_on", "invoice_number", "note"]


class LineForm(forms.Form):
    """One line; a catalogue part number alone is enough (name, category, price filled in)."""

    part_number = forms.CharField(label=_("Part number"), max_length=60, required=False)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *Category.choices], required=False
    )
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=10, decimal_places=2, required=False
    )
    unit_price = forms.DecimalField(
        label=_("Unit price (CNY)"), max_digits=12, decimal_places=2, required=False
    )
    discount_percent = forms.DecimalField(
        label=_("Discount %"),
        max_digits=5,
        decimal_places=2,
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
    )
    unit_cost = forms.DecimalField(
        label=_("Unit cost (CNY)"),
        max_digits=12,
        decimal_places=2,
        required=False,
        min_value=Decimal("0"),
        help_text=_("What one unit cost us; the catalogue's cost price when left empty."),
    )


LineFormSet = forms.formset_factory(LineForm, extra=4, can_delete=True, max_num=200)


def line_rows(formset: Any) -> list[dict[str, Any]]:
    """The filled-in, not deleted lines, as the service takes them."""
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def initial_lines(lines: list[PartsOrderLine]) -> list[dict[str, Any]]:
    return [
        {
            "part_number": line.part_number,
            "name": line.name,
            "category": line.category,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent,
            "unit_cost": line.unit_cost,
        }
        for line in lines
    ]


class OrderFilterForm(forms.Form):
    q = forms.CharField(label=_("Invoice, part number or name"), required=False, max_length=100)
    customer = forms.IntegerField(
        label=_("Customer"), required=False, min_value=1, max_value=MAX_ID
    )
