"""Browser forms for the dossier: they validate shape; the services validate the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealercrm import roles
from dealercrm.templatetags.dealercrm import person
from dealercrm.validators import MAX_ID

from .fields import EDITABLE_FIELDS, NOTES, PERSONAL, PROFILE, SUB_DEALER, section_fields
from .models import Customer, Machine, Operator, Phone, Project, Shareholder

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelChoiceField):
    """A user picked by name as the pages write it (张伟), not by user name."""

    def label_from_instance(self, obj: Any) -> str:
        return person(obj)


class DossierFormMixin:
    """Dates as HTML5 date inputs and the field classes our stylesheet expects."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field, forms.DateField):
                field.widget = DATE_WIDGET
                field.input_formats = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
            elif isinstance(field.widget, forms.Textarea):
                field.widget.attrs.setdefault("rows", 3)

    def _post_clean(self) -> None:
        # Model validation runs once, in the service (one place for the rules); the form
        # checks only the shape and hands cleaned_data over.
        pass

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's ValidationError on the fields it names, the rest on top."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)  # type: ignore[attr-defined]
            return
        for name, errors in exc.error_dict.items():
            target = name if name in self.fields else None  # type: ignore[attr-defined]
            self.add_error(target, errors)  # type: ignore[attr-defined]


class CustomerForm(DossierFormMixin, forms.ModelForm):
    class Meta:
        model = Customer
        fields = list(EDITABLE_FIELDS)
        field_classes = {"manager": PersonChoiceField}

    # The page's fieldsets, from each field's section in customers.fields (no legend: below
    # them). Every field of the form is in exactly one of them; __init__ refuses a form that
    # is not, so a field given a new section cannot be left off the page.
    FIELDSETS: tuple[tuple[Any, tuple[str, ...]], ...] = (
        (_("Profile"), section_fields(PROFILE)),
        (_("Personal side"), section_fields(PERSONAL)),
        (_("Sub-dealer"), section_fields(SUB_DEALER)),
        (None, section_fields(NOTES)),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(PersonChoiceField, self.fields["manager"]).queryset = roles.users_with_role(
            roles.SALES_MANAGER
        ).order_by("username")
        placed = [name for _legend, names in self.FIELDSETS for name in names]
        if sorted(placed) != sorted(self.fields):
            raise ImproperlyConfigured(
                f"CustomerForm.FIELDSETS must name each field once: {placed} vs {list(self.fields)}"
            )

    def fieldsets(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """(legend, bound fields) in page order, for the template."""
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]


class PhoneForm(DossierFormMixin, forms.ModelForm):
    class Meta:
        model = Phone
        fields = ["raw", "label", "is_active", "since", "obsolete_since", "note"]


class ShareholderForm(DossierFormMixin, forms.ModelForm):
    class Meta:
        model = Shareholder
        fields = ["name", "share_percent", "role", "phone", "joined_on", "left_on", "note"]


class MachineForm(DossierFormMixin, forms.ModelForm):
    class Meta:
        model = Machine
        fields = [
            "brand",
            "model_raw",
            "serial_number",
            "quantity",
            "purchase_date",
            "source",
            "purchase_price",
            "purchase_cost",
            "used_source",
            "status",
            "sold_to",
            "hour_meter",
            "hour_meter_date",
            "note",
        ]


class OperatorForm(DossierFormMixin, forms.ModelForm):
    class Meta:
        model = Operator
        fields = ["name", "phone", "years_experience", "machine", "note"]

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["machine"]).queryset = Machine.objects.filter(
            customer=customer
        )


class ProjectForm(DossierFormMixin, forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "name",
            "location",
            "source",
            "start_date",
            "end_date",
            "cycle",
            "is_subcontracted",
            "subcontracting",
            "sand_gravel_sales",
            "note",
        ]


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    region = forms.IntegerField(label=_("Region"), required=False, min_value=1, max_value=MAX_ID)
    manager = forms.IntegerField(label=_("Manager"), required=False, min_value=1, max_value=MAX_ID)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *list(Customer.Status.choices)],
    )
    kind = forms.ChoiceField(
        label=pgettext_lazy("customer kind", "Kind"),
        required=False,
        choices=[("", _("All kinds")), *list(Customer.Kind.choices)],
    )
    at_risk = forms.BooleanField(label=_("At risk only"), required=False)
    flag = forms.MultipleChoiceField(
        label=_("Flags"),
        required=False,
        choices=[
            ("gold", _("Gold card")),
            ("benchmark", _("Benchmark")),
            ("key_account", _("Key account")),
        ],
    )
