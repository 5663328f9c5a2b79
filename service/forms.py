"""Forms of the service desk: shape only; service.services holds the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.forms import DATE_WIDGET, DossierFormMixin
from customers.models import Customer, Machine
from dealercrm.templatetags.dealercrm import person
from dealercrm.validators import MAX_ID

from . import selectors
from .fields import MONEY_FIELDS, TYPED_FIELDS
from .models import ServiceRecord

RECORD_FORM_FIELDS = [*TYPED_FIELDS, *MONEY_FIELDS]
SATISFACTION_CHOICES = [("", "—"), *[(str(n), str(n)) for n in range(1, 6)]]


class ServiceRecordForm(DossierFormMixin, forms.ModelForm):
    """Charges appear only for those who may write money (the archivist)."""

    class Meta:
        model = ServiceRecord
        fields = RECORD_FORM_FIELDS

    def __init__(self, *args: Any, customer: Customer, show_charges: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        machine = cast(forms.ModelChoiceField, self.fields["machine"])
        machine.queryset = Machine.objects.filter(customer=customer)
        technician = cast(forms.ModelChoiceField, self.fields["technician"])
        technician.queryset = selectors.technicians()
        technician.label_from_instance = person  # type: ignore[assignment,method-assign]
        self.fields["satisfaction"] = forms.TypedChoiceField(
            label=ServiceRecord._meta.get_field("satisfaction").verbose_name,
            choices=SATISFACTION_CHOICES,
            coerce=int,
            empty_value=None,
            required=False,
        )
        if not show_charges:
            for name in MONEY_FIELDS:
                del self.fields[name]


class RecordFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *ServiceRecord.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *ServiceRecord.Status.choices],
    )
    technician = forms.IntegerField(
        label=_("Technician"), required=False, min_value=1, max_value=MAX_ID
    )
    customer = forms.IntegerField(
        label=_("Customer"), required=False, min_value=1, max_value=MAX_ID
    )
    machine = forms.IntegerField(label=_("Machine"), required=False, min_value=1, max_value=MAX_ID)
    overdue = forms.BooleanField(label=_("Overdue follow-ups only"), required=False)


class HourReadingForm(forms.Form):
    read_on = forms.DateField(
        label=_("Read on"),
        widget=DATE_WIDGET,
        input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"],
        initial=timezone.localdate,
    )
    hours = forms.DecimalField(
        label=_("Hours (h)"), max_digits=8, decimal_places=1, min_value=Decimal("0")
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class DueFilterForm(forms.Form):
    days = forms.IntegerField(
        label=_("Due within (days)"), required=False, min_value=0, max_value=366
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    manager = forms.IntegerField(label=_("Manager"), required=False, min_value=1, max_value=MAX_ID)
