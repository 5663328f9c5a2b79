"""One line of the file → the values of a customer and its phones, machines and
shareholders, or the errors that stop it, each naming its column. Validation is the
models' own (`clean_fields`, `clean`): an imported row obeys the rules a typed one does."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import Field
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.matching.normalise import normalize_phone, split_phones
from customers.models import Customer, Machine, SalesRegion, Shareholder
from dealercrm import roles

from .mapping import FIELD_BY_KEY, normalise_header

# Text fields copied onto the customer as they are (after trimming).
CUSTOMER_TEXT = ("external_ref", "province", "city", "county", "address", "id_number", "notes")
# Machines listed without a brand are recorded under this one.
UNKNOWN_BRAND = "未知"
_LIST_SPLIT_RE = re.compile(r"[;；,，、\n]+")
_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s.*)?")
_SHARE_RE = re.compile(r"^(.*?)[\s:：]*(\d+(?:\.\d+)?)\s*%?$")

_EXTRA_CHOICES: dict[str, dict[str, str]] = {
    "kind": {
        "终端": "end_user", "终端用户": "end_user", "用户": "end_user", "个人": "end_user",
        "二级经销商": "sub_dealer", "二网": "sub_dealer", "经销商": "sub_dealer",
        "分销商": "sub_dealer", "代理商": "sub_dealer", "dealer": "sub_dealer",
    },
    "gender": {"男": "male", "女": "female", "m": "male", "f": "female"},
    "status": {"潜在": "prospect", "意向": "prospect", "意向客户": "prospect", "活跃": "active",
               "休眠": "dormant", "流失": "lost"},
}  # fmt: skip


@dataclass
class Lookups:
    """What rows are checked against, loaded once per file."""

    managers: dict[str, int]
    regions: dict[str, int]
    choices: dict[str, dict[str, str]]

    @classmethod
    def load(cls) -> Lookups:
        managers: dict[str, int] = {}
        for user in roles.users_with_role(roles.SALES_MANAGER):
            full = (f"{user.last_name}{user.first_name}", f"{user.first_name}{user.last_name}")
            for key in (user.get_username(), *full):
                if key.strip():
                    managers.setdefault(normalise_header(key), user.pk)
        regions = {normalise_header(r.name): r.pk for r in SalesRegion.objects.all()}
        choices: dict[str, dict[str, str]] = {}
        for name in ("kind", "gender", "status"):
            table: dict[str, str] = {}
            # get_field() may return a reverse relation; these three are columns.
            column = cast("Field[Any, Any]", Customer._meta.get_field(name))
            for value, label in column.choices or ():
                table[normalise_header(value)] = value
                for language in ("en", "zh-hans"):
                    with translation.override(language):
                        table.setdefault(normalise_header(str(label)), value)
            for text, value in _EXTRA_CHOICES.get(name, {}).items():
                table.setdefault(normalise_header(text), value)
            choices[name] = table
        return cls(managers, regions, choices)


@dataclass
class ParsedRow:
    number: int
    data: dict[str, Any]
    errors: list[dict[str, str]] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append({"column": column, "message": message})


def parse_date(text: str) -> dt.date | None:
    """2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305; ValueError when unreadable."""
    text = text.strip()
    if re.fullmatch(r"\d{8}", text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    match = _DATE_RE.fullmatch(text)
    if not match:
        raise ValueError(text)
    return dt.date(*(int(g) for g in match.groups()))


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SPLIT_RE.split(text) if part.strip()]


class RowParser:
    def __init__(self, headers: list[str], mapping: dict[str, str], lookups: Lookups) -> None:
        self.lookups = lookups
        self.columns: dict[str, list[int]] = {}
        for index, key in sorted(mapping.items(), key=lambda kv: int(kv[0])):
            if key in FIELD_BY_KEY:
                self.columns.setdefault(key, []).append(int(index))
        self.headers = headers
        self.today = timezone.localdate()

    def header(self, key: str) -> str:
        indexes = self.columns.get(key) or []
        if indexes and indexes[0] < len(self.headers):
            return self.headers[indexes[0]] or str(FIELD_BY_KEY[key].label)
        return str(FIELD_BY_KEY[key].label) if key in FIELD_BY_KEY else key

    def _value(self, cells: list[str], key: str) -> str:
        for index in self.columns.get(key, ()):
            if index < len(cells) and cells[index]:
                return cells[index]
        return ""

    def _values(self, cells: list[str], key: str) -> list[str]:
        return [cells[i] for i in self.columns.get(key, ()) if i < len(cells) and cells[i]]

    def parse(self, number: int, cells: list[str]) -> ParsedRow:
        row = ParsedRow(number, {})
        customer = self._customer(row, cells)
        phones = self._phones(row, cells)
        machines = self._machines(row, cells)
        shareholders = self._shareholders(row, cells)
        row.data.update(
            {
                "customer": customer,
                "phones": phones,
                "machines": machines,
                "shareholders": shareholders,
            }
        )
        return row

    # --- the customer ----------------------------------------------------------------

    def _customer(self, row: ParsedRow, cells: list[str]) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self._value(cells, "name")}
        for key in CUSTOMER_TEXT:
            value = self._value(cells, key)
            if value:
                data[key] = value
        for key in ("kind", "gender", "status"):
            value = self._value(cells, key)
            if value:
                choice = self.lookups.choices[key].get(normalise_header(value))
                if choice is None:
                    row.error(
                        self.header(key), _("“%(value)s” is not a known value.") % {"value": value}
                    )
                else:
                    data[key] = choice
        birth = self._value(cells, "birth_date")
        if birth:
            if re.fullmatch(r"\d{4}", birth):
                data["birth_year"] = int(birth)
            else:
                try:
                    data["birth_date"] = parse_date(birth).isoformat()  # type: ignore[union-attr]
                except ValueError:
                    row.error(
                        self.header("birth_date"),
                        _("“%(value)s” is not a date (write 1980-05-17).") % {"value": birth},
                    )
        year = self._value(cells, "birth_year")
        if year:
            if re.fullmatch(r"\d{4}", year):
                data["birth_year"] = int(year)
            else:
                row.error(self.header("birth_year"), _("A birth year has four digits."))
        manager = self._value(cells, "manager")
        if manager:
            manager_id = self.lookups.managers.get(normalise_header(manager))
            if manager_id is None:
                row.error(
                    self.header("manager"),
                    _("No sales manager called “%(value)s”.") % {"value": manager},
                )
            else:
                data["manager_id"] = manager_id
        region = self._value(cells, "sales_region")
        if region:
            region_id = self.lookups.regions.get(normalise_header(region))
            if region_id is None:
                row.error(
                    self.header("sales_region"),
                    _("No sales region called “%(value)s”.") % {"value": region},
                )
            else:
                data["sales_region_id"] = region_id
        if not data["name"]:
            row.error(self.header("name"), _("The name is empty."))
            return data
        instance = customer_instance(data)
        self._model_errors(row, instance, exclude={"manager", "sales_region", "merged_into"})
        return data

    def _model_errors(self, row: ParsedRow, instance: Any, exclude: set[str]) -> None:
        try:
            instance.clean_fields(exclude=exclude)
            instance.clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = self.header(_FIELD_COLUMNS.get(name, name))
                for message in messages:
                    row.error(column, message)

    # --- related rows ------------------------------------------------------------------

    def _phones(self, row: ParsedRow, cells: list[str]) -> list[str]:
        out: list[str] = []
        keys: list[list[Any]] = []
        for cell in self._values(cells, "phones"):
            for raw in split_phones(cell):
                result = normalize_phone(raw)
                if not result.e164:
                    row.error(
                        self.header("phones"),
                        _("“%(raw)s” is not a phone number.") % {"raw": raw},
                    )
                elif len(raw) > 60:
                    row.error(self.header("phones"), _("The phone number is too long."))
                elif raw not in out:
                    out.append(raw)
                    # Phone.derive_keys() as computed now: the commit writes them as they are.
                    keys.append([result.e164, result.national, result.extension[:10], result.valid])
        row.data["phone_keys"] = keys
        return out

    def _machines(self, row: ParsedRow, cells: list[str]) -> list[dict[str, Any]]:
        models: list[str] = []
        for cell in self._values(cells, "models"):
            models.extend(m for m in _split_list(cell) if m not in models)
        serial = self._value(cells, "serial_number")
        if serial and not models:
            models = [""]
        if not models:
            return []
        if serial and len(models) > 1:
            row.error(
                self.header("serial_number"),
                _("One serial number for several models: put each machine on its own row."),
            )
            return []
        quantity = 1
        text = self._value(cells, "quantity")
        if text:
            try:
                quantity = int(Decimal(text))
                if quantity < 1 or Decimal(text) != quantity:
                    raise ValueError(text)
            except (InvalidOperation, ValueError):
                row.error(self.header("quantity"), _("The quantity is a whole number, 1 or more."))
                return []
        bought = self._value(cells, "purchase_date")
        purchase_date = None
        if bought:
            try:
                purchase_date = parse_date(bought)
            except ValueError:
                row.error(
                    self.header("purchase_date"),
                    _("“%(value)s” is not a date (write 2021-04-30).") % {"value": bought},
                )
                return []
        brand = self._value(cells, "brand") or UNKNOWN_BRAND
        out = []
        for model in models:
            data: dict[str, Any] = {
                "brand": brand,
                "model_raw": model,
                "serial_number": serial,
                "quantity": quantity,
            }
            if purchase_date:
                data["purchase_date"] = purchase_date.isoformat()
            machine = machine_instance(data)
            self._model_errors(row, machine, exclude={"customer"})
            data["serial_number"] = machine.serial_number  # normalised (upper case, no spaces)
            out.append(data)
        return out

    def _shareholders(self, row: ParsedRow, cells: list[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        total = Decimal(0)
        for part in _split_list(self._value(cells, "shareholders")):
            match = _SHARE_RE.match(part)
            name, share = (
                (match.group(1).strip(), Decimal(match.group(2))) if match else (part, None)
            )
            if not name:
                row.error(self.header("shareholders"), _("A shareholder has no name."))
                continue
            data: dict[str, Any] = {"name": name}
            if share is not None:
                data["share_percent"] = str(share)
                total += share
            self._model_errors(row, shareholder_instance(data), exclude={"customer"})
            out.append(data)
        if total > 100:
            row.error(
                self.header("shareholders"),
                _("The shares add up to %(total)s%%; the total cannot exceed 100%%.")
                % {"total": total},
            )
        return out


_FIELD_COLUMNS = {"model_raw": "models", "raw": "phones", "share_percent": "shareholders"}


def customer_instance(data: dict[str, Any]) -> Customer:
    values = dict(data)
    if values.get("birth_date"):
        values["birth_date"] = dt.date.fromisoformat(values["birth_date"])
    return Customer(**values)


def machine_instance(data: dict[str, Any], **extra: Any) -> Machine:
    values = {**data, **extra}
    if values.get("purchase_date"):
        values["purchase_date"] = dt.date.fromisoformat(values["purchase_date"])
    return Machine(**values)


def shareholder_instance(data: dict[str, Any], **extra: Any) -> Shareholder:
    values = {**data, **extra}
    if values.get("share_percent") is not None:
        values["share_percent"] = Decimal(values["share_percent"])
    return Shareholder(**values)
