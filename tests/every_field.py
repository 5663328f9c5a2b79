"""Fill every field of a form or serializer with a distinct valid value, submit it, and read
each value back: nothing a user types may be silently dropped (issue 15).

The values are generated from the fields themselves (the form the view rendered, the
serializer the endpoint uses), so a field added later is covered without anyone remembering;
a field of a type the generator does not know fails the test until the generator learns it.
Domain formats a type cannot imply (a phone number, an ID number) come from the caller as
overrides, and are checked like every other value.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from bs4 import BeautifulSoup
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Model
from django.utils import timezone
from django.utils.formats import number_format
from rest_framework import serializers

from customers.forms import PersonChoiceField
from dealercrm.templatetags.dealercrm import person

# --- distinct valid values -------------------------------------------------------------------

# Far enough back for every "not in the future" rule, recent enough for every floor.
BASE_DAY = dt.date(2025, 3, 1)


class UnknownFieldType(AssertionError):
    """The generator was not taught this field type: teach it, never skip the field."""


def _flat_choices(field: Any) -> list[tuple[Any, Any]]:
    out = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):  # an optgroup
            out.extend(label)
        else:
            out.append((value, label))
    return [(v, lbl) for v, lbl in out if v not in ("", None)]


def _choice_key(value: Any) -> str:
    return str(getattr(value, "value", value))


def _pick(values: list[Any], n: int, avoid: Iterable[Any] = (), name: str = "") -> Any:
    """The n-th value (cycling), skipping the field's initial so a stored default cannot
    pass for the value we sent."""
    avoid_keys = {_choice_key(a) for a in avoid if a not in (None, "")}
    usable = [v for v in values if _choice_key(v) not in avoid_keys] or values
    if not usable:
        raise AssertionError(f"{name}: a choice field with no choices cannot be filled")
    return usable[n % len(usable)]


def _decimal(n: int, decimal_places: int | None, max_digits: int | None, lo: Any, hi: Any) -> Any:
    places = 2 if decimal_places is None else decimal_places
    value = Decimal(10 + n % 50) + (
        Decimal("0.25") if places >= 2 else Decimal("0.5") if places else 0
    )
    if hi is not None and value > Decimal(hi):
        value = Decimal(hi) - Decimal(n % 5) / 10
    if lo is not None and value < Decimal(lo):
        value = Decimal(lo)
    if max_digits is not None:
        limit = Decimal(10) ** (max_digits - places) - 1
        value = min(value, limit)
    return value.quantize(Decimal(1).scaleb(-places))


def _bounds(field: Any, lo: int, hi: int, model_field: Any = None) -> tuple[int, int]:
    """The tightest min/max a field states, as attributes or as validators (a model field's
    own validators run in the service's full_clean, so they are read from the model)."""
    validators = [*getattr(field, "validators", []), *getattr(model_field, "validators", [])]
    for validator in validators:
        if isinstance(validator, MinValueValidator):
            lo = max(lo, validator.limit_value)
        elif isinstance(validator, MaxValueValidator):
            hi = min(hi, validator.limit_value)
    if getattr(field, "min_value", None) is not None:
        lo = max(lo, field.min_value)
    if getattr(field, "max_value", None) is not None:
        hi = min(hi, field.max_value)
    return lo, hi


def form_value(
    field: forms.Field, n: int, name: str, current: Any = None, model_field: Any = None
) -> str | list[str]:
    """A distinct valid value for a form field, as a browser would post it; a choice other
    than `current` (what the form shows now) when there is one."""
    kind = type(field)
    initial = current if current not in (None, "") else field.initial
    initial = initial() if callable(initial) else initial
    if kind in (forms.ModelChoiceField, PersonChoiceField):
        pks = [_choice_key(v) for v, _label in _flat_choices(field)]
        return _pick(pks, n, [getattr(initial, "pk", initial)], name)
    if kind is forms.ModelMultipleChoiceField:
        pks = [_choice_key(v) for v, _label in _flat_choices(field)]
        return pks[:2]
    if kind in (forms.ChoiceField, forms.TypedChoiceField):
        return _pick([str(v) for v, _label in _flat_choices(field)], n, [initial], name)
    if kind in (forms.MultipleChoiceField, forms.TypedMultipleChoiceField):
        values = [str(v) for v, _label in _flat_choices(field)]
        return [values[(n + i) % len(values)] for i in range(min(2, len(values)))]
    if kind in (forms.BooleanField, forms.NullBooleanField):
        return "on"  # every default is unticked: a tick that is not stored shows
    if kind is forms.DateTimeField:
        moment = dt.datetime.combine(BASE_DAY + dt.timedelta(days=n), dt.time(9, n % 60))
        return moment.strftime(next(iter(field.input_formats)))
    if kind is forms.DateField:
        day = BASE_DAY + dt.timedelta(days=n)
        fmt = next(iter(field.input_formats))
        return day.strftime(fmt)
    if kind is forms.DecimalField:
        f: Any = field
        return str(_decimal(n, f.decimal_places, f.max_digits, f.min_value, f.max_value))
    if kind is forms.IntegerField:
        lo, hi = _bounds(field, 1, 10**6, model_field)
        if lo >= 1000:  # a year (min 1900): 2000-2019, never in the future
            return str(min(hi, lo + 100 + n % 20))
        return str(min(hi, max(lo, 2 + n)))
    if kind is forms.EmailField:
        return f"user{n}@example.com"
    if kind is forms.UUIDField:
        return str(uuid.UUID(int=0x5EED0000 + n))
    if kind is forms.CharField:
        f = field
        value = f"{name}值{n}"
        if f.max_length is not None and len(value) > f.max_length:
            value = f"值{n}"[: f.max_length]
        return value
    raise UnknownFieldType(f"{name}: no generator for {kind.__module__}.{kind.__qualname__}")


def api_value(field: serializers.Field, n: int, name: str) -> Any:
    """A distinct valid value for a serializer field, as a JSON client would send it."""
    kind = type(field)
    if isinstance(field, serializers.ListSerializer):
        child = field.child
        if not isinstance(child, serializers.Serializer):
            raise UnknownFieldType(f"{name}: a list of {type(child).__qualname__}")
        # two items, so a list cut to its first item shows
        return [api_values(child, start=n * 100 + i * 40) for i in range(2)]
    if isinstance(field, serializers.Serializer):
        return api_values(field, start=n * 100)
    if kind is serializers.ListField:
        child_value = api_value(field.child, n, name)
        return [child_value, api_value(field.child, n + 1, name)]
    if kind is serializers.PrimaryKeyRelatedField:
        pks = [obj.pk for obj in field.get_queryset()[:20]]
        return _pick(pks, n, (), name)
    if isinstance(field, serializers.MultipleChoiceField):
        values = [_choice_key(v) for v in field.choices if v not in ("", None)]
        return [values[(n + i) % len(values)] for i in range(min(2, len(values)))]
    if isinstance(field, serializers.ChoiceField):
        values = [_choice_key(v) for v in field.choices if v not in ("", None)]
        return _pick(values, n, [getattr(field, "default", None)], name)
    if kind is serializers.BooleanField:
        default = getattr(field, "default", serializers.empty)
        return not default if isinstance(default, bool) else True
    if isinstance(field, serializers.DateTimeField):  # RFC3339DateTimeField too
        moment = dt.datetime.combine(BASE_DAY + dt.timedelta(days=n), dt.time(9, n % 60))
        return timezone.make_aware(moment).isoformat()
    if kind is serializers.DateField:
        return (BASE_DAY + dt.timedelta(days=n)).isoformat()
    if kind is serializers.DecimalField:
        f: Any = field
        return str(_decimal(n, f.decimal_places, f.max_digits, f.min_value, f.max_value))
    if isinstance(field, serializers.IntegerField):  # IdField too
        lo, hi = _bounds(field, 1, 10**6)
        return min(hi, lo + 100 + n % 20) if lo >= 1000 else min(hi, max(lo, 2 + n))
    if kind is serializers.EmailField:
        return f"user{n}@example.com"
    if kind is serializers.CharField:
        f = field
        value = f"{name}值{n}"
        if f.max_length is not None and len(value) > f.max_length:
            value = f"值{n}"[: f.max_length]
        return value
    raise UnknownFieldType(f"{name}: no generator for {kind.__module__}.{kind.__qualname__}")


def writable_fields(serializer: serializers.Serializer) -> dict[str, serializers.Field]:
    return {name: f for name, f in serializer.fields.items() if not f.read_only}


def api_values(
    serializer: serializers.Serializer,
    *,
    overrides: Mapping[str, Any] | None = None,
    start: int = 0,
) -> dict[str, Any]:
    """Every writable field of the serializer with a distinct value (overrides win)."""
    overrides = overrides or {}
    return {
        name: overrides[name] if name in overrides else api_value(field, start + i, name)
        for i, (name, field) in enumerate(writable_fields(serializer).items())
    }


# --- the page as a browser sees it ---------------------------------------------------------


def _soup_form(html: str, names: Iterable[str]) -> Any:
    soup = BeautifulSoup(html, "html.parser")
    wanted = set(names)
    for form in soup.find_all("form", method=lambda m: (m or "").lower() == "post"):
        if any(el.get("name") in wanted for el in form.find_all(["input", "select", "textarea"])):
            return form
    raise AssertionError(f"no POST form on the page holds any of {sorted(wanted)}")


def browser_data(form_el: Any) -> dict[str, list[str]]:
    """What the browser posts for this form as it stands (what the user sees, untouched)."""
    data: dict[str, list[str]] = {}
    for el in form_el.find_all(["input", "select", "textarea"]):
        name = el.get("name")
        if not name or el.has_attr("disabled"):
            continue
        if el.name == "textarea":
            text = el.string or ""
            data.setdefault(name, []).append(text.removeprefix("\r\n").removeprefix("\n"))
        elif el.name == "select":
            options = el.find_all("option")
            chosen = [o for o in options if o.has_attr("selected")]
            if not chosen and options and not el.has_attr("multiple"):
                chosen = options[:1]
            data.setdefault(name, []).extend(o.get("value", o.get_text()) for o in chosen)
        else:
            kind = (el.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                continue
            if kind in ("checkbox", "radio"):
                if el.has_attr("checked"):
                    data.setdefault(name, []).append(el.get("value", "on"))
            else:
                data.setdefault(name, []).append(el.get("value", ""))
    return data


def control_counts(form_el: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for el in form_el.find_all(["input", "select", "textarea"]):
        if el.get("name"):
            counts[el["name"]] = counts.get(el["name"], 0) + 1
    return counts


def _is_multi(field: forms.Field) -> bool:
    return isinstance(field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect)


def assert_rendered_once(html: str, form: forms.BaseForm) -> Any:
    """Every field of the form is on the page exactly once (a second box with the same name
    silently loses what was typed in one of them). Returns the form element."""
    names = {bf.html_name: bf.field for bf in form}
    form_el = _soup_form(html, names)
    counts = control_counts(form_el)
    problems = []
    for name, field in names.items():
        count = counts.get(name, 0)
        if count == 0:
            problems.append(f"{name}: not on the page")
        elif count > 1 and not _is_multi(field):
            problems.append(f"{name}: on the page {count} times")
    assert not problems, problems
    return form_el


def cleaned(field: forms.Field, raw: Any) -> Any:
    """The Python value a field makes of what was posted (a model compares by primary key)."""
    value = field.clean(raw)
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple) or hasattr(value, "model"):
        return sorted(_choice_key(getattr(v, "pk", v)) for v in value)
    return value


def _raw(field: forms.Field, values: list[str] | None) -> Any:
    if isinstance(field.widget, forms.SelectMultiple | forms.CheckboxSelectMultiple):
        return values or []
    if isinstance(field, forms.BooleanField):
        return bool(values)
    return values[-1] if values else ""


def page_values(html: str, form: forms.BaseForm) -> dict[str, Any]:
    """Each field's value as the page shows it, cleaned by the field (name → value)."""
    form_el = assert_rendered_once(html, form)
    data = browser_data(form_el)
    return {bf.name: cleaned(bf.field, _raw(bf.field, data.get(bf.html_name))) for bf in form}


def fill(
    html: str,
    form: forms.BaseForm,
    overrides: Mapping[str, Any] | None = None,
    *,
    start: int = 0,
    extra: Mapping[str, Any] | None = None,
    base: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The page's form with every field of `form` filled with a distinct value (on top of
    `base`, the data of another form of the same page already filled).

    Returns (post data, expected: field name → the cleaned value each field must keep)."""
    overrides = overrides or {}
    form_el = assert_rendered_once(html, form)
    data: dict[str, Any] = dict(base) if base is not None else dict(browser_data(form_el))
    expected = {}
    for i, bf in enumerate(form):
        if bf.name in overrides:
            value = overrides[bf.name]
        else:
            value = form_value(
                bf.field, start + i, bf.name, bf.initial, _model_field(form, bf.name)
            )
        if isinstance(bf.field, forms.BooleanField) and value is False:
            data.pop(bf.html_name, None)
        else:
            data[bf.html_name] = value
        expected[bf.name] = cleaned(bf.field, _raw(bf.field, _as_list(data.get(bf.html_name))))
    data.update(extra or {})
    return data, expected


def _model_field(form: forms.BaseForm, name: str) -> Any:
    model = getattr(getattr(form, "_meta", None), "model", None)
    try:
        return model._meta.get_field(name) if model else None
    except Exception:  # a form-only field (intents over the packed column, a picker)
        return None


def _as_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    return list(value) if isinstance(value, list | tuple) else [value]


def submit(client: Any, url: str, data: Mapping[str, Any]) -> Any:
    """POST as a browser would and insist it was accepted (a redirect, no form errors)."""
    response = client.post(url, data)
    if response.status_code != 302:
        context = response.context or {}
        errors = {
            key: context[key].errors
            for key in ("form", "customer_form", "lines")
            if key in context and context[key].errors
        }
        if not errors and response.status_code == 200:
            errors = {"page": page_text(response.content.decode())[-600:]}
        raise AssertionError(f"{url} refused the filled form ({response.status_code}): {errors}")
    return response


def diff(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """{field: (sent, shown)} for every field whose value did not come back."""
    return {
        name: (value, actual.get(name, "<missing>"))
        for name, value in expected.items()
        if _norm(actual.get(name, "<missing>")) != _norm(value)
    }


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple):
        return sorted(_choice_key(v) for v in value)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


# --- shown on a page ------------------------------------------------------------------------


def shown_as(field: forms.Field, value: Any) -> list[str]:
    """The ways a page may write this cleaned value (any one of them will do)."""
    if value in (None, "", []):
        return []
    if isinstance(field, forms.ModelChoiceField):
        obj = field.queryset.model._default_manager.get(pk=value)
        ways = [str(field.label_from_instance(obj))]
        return [*ways, person(obj)] if hasattr(obj, "last_name") else ways
    if isinstance(field, forms.ChoiceField):
        labels = dict((_choice_key(v), str(lbl)) for v, lbl in _flat_choices(field))
        return [labels[_choice_key(value)]]
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value)
        return [f"{local:%Y-%m-%d %H:%M}"]
    if isinstance(value, dt.date):
        return [f"{value:%Y-%m-%d}", f"{value:%Y-%m}"]
    if isinstance(value, Decimal):
        return sorted(
            {
                str(value),
                str(value.normalize()),
                f"{value:,}",
                f"{value:,.2f}",
                f"{value:.2f}",
                number_format(value, use_l10n=True, force_grouping=True),
            }
        )
    if isinstance(value, bool):
        return [str(field.label)]
    return [str(value)]


def page_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    # Forms hold what was typed, not what was stored; a history of changes repeats every
    # value typed, stored or not: neither counts as the page showing the value.
    for el in [*soup(["script", "style", "form"]), *soup.select("#history")]:
        el.decompose()
    text = soup.get_text(" ")
    return " ".join(text.split())


def not_shown(
    html: str,
    fields: Mapping[str, forms.Field],
    expected: Mapping[str, Any],
    writings: Mapping[str, list[str]] | None = None,
) -> dict[str, list[str]]:
    """{field: the writings looked for} for every value the page does not show. A ticked box
    is looked for by its label unless `writings` says how the page writes it (a badge)."""
    text = page_text(html)
    writings = writings or {}
    missing = {}
    for name, value in expected.items():
        field = fields[name]
        if name in writings and value not in (None, "", [], False):
            if not any(w in text for w in writings[name]):
                missing[name] = writings[name]
            continue
        if isinstance(field, forms.MultipleChoiceField) and not hasattr(field, "queryset"):
            labels = dict((_choice_key(v), str(lbl)) for v, lbl in _flat_choices(field))
            lost = [labels[_choice_key(v)] for v in value if labels[_choice_key(v)] not in text]
            if lost:
                missing[name] = lost
            continue
        ways = shown_as(field, value)
        squeezed = [" ".join(w.split()) for w in ways]
        if ways and not any(w in text for w in squeezed):
            missing[name] = ways
    return missing


def counter() -> Callable[[], int]:
    return itertools.count(1).__next__


# --- the API echoes what it was sent ---------------------------------------------------------


def echo_diff(sent: Any, got: Any, path: str = "") -> dict[str, tuple[Any, Any]]:
    """{path: (sent, answered)} for every value sent that the answer does not carry back."""
    if isinstance(sent, Mapping):
        if not isinstance(got, Mapping):
            return {path or "<body>": (sent, got)}
        out: dict[str, tuple[Any, Any]] = {}
        for key, value in sent.items():
            out.update(echo_diff(value, got.get(key, "<missing>"), f"{path}.{key}".lstrip(".")))
        return out
    if isinstance(sent, list) and sent and isinstance(sent[0], Mapping):
        if not isinstance(got, list) or len(got) != len(sent):
            return {path: (sent, got)}
        out = {}
        for i, (one, back) in enumerate(zip(sent, got, strict=True)):
            out.update(echo_diff(one, back, f"{path}[{i}]"))
        return out
    return {} if _scalar(sent) == _scalar(got) else {path: (sent, got)}


def _scalar(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip()
    try:
        return ("decimal", Decimal(text).normalize())
    except ArithmeticError:
        pass
    if "T" in text and ":" in text:
        try:
            return ("moment", dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            pass
    return text
