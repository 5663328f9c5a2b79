"""Forms of the gold-card programme: shape only; the services hold the rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.forms import DATE_WIDGET, DossierFormMixin, PersonChoiceField
from customers.models import SalesRegion
from dealercrm import roles
from parts.models import PartsOrder

from .models import GoldCard, Tender, TierSnapshot, Trait
from .selectors.dashboard import LISTS, NO_TIER, DashboardFilters, Drill


def _managers() -> Any:
    return roles.users_with_role(roles.SALES_MANAGER).order_by("username")


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

    manager = PersonChoiceField(
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
        cast(PersonChoiceField, self.fields["manager"]).queryset = _managers()
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


# --- dashboards ------------------------------------------------------------------------------

FIRST_MONTH = dt.date(2000, 1, 1)
LAST_MONTH = dt.date(2099, 12, 1)


class MonthField(forms.DateField):
    """A calendar month as YYYY-MM (the first day), within the years the data can have."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, e.g. 2026-01.")}

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        if day is not None and not FIRST_MONTH <= day <= LAST_MONTH:
            raise forms.ValidationError(
                _("Choose a month between %(first)s and %(last)s."),
                code="range",
                params={"first": f"{FIRST_MONTH:%Y-%m}", "last": f"{LAST_MONTH:%Y-%m}"},
            )
        return day


class DashboardFilterForm(forms.Form):
    """Month, region and manager of every dashboard (GET, so the URL can be shared). A
    manager may only choose himself; an unknown value is a form error, never a 500."""

    month = MonthField(label=_("Month"), required=False)
    compare = MonthField(
        label=_("Compared with"),
        required=False,
        help_text=_("The month the tiers moved from (default: the month before)."),
    )
    region = forms.ModelChoiceField(
        label=_("Sales region"), queryset=SalesRegion.objects.none(), required=False
    )
    manager = PersonChoiceField(
        label=_("Sales manager"), queryset=get_user_model().objects.none(), required=False
    )

    def __init__(
        self, *args: Any, user: roles.Actor, default_month: dt.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.default_month = default_month
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = SalesRegion.objects.order_by(
            "name"
        )
        if roles.can_view_all_dashboards(user):
            managers = roles.users_with_role(roles.SALES_MANAGER, active_only=False)
        elif user.is_authenticated:
            managers = get_user_model().objects.filter(pk=user.pk)
        else:  # nobody: the anonymous user has no pk (pk=None matched no row either)
            managers = get_user_model().objects.none()
        cast(PersonChoiceField, self.fields["manager"]).queryset = managers.order_by("username")
        self.shows_managers = roles.can_view_all_dashboards(user)

    def filters(self) -> DashboardFilters:
        """The valid filters, or the default (this month, everyone) for an invalid form."""
        data = self.cleaned_data if self.is_valid() else {}
        region, manager = data.get("region"), data.get("manager")
        return DashboardFilters(
            month=data.get("month") or self.default_month,
            region=region.pk if region else None,
            manager=manager.pk if manager else None,
            compare=data.get("compare"),
        )


class DrillForm(forms.Form):
    """Which list behind a dashboard number (?list=…)."""

    list = forms.ChoiceField(label=_("List"), choices=[])
    tier = forms.ChoiceField(label=_("Tier"), choices=TierSnapshot.Tier.choices, required=False)
    grid = forms.ChoiceField(label=_("Grid"), choices=TierSnapshot.Grid.choices, required=False)
    was = forms.ChoiceField(label=_("From tier"), choices=[], required=False)
    now = forms.ChoiceField(label=_("To tier"), choices=[], required=False)
    top = forms.IntegerField(
        label=_("First customers"), min_value=1, max_value=10**7, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["list"]).choices = [(k, k) for k in LISTS]
        moves = [*TierSnapshot.Tier.choices, (NO_TIER, _("not ranked"))]
        cast(forms.ChoiceField, self.fields["was"]).choices = moves
        cast(forms.ChoiceField, self.fields["now"]).choices = moves

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns (typed as optional)
        needs = {"tier": ["tier"], "grid": ["grid"], "move": ["was", "now"], "top": ["top"]}
        for name in needs.get(data.get("list", ""), []):
            if data.get(name) in (None, ""):
                self.add_error(name, _("This list needs this value."))
        return data

    def drill(self) -> Drill:
        data = self.cleaned_data
        return Drill(
            kind=data["list"],
            tier=data.get("tier") or "",
            grid=data.get("grid") or "",
            was=data.get("was") or "",
            now=data.get("now") or "",
            top=data.get("top") or 0,
        )
