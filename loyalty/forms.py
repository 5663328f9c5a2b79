"""Forms of the gold-card programme: shape only; the services hold the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.forms import DATE_WIDGET, DossierFormMixin
from dealercrm import roles
from dealercrm.templatetags.dealercrm import person
from parts.models import PartsOrder

from .models import GoldCard, Tender, Trait


def _managers() -> Any:
    return (
        get_user_model()
        .objects.filter(groups__name=roles.SALES_MANAGER, is_active=True)
        .order_by("username")
    )


class CandidateFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    holders = forms.BooleanField(label=_("Show card holders too"), required=False)


class CardFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All states")), *GoldCard.State.choices]
    )


class RegistrationForm(DossierFormMixin, forms.Form):
    """金卡客户登记表: the seven traits with their evidence, the manager, the card."""

    manager = forms.ModelChoiceField(
        label=_("Responsible sales manager"), queryset=get_user_model().objects.none()
    )
    number = forms.CharField(
        label=_("Card number"),
        required=False,
        max_length=20,
        help_text=_("Leave empty to issue the next number (JK + year + sequence)."),
    )
    issued_on = forms.DateField(label=_("Issued on"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, traits: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.fields["manager"]
        manager.queryset = _managers()  # type: ignore[attr-defined]
        manager.label_from_instance = person  # type: ignore[attr-defined]
        self.fields["issued_on"].initial = timezone.localdate()
        by_code = {t.code: t for t in traits or []}
        for code, label in Trait.choices:
            result = by_code.get(code)
            self.fields[f"trait_{code}"] = forms.BooleanField(
                label=label, required=False, initial=bool(result and result.met)
            )
            self.fields[f"evidence_{code}"] = forms.CharField(
                label=_("Evidence"),
                required=False,
                max_length=500,
                initial=result.form_evidence if result else "",
            )

    def trait_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"trait_{code}"], self[f"evidence_{code}"]) for code in Trait.values]

    def traits(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            code: data.get(f"evidence_{code}", "")
            for code in Trait.values
            if data.get(f"trait_{code}")
        }


class TraitTickForm(forms.Form):
    """The archivist's own assertion of traits the data cannot show, each with a note."""

    def __init__(self, *args: Any, ticks: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ticks = ticks or {}
        for code, label in Trait.choices:
            self.fields[f"tick_{code}"] = forms.BooleanField(
                label=label, required=False, initial=code in ticks
            )
            self.fields[f"note_{code}"] = forms.CharField(
                label=_("Note"), required=False, max_length=500, initial=ticks.get(code, "")
            )

    def rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"tick_{code}"], self[f"note_{code}"]) for code in Trait.values]

    def ticks(self) -> dict[str, str]:
        data = self.cleaned_data
        return {c: data.get(f"note_{c}", "") for c in Trait.values if data.get(f"tick_{c}")}


class CardChangeForm(DossierFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=2000)
    on = forms.DateField(label=_("Date"), required=False)


class RedeemForm(DossierFormMixin, forms.Form):
    parts_order = forms.ModelChoiceField(label=_("Parts order"), queryset=PartsOrder.objects.none())
    amount = forms.DecimalField(
        label=_("Credits to redeem (CNY)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, orders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parts_order"]
        field.queryset = orders  # type: ignore[attr-defined]
        field.label_from_instance = lambda o: f"{o} · {o.total}"  # type: ignore[attr-defined]


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class ReferralForm(DossierFormMixin, forms.Form):
    """Who brought whom: each side by id (from a link) or by a search the server resolves."""

    referrer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    referrer_query = forms.CharField(
        label=_("Referred by (name, pinyin or phone)"), required=False, max_length=100
    )
    referred_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    referred_query = forms.CharField(
        label=_("New customer (name, pinyin or phone)"), required=False, max_length=100
    )
    referred_on = forms.DateField(label=_("Referred on"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referred_on"].initial = timezone.localdate()


class TenderForm(DossierFormMixin, forms.ModelForm):
    class Meta:
        model = Tender
        fields = ["title", "due_on", "status", "notes"]
        widgets = {"due_on": DATE_WIDGET}


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class AwardForm(DossierFormMixin, forms.Form):
    customer = forms.TypedChoiceField(label=_("Gold user of the year"), coerce=int)
    prize = forms.CharField(label=_("Prize"), max_length=200)
    prize_value = forms.DecimalField(
        label=_("Prize value (CNY)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, rows: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [  # type: ignore[attr-defined]
            (r.customer.pk, f"{r.rank}. {r.customer.name} · {r.score}") for r in rows
        ]
