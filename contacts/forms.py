"""Forms of the manager's loop: shape only; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.forms import DATE_WIDGET, DossierFormMixin
from customers.models import Customer

from .fields import CUSTOMER_FIELDS_ON_FILE, NEW_CUSTOMER_FIELDS, REPORT_FIELDS
from .models import Channel, ContactLog, Intent, Submission, unpack_intents

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class ReportFormMixin(DossierFormMixin):
    """Intents as check boxes over the packed column; when as a local date-time input."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intents"] = forms.MultipleChoiceField(  # type: ignore[attr-defined]
            label=_("Intents"),
            choices=Intent.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        # The column holds intents packed (",new,lease,"), and a form's `initial` (the
        # instance's values plus the caller's) wins over a field's initial: unpacked here, or
        # every box would show unticked and saving the form would drop them.
        initial = self.initial  # type: ignore[attr-defined]
        if isinstance(initial.get("intents"), str):
            initial["intents"] = unpack_intents(initial["intents"])
        occurred = self.fields["occurred_at"]  # type: ignore[attr-defined]
        occurred.widget = DATETIME_WIDGET
        occurred.input_formats = DATETIME_FORMATS
        if not getattr(self.instance, "pk", None) and not occurred.initial:  # type: ignore[attr-defined]
            occurred.initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["follow_up_on"].widget = DATE_WIDGET  # type: ignore[attr-defined]


REPORT_FORM_FIELDS = list(REPORT_FIELDS)


class SubmissionForm(ReportFormMixin, forms.ModelForm):
    """The manager's quick report: one of his customers, or a new one described."""

    customer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    customer_query = forms.CharField(required=False, max_length=100)
    # Made on the phone (static/js/offline.js) each time the form opens, never here: a page
    # served from the offline cache would hand every report typed on it the same key.
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Submission
        fields = [*REPORT_FORM_FIELDS, *NEW_CUSTOMER_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].initial = Channel.PHONE
        for name in ("project_status", "equipment_status", "next_step"):
            self.fields[name].widget.attrs["rows"] = 2

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what ModelForm.clean() returns (typed as optional)
        picked = data.get("customer_id") or (data.get("customer_query") or "").strip()
        if not picked and not (data.get("new_customer_name") or "").strip():
            raise forms.ValidationError(
                _("Pick one of your customers or describe the new customer.")
            )
        return data


class ContactLogForm(ReportFormMixin, forms.ModelForm):
    class Meta:
        model = ContactLog
        fields = [*REPORT_FORM_FIELDS, "staff"]


class FileForm(ReportFormMixin, forms.ModelForm):
    """The archivist's filing form: the log pre-filled from the report, editable."""

    class Meta:
        model = ContactLog
        fields = REPORT_FORM_FIELDS


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class LogFilterForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    intent = forms.ChoiceField(
        label=_("Intent"), required=False, choices=[("", _("All intents")), *Intent.choices]
    )


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


class CustomerQuickForm(DossierFormMixin, forms.ModelForm):
    """Dossier fields the archivist may correct in the same step as filing a report."""

    class Meta:
        model = Customer
        fields = list(CUSTOMER_FIELDS_ON_FILE)
