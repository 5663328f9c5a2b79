"""Floors (ARCHITECTURE.md): imports point down only.

    4  the top: dealercrm's pages that compose several apps (TOP below: the dossier page,
       home pages, the API router, the URL map …) and demo (demo data, `seed_demo`)
    3  loyalty
    2  contacts, service, parts
    1  customers
    0  dealercrm's core (CORE below: roles, money, validators, parsers, base models …)

A module may import its own unit and any unit on a lower floor; units on the same floor are
siblings and never import each other. A lower floor that must hear from a higher one
announces a signal (customers.signals) that the higher floor connects to in its
AppConfig.ready(), or offers a hook the higher floor fills there
(customers.selectors.add_list_annotation).

Reaches by name count as imports: apps.get_model("app", "Model") / get_model("app.Model"),
a model named in a string (ForeignKey("app.Model")), import_module / import_string, a
relation to a higher floor taken from a model (`Customer._meta.get_field("contact_logs")`),
and a higher floor's reverse accessor on a lower model (`customer.contact_logs`,
`filter(tiers__month=…)`). Not checked: migrations (frozen history), reflection over
every model whatever its app (merge's apps.get_models(), a label read from a merge record),
templates, tests and bench.

Every module of dealercrm is placed by name in CORE or TOP: a new one fails
test_every_dealercrm_module_is_placed until someone decides its floor.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist

ROOT = Path(__file__).resolve().parent.parent

FLOOR = {
    "core": 0,
    "customers": 1,
    "contacts": 2,
    "service": 2,
    "parts": 2,
    "loyalty": 3,
    "top": 4,
    "demo": 4,
}
APPS = ("dealercrm", "customers", "contacts", "service", "parts", "loyalty", "demo")

# dealercrm holds both ends of the house; each of its modules and packages, by name.
CORE = frozenset(
    {
        "admin",  # the security log and lockouts in the admin
        "admin_policy",  # the admin's one permission block (RoleAdminMixin)
        "api_permissions",  # the API's one permission class (policy)
        "api_schema",  # the API's schema rules
        "api_support",  # the API's error format, paging, policy classes
        "apps",
        "auth_views",  # login and the API token, throttled
        "celery",  # the Celery app and beat (tasks named by string, not imported)
        "decorators",  # policy_required
        "exports",  # CSV/XLSX writing
        "hashers",  # the password hash cost, tuned for a 2-core server
        "health",  # /healthz, /readyz
        "input_guard",  # NUL refused in query strings and forms
        "jobs",  # the system actor of scheduled jobs
        "login_pacing",  # sign-ins paced server-wide (the morning burst)
        "management",  # ready, table_counts, the commands' --month argument
        "middleware",
        "models",  # base models, the security log
        "money",
        "months",  # month bounds, shifts and ?month= parsing
        "pagination",
        "parsers",  # JSON bounded in size and depth
        "roles",  # the one permission policy
        "security",  # login throttling, the security log
        "security_views",  # the lockout list
        "sessions",  # sliding sessions, written at most once per 5 minutes
        "signals",  # the role-change log
        "templatetags",  # formatting filters
        "validators",
    }
)
TOP = frozenset(
    {
        "api",  # the API router
        "context_processors",  # the menu
        "dossier",  # the dossier page
        "home",  # each role's home page
        "pwa",  # manifest, service worker
        "settings",  # INSTALLED_APPS names every app
        "urls",  # the URL map
        "views",  # the home view, error pages
        "warmup",  # a web worker loads every URL and template before it serves
        "wsgi",
    }
)

# Edges between units that the rule would refuse, each with its reason. None: parts used to
# read service for purchase_totals, which now lives in loyalty (above both).
ALLOWED: frozenset[tuple[str, str]] = frozenset()

# Calls whose keyword names are lookups, and calls whose string arguments are field paths.
LOOKUP_CALLS = frozenset({"filter", "exclude", "get", "get_or_create", "update_or_create", "Q"})
PATH_CALLS = frozenset(
    {
        "F",
        "OuterRef",
        "values",
        "values_list",
        "select_related",
        "prefetch_related",
        "Prefetch",
        "order_by",
        "only",
        "defer",
        "Count",
        "Sum",
        "Min",
        "Max",
        "Avg",
    }
)
RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField"})


def unit_of(module: str) -> str | None:
    """The unit a module belongs to: an app, "core" or "top" for dealercrm, "unplaced" for
    a dealercrm module in neither table, None outside the project (Django, libraries)."""
    parts = module.split(".")
    if parts[0] not in APPS:
        return None
    if parts[0] != "dealercrm":
        return parts[0]
    if len(parts) == 1 or parts[1] in CORE:
        return "core"
    return "top" if parts[1] in TOP else "unplaced"


def may_import(source: str, target: str) -> bool:
    return (
        source == target
        or (source, target) in ALLOWED
        or (source in FLOOR and target in FLOOR and FLOOR[target] < FLOOR[source])
    )


@dataclass(frozen=True)
class Reach:
    module: str
    line: int
    what: str
    target: str  # the unit reached

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.what} (reaches {self.target})"


def _exists(module: str) -> bool:
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def project_modules() -> Iterator[tuple[str, Path]]:
    """Every module of the apps (migrations left out)."""
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts:
                continue
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return None


def _strings(nodes: list[Any]) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


@cache
def reverse_accessors() -> dict[str, frozenset[str]]:
    """Reverse accessor and query names of the project's models (and the user's), with the
    units of the models they lead to: `contact_logs` → {"contacts"}."""
    found: dict[str, set[str]] = {}
    models = [m for m in apps.get_models() if unit_of(m.__module__)] + [get_user_model()]
    for model in models:
        for rel in model._meta.get_fields(include_hidden=True):
            if not (rel.auto_created and not rel.concrete and rel.related_model):
                continue
            target = unit_of(rel.related_model.__module__)
            if target is None:
                continue
            for name in {rel.name, rel.get_accessor_name()}:
                if name and not name.endswith("+"):
                    found.setdefault(name, set()).add(target)
    return {name: frozenset(units) for name, units in found.items()}


def _model_named(module: str, name: str, imported: dict[str, tuple[str, str]]) -> Any:
    """The model class `name` means in `module` (imported there, or defined there)."""
    where, attr = imported.get(name, (module, name))
    try:
        found = getattr(importlib.import_module(where), attr, None)
    except ImportError:
        return None
    return found if isinstance(found, type) and hasattr(found, "_meta") else None


def reaches(module: str, source: str) -> list[Reach]:
    """Everything `module` (whose text is `source`) imports or reaches by name that its
    floor may not: another unit on its own floor or any unit above."""
    unit = unit_of(module)
    assert unit is not None, module
    package = module if source_is_package(module) else module.rpartition(".")[0]
    tree = ast.parse(source)
    imported: dict[str, tuple[str, str]] = {}
    found: list[Reach] = []

    def reach(node: ast.AST, what: str, target_module: str) -> None:
        target = unit_of(target_module)
        if target is not None and not may_import(unit, target):
            found.append(Reach(module, getattr(node, "lineno", 0), what, target))

    def reach_name(node: ast.AST, what: str, targets: frozenset[str]) -> None:
        # A name several models share (`entries`) counts when none of them is in reach.
        if targets and not any(may_import(unit, t) for t in targets):
            found.append(Reach(module, getattr(node, "lineno", 0), what, min(targets)))

    accessors = reverse_accessors()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                reach(node, f"import {alias.name}", alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                full = f"{origin}.{alias.name}"
                target = full if _exists(full) else origin
                imported[alias.asname or alias.name] = (origin, alias.name)
                reach(node, f"from {origin} import {alias.name}", target)
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            args = _strings(node.args)
            if name in ("get_model", "get_app_config") and args:
                label = args[0].split(".")[0]
                reach(node, f"{name}({', '.join(map(repr, args))})", f"{label}.models")
            elif name in RELATION_FIELDS:
                to = args[:1] + _strings([k.value for k in node.keywords if k.arg == "to"])
                for ref in to:
                    if "." in ref:
                        reach(node, f"{name}({ref!r})", f"{ref.split('.')[0]}.models")
            elif name in ("import_module", "import_string") and args:
                reach(node, f"{name}({args[0]!r})", args[0])
            elif (
                name == "get_field"
                and args
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == "_meta"
                and isinstance(node.func.value.value, ast.Name)
            ):
                model = _model_named(module, node.func.value.value.id, imported)
                if model is not None:
                    try:
                        field = model._meta.get_field(args[0])
                    except FieldDoesNotExist:
                        field = None
                    if field is not None and field.is_relation and field.related_model:
                        reach(
                            node,
                            f"{model.__name__}._meta.get_field({args[0]!r})",
                            field.related_model.__module__,
                        )
            paths: list[str] = []
            if name in LOOKUP_CALLS:
                paths += [k.arg for k in node.keywords if k.arg]
            if name in PATH_CALLS:
                paths += [p.lstrip("-") for p in args]
            for path in paths:
                for step in path.split("__"):
                    reach_name(node, f"lookup {path!r}", accessors.get(step, frozenset()))
        elif isinstance(node, ast.Attribute) and node.attr in accessors:
            reach_name(node, f"reverse accessor .{node.attr}", accessors[node.attr])
    return found


def source_is_package(module: str) -> bool:
    return (ROOT.joinpath(*module.split(".")) / "__init__.py").is_file()


def all_reaches() -> list[Reach]:
    found: list[Reach] = []
    for module, path in project_modules():
        found += reaches(module, path.read_text(encoding="utf-8"))
    return found


# --- the rule --------------------------------------------------------------------------


def test_every_dealercrm_module_is_placed():
    unplaced = [m for m, _ in project_modules() if unit_of(m) == "unplaced"]
    assert not unplaced, (
        f"{unplaced}: put each in CORE (imported by the apps, imports none of them) or TOP "
        "(composes several apps) in tests/test_layers.py"
    )
    stale = sorted(n for n in CORE | TOP if not _exists(f"dealercrm.{n}"))
    assert not stale, f"no such dealercrm modules: {stale}"
    assert not CORE & TOP


def test_every_app_of_the_project_is_on_a_floor():
    ours = [c.name for c in apps.get_app_configs() if Path(c.path).parent == ROOT]
    assert sorted(ours) == sorted(APPS)
    assert set(FLOOR) == set(APPS) - {"dealercrm"} | {"core", "top"}


def test_no_floor_imports_a_higher_one_or_a_sibling():
    found = all_reaches()
    assert not found, "imports against the floors (ARCHITECTURE.md):\n" + "\n".join(map(str, found))


def test_demo_sits_above_every_app_and_nothing_imports_it():
    assert settings.INSTALLED_APPS[-1] == "demo"
    assert not list(apps.get_app_config("demo").get_models())
    for unit in ("core", "customers", "contacts", "service", "parts", "loyalty", "top"):
        assert not may_import(unit, "demo"), unit
        assert may_import("demo", unit) or unit == "top", unit
    # `seed_demo` is the demo's command, run from the demo app.
    from django.core.management import get_commands

    assert get_commands()["seed_demo"] == "demo"


# --- the check finds what it should (a fake module, never written to disk) ----------------

UPWARD = """
from django.apps import apps

import loyalty.models
from contacts.models import ContactLog
from dealercrm import dossier, roles
from customers.models import Customer

from .models import Machine


def reach(customer):
    apps.get_model("service", "ServiceRecord")
    apps.get_model("parts.PartsOrder")
    Customer._meta.get_field("contact_logs").related_model
    customer.tiers.all()
    Customer.objects.filter(gold_cards__state="active")
    Machine.objects.values("service_records__kind")
    Customer._meta.get_field("manager")  # a relation down: fine
    roles.can_view_customers(None)  # core: fine
"""


def test_the_check_reports_every_upward_reach():
    found = {(r.line, r.target) for r in reaches("customers.fake", UPWARD)}
    assert found == {
        (4, "loyalty"),  # import loyalty.models
        (5, "contacts"),  # from contacts.models import ContactLog
        (6, "top"),  # from dealercrm import dossier
        (13, "service"),  # apps.get_model("service", "ServiceRecord")
        (14, "parts"),  # apps.get_model("parts.PartsOrder")
        (15, "contacts"),  # Customer._meta.get_field("contact_logs")
        (16, "loyalty"),  # customer.tiers
        (17, "loyalty"),  # filter(gold_cards__state=…)
        (18, "service"),  # values("service_records__kind")
    }


def test_the_check_reports_siblings_and_core_reaching_up():
    sibling = "from service.models import ServiceRecord\nx = ForeignKey('contacts.Reminder')\n"
    assert {(r.line, r.target) for r in reaches("parts.fake", sibling)} == {
        (1, "service"),
        (2, "contacts"),
    }
    core = "from customers.selectors import visible_customers\nuser.managed_customers.all()\n"
    assert {(r.line, r.target) for r in reaches("dealercrm.roles", core)} == {
        (1, "customers"),
        (2, "customers"),
    }
    # demo and the top are siblings; everything below is theirs to use.
    assert [r.target for r in reaches("demo.fake", "from dealercrm import home\n")] == ["top"]
    assert not reaches("demo.fake", "from loyalty.services import tiers\nimport customers\n")
    assert not reaches("dealercrm.dossier", "from loyalty.selectors import cards\n")


@pytest.mark.parametrize("module", ["dealercrm.brand_new", "dealercrm.brand_new.sub"])
def test_a_new_dealercrm_module_is_unplaced_until_someone_places_it(module):
    assert unit_of(module) == "unplaced"
