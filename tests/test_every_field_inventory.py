"""The every-field tests cover every form and write serializer: a form or serializer added
later fails here until it is given such a test (or named as a filter), and a field of a type
the value generator does not know fails loudly instead of being skipped."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from types import ModuleType

import pytest
from django import forms
from rest_framework import serializers

from tests import every_field as ef

APPS = ["customers", "contacts", "service", "parts", "loyalty"]

# Forms a user submits, and where each is filled field by field.
SUBMITTED_FORMS = {
    "customers.forms.CustomerForm": "tests/customers/test_every_field.py",
    "customers.forms.PhoneForm": "tests/customers/test_every_field.py",
    "customers.forms.ShareholderForm": "tests/customers/test_every_field.py",
    "customers.forms.MachineForm": "tests/customers/test_every_field.py",
    "customers.forms.OperatorForm": "tests/customers/test_every_field.py",
    "customers.forms.ProjectForm": "tests/customers/test_every_field.py",
    "contacts.forms.SubmissionForm": "tests/contacts/test_every_field.py",
    "contacts.forms.FileForm": "tests/contacts/test_every_field.py",
    "contacts.forms.CustomerQuickForm": "tests/contacts/test_every_field.py",
    "contacts.forms.ContactLogForm": "tests/contacts/test_every_field.py",
    "contacts.forms.RejectForm": "tests/contacts/test_every_field.py",
    "service.forms.ServiceRecordForm": "tests/service/test_every_field.py",
    "service.forms.HourReadingForm": "tests/service/test_every_field.py",
    "parts.forms.PartsOrderForm": "tests/parts/test_every_field.py",
    "parts.forms.LineForm": "tests/parts/test_every_field.py",
    "loyalty.forms.RegistrationForm": "tests/loyalty/test_every_field.py",
    "loyalty.forms.CardChangeForm": "tests/loyalty/test_every_field.py",
    "loyalty.forms.TraitTickForm": "tests/loyalty/test_every_field.py",
    "loyalty.forms.RedeemForm": "tests/loyalty/test_every_field.py",
    "loyalty.forms.ReverseForm": "tests/loyalty/test_every_field.py",
    "loyalty.forms.ReferralForm": "tests/loyalty/test_every_field.py",
    "loyalty.forms.TenderForm": "tests/loyalty/test_every_field.py",
    "loyalty.forms.AwardForm": "tests/loyalty/test_every_field.py",
}
# Not yet filled field by field, with the reason; keep this list short.
NOT_YET = {
    # one month field that opens a report (nothing typed beyond the month)
    "contacts.forms.MonthForm": "opens a report; the month is its identity",
}
# Forms that only filter or pick what a page lists (GET): nothing is stored.
FILTERS = {
    "customers.forms.CustomerFilterForm",
    "contacts.forms.LogFilterForm",
    "service.forms.RecordFilterForm",
    "service.forms.DueFilterForm",
    "parts.forms.OrderFilterForm",
    "loyalty.forms.CandidateFilterForm",
    "loyalty.forms.CardFilterForm",
    "loyalty.forms.YearForm",
    "loyalty.forms.DashboardFilterForm",
    "loyalty.forms.DrillForm",
}

# Write serializers (a field a client may send) and where each is sent field by field.
WRITE_SERIALIZERS = {
    "customers.api.CustomerInputSerializer": "tests/test_api_every_field.py",
    "customers.api.PhoneInputSerializer": "tests/test_api_every_field.py",
    "contacts.api.ReportInputSerializer": "tests/test_api_every_field.py",
    "contacts.api.ContactLogInputSerializer": "tests/test_api_every_field.py",
    "contacts.api.ContactLogUpdateSerializer": "tests/test_api_every_field.py",
    "contacts.api.SubmissionInputSerializer": "tests/test_api_every_field.py",
    "contacts.api.FileInputSerializer": "tests/test_api_every_field.py",
    "contacts.api.RejectInputSerializer": "tests/test_api_every_field.py",
    "contacts.api.EntryInputSerializer": "tests/loyalty/test_every_field.py",
    "contacts.api.MonthlyReportInputSerializer": "tests/loyalty/test_every_field.py",
    "service.api.ServiceRecordUpdateSerializer": "tests/test_api_every_field.py",
    "service.api.ServiceRecordInputSerializer": "tests/test_api_every_field.py",
    "service.api.HourReadingInputSerializer": "tests/test_api_every_field.py",
    "parts.api.LineInputSerializer": "tests/test_api_every_field.py",
    "parts.api.PartsOrderUpdateSerializer": "tests/test_api_every_field.py",
    "parts.api.PartsOrderInputSerializer": "tests/test_api_every_field.py",
    "loyalty.api.cards.RegistrationSerializer": "tests/loyalty/test_every_field.py",
    "loyalty.api.cards.CardChangeSerializer": "tests/loyalty/test_every_field.py",
    "loyalty.api.referrals.ReferralInputSerializer": "tests/loyalty/test_every_field.py",
    "loyalty.api.ledger.RedeemSerializer": "tests/loyalty/test_every_field.py",
    "loyalty.api.ledger.ReverseSerializer": "tests/loyalty/test_every_field.py",
}
# Serializers with writable fields that store nothing: query strings, the month that opens
# a report, the shape of an output.
NOT_STORED = {
    "contacts.api.MonthlyReportOpenSerializer",
}


def _classes(module_name: str, base: type) -> set[str]:
    module = importlib.import_module(module_name)
    return {
        f"{module_name}.{name}"
        for name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, base) and cls.__module__ == module_name and not name.startswith("_")
    }


def _api_modules(app: str) -> list[ModuleType]:
    """The app's `api` module, or every module of its `api` package."""
    module = importlib.import_module(f"{app}.api")
    names = [module.__name__]
    if hasattr(module, "__path__"):
        names += [m.name for m in pkgutil.iter_modules(module.__path__, f"{module.__name__}.")]
    return [importlib.import_module(name) for name in names]


def _write_serializers(app: str) -> set[str]:
    """The serializers an endpoint of the app reads a body with (`X(data=…)`, or a
    `request=X` in its schema), and the serializers nested in them."""
    modules = _api_modules(app)
    source = "\n".join(inspect.getsource(module) for module in modules)
    found = set()
    for module in modules:
        for path in _classes(module.__name__, serializers.BaseSerializer):
            name = path.rsplit(".", 1)[1]
            if re.search(rf"\b{name}\(\s*(data=|\w+, data=)|request={name}\b", source):
                found.add(path)
    for path in list(found):
        module_name, name = path.rsplit(".", 1)
        found |= _nested(getattr(importlib.import_module(module_name), name)())
    return found


def _nested(serializer: serializers.BaseSerializer) -> set[str]:
    out = set()
    for field in serializer.fields.values():  # type: ignore[attr-defined]
        inner = getattr(field, "child", field)
        if isinstance(inner, serializers.Serializer) and not field.read_only:
            cls = type(inner)
            out |= {f"{cls.__module__}.{cls.__qualname__}", *_nested(inner)}
    return out


def test_every_form_is_filled_field_by_field_or_is_a_filter():
    found = set().union(*(_classes(f"{app}.forms", forms.BaseForm) for app in APPS))
    found -= {"customers.forms.DossierFormMixin"}
    assert found == set(SUBMITTED_FORMS) | set(NOT_YET) | FILTERS


def test_every_write_serializer_is_sent_field_by_field():
    found = set().union(*(_write_serializers(app) for app in APPS))
    assert found == set(WRITE_SERIALIZERS) | NOT_STORED


@pytest.mark.parametrize(
    "field",
    [
        forms.URLField(assume_scheme="https"),
        forms.SlugField(),
        forms.JSONField(),
        forms.FileField(),
    ],
)
def test_form_value_generator_fails_loudly_on_a_type_it_does_not_know(field):
    with pytest.raises(ef.UnknownFieldType):
        ef.form_value(field, 0, "new_field")


@pytest.mark.parametrize(
    "field",
    [
        serializers.URLField(),
        serializers.JSONField(),
        serializers.DictField(),
        serializers.UUIDField(),
    ],
)
def test_api_value_generator_fails_loudly_on_a_type_it_does_not_know(field):
    with pytest.raises(ef.UnknownFieldType):
        ef.api_value(field, 0, "new_field")
